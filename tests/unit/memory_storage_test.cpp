// The storage contract on the in-memory repositories, plus the store's fault
// injection that simulation tests rely on.

#include <boost/test/unit_test.hpp>

#include "storage/memory/memory_repositories.hpp"
#include "support/storage_contract.hpp"

namespace {

using namespace shop;

struct memory_fixture {
  std::shared_ptr<memory_store> store = std::make_shared<memory_store>();
  repository_factories factories = make_memory_repositories(store);
};

} // namespace

BOOST_AUTO_TEST_SUITE(memory_storage)

SHOP_STORAGE_CONTRACT_TESTS(memory_fixture)

BOOST_FIXTURE_TEST_CASE(injected_commit_failures_change_nothing,
                        memory_fixture) {
  auto repo = factories.users();
  store->fail_next_commits(2);
  for (int i = 0; i < 2; ++i)
    contract::check_throws(
      [&] {
        repo->commit(users_changes{{user{1, "a@example.com", "A"}}, {}});
      },
      storage_error::kind::connection_lost);
  BOOST_TEST(repo->load_users().empty());
  BOOST_TEST(store->commits() == 0);
  // Empty commits touch nothing and do not use up an injected failure.
  store->fail_next_commits(1, storage_error::kind::serialization_failure);
  repo->commit(users_changes{});
  contract::check_throws(
    [&] {
      factories.orders()->commit(orders_changes{{1}, {}, {}, {}});
    },
    storage_error::kind::serialization_failure);
  BOOST_TEST(factories.orders()->load_known_users().empty());
  // The third commit goes through.
  repo->commit(users_changes{{user{1, "a@example.com", "A"}}, {}});
  BOOST_TEST(factories.users()->load_users().size() == 1u);
  BOOST_TEST(store->commits() == 1);
}

BOOST_FIXTURE_TEST_CASE(injected_failures_cover_reliability_changes,
                        memory_fixture) {
  // A batch of reliability changes alone is a commit like any other.
  auto repo = factories.notifications();
  reliability_changes changes;
  changes.outbox = {contract::event(1)};
  changes.inbox = {{"order_processed", 3}};
  changes.idempotency = {contract::key_record("register", "k")};
  notifications_changes batch;
  batch.reliable = changes;
  store->fail_next_commits(1);
  contract::check_throws([&] { repo->commit(batch); },
                         storage_error::kind::connection_lost);
  BOOST_TEST(contract::describe(repo->load_reliability())
             == contract::describe(reliability_snapshot{}));
  BOOST_TEST(!repo->find_idempotency("register", "k").has_value());
  BOOST_TEST(store->commits() == 0);
  repo->commit(batch);
  BOOST_TEST(repo->load_reliability().outbox.size() == 1u);
  BOOST_TEST(repo->find_idempotency("register", "k").has_value());
  BOOST_TEST(store->commits() == 1);
}

BOOST_FIXTURE_TEST_CASE(unavailable_store_fails_every_call, memory_fixture) {
  auto repo = factories.billing();
  store->set_unavailable(true);
  contract::check_throws([&] { factories.billing(); },
                         storage_error::kind::connection_lost);
  contract::check_throws([&] { repo->load_accounts(); },
                         storage_error::kind::connection_lost);
  billing_changes changes;
  changes.opened = {account{1, money{}}};
  contract::check_throws([&] { repo->commit(changes); },
                         storage_error::kind::connection_lost);
  store->set_unavailable(false);
  BOOST_TEST(factories.billing()->load_accounts().empty());
  repo->commit(changes);
  BOOST_TEST(factories.billing()->load_accounts().size() == 1u);
}

BOOST_AUTO_TEST_CASE(stores_are_independent) {
  auto a = std::make_shared<memory_store>();
  auto b = std::make_shared<memory_store>();
  make_memory_repositories(a).users()->commit(
    users_changes{{user{1, "a@example.com", "A"}}, {}});
  BOOST_TEST(make_memory_repositories(a).users()->load_users().size() == 1u);
  BOOST_TEST(make_memory_repositories(b).users()->load_users().empty());
}

BOOST_AUTO_TEST_SUITE_END()
