#pragma once

// The reliability part of the storage contract (storage_contract.hpp
// includes this file and instantiates its cases): reliable_repository and the
// reliability_changes committed with every service's batch. Most cases run
// once per service, since each service schema has its own tables.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "storage/errors.hpp"
#include "storage/repositories.hpp"

namespace shop::contract {

// -- helpers ------------------------------------------------------------------

/// Every byte value once, 0 to 255: NUL, quotes, backslashes, braces, commas
/// and invalid UTF-8 included.
inline std::string all_bytes() {
  std::string result;
  for (int i = 0; i < 256; ++i)
    result += static_cast<char>(i);
  return result;
}

/// `n` pseudo-random bytes (a fixed linear congruential sequence).
inline std::string noise(size_t n, uint32_t seed) {
  std::string result;
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    result += static_cast<char>(seed >> 24);
  }
  return result;
}

inline std::string describe(const reliability_snapshot& x) {
  return "reliability_snapshot{outbox " + describe(x.outbox) + ", max "
         + std::to_string(x.max_outbox_seq) + ", cursors " + describe(x.cursors)
         + ", inbox " + describe(x.inbox) + "}";
}

inline outbox_record event(int64_t seq, std::string topic = "order_created",
                           std::string payload = "payload", unix_ms at = t0) {
  return outbox_record{seq, std::move(topic), std::move(payload), at};
}

inline idempotency_record key_record(std::string scope, std::string key,
                                     std::string request = "request",
                                     std::string reply = "reply",
                                     unix_ms at = t0) {
  return idempotency_record{std::move(scope), std::move(key),
                            std::move(request), std::move(reply), at};
}

inline std::vector<int64_t> seqs_of(const std::vector<outbox_record>& xs) {
  std::vector<int64_t> result;
  for (auto& x : xs)
    result.push_back(x.seq);
  return result;
}

/// One service's repository seen through its reliable part, with a commit of
/// reliability changes alone (the service's own changes left empty).
struct reliable_view {
  std::shared_ptr<reliable_repository> repo;
  std::function<void(const reliability_changes&)> commit;
};

template <class Changes, class Repository>
reliable_view make_view(std::unique_ptr<Repository> opened) {
  std::shared_ptr<Repository> repo = std::move(opened);
  return reliable_view{repo, [repo](const reliability_changes& x) {
                         Changes changes;
                         changes.reliable = x;
                         repo->commit(changes);
                       }};
}

inline const std::vector<std::string>& services() {
  static const std::vector<std::string> names{"users", "billing", "orders",
                                              "notifications"};
  return names;
}

/// Opens a new repository of `service`.
inline reliable_view open_reliable(const repository_factories& f,
                                   const std::string& service) {
  if (service == "users")
    return make_view<users_changes>(f.users());
  if (service == "billing")
    return make_view<billing_changes>(f.billing());
  if (service == "orders")
    return make_view<orders_changes>(f.orders());
  return make_view<notifications_changes>(f.notifications());
}

/// Runs `test(open)` for every service; `open()` opens a new repository of
/// that service (a reload, like a restarted service).
template <class Test>
void for_each_service(const repository_factories& f, Test&& test) {
  for (auto& service : services()) {
    BOOST_TEST_CONTEXT("service " << service) {
      test([&f, service] { return open_reliable(f, service); });
    }
  }
}

// -- outbox -------------------------------------------------------------------

inline void reliability_starts_empty(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    BOOST_TEST(describe(view.repo->load_reliability())
               == describe(reliability_snapshot{}));
    BOOST_TEST(!view.repo->find_idempotency("deposit", "k").has_value());
    view.commit(reliability_changes{});
    BOOST_TEST(describe(open().repo->load_reliability())
               == describe(reliability_snapshot{}));
  });
}

inline void reliability_outbox_round_trip(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes first;
    first.outbox
      = {event(1, "user_created", all_bytes(), t0),
         event(2, "order_created", "", t0 + 1),
         event(3, "a \"topic\" \\ {x,y} NULL", std::string(3, '\0'), t0 + 2)};
    view.commit(first);
    auto loaded = open().repo->load_reliability();
    BOOST_TEST(describe(loaded.outbox) == describe(first.outbox));
    BOOST_TEST(loaded.max_outbox_seq == 3);
    BOOST_REQUIRE(loaded.outbox.size() == 3u);
    BOOST_TEST(loaded.outbox[0].payload == all_bytes());
    // A later batch continues the outbox.
    reliability_changes second;
    second.outbox = {event(4), event(5, "order_processed", "x", t0 + 9)};
    view.commit(second);
    loaded = open().repo->load_reliability();
    BOOST_TEST(describe(seqs_of(loaded.outbox)) == "[1, 2, 3, 4, 5]");
    BOOST_TEST(describe(loaded.outbox.back()) == describe(second.outbox[1]));
    BOOST_TEST(loaded.max_outbox_seq == 5);
  });
}

inline void reliability_binary_round_trip(const repository_factories& f) {
  auto reversed = all_bytes();
  std::reverse(reversed.begin(), reversed.end());
  auto big = noise(100'000, 42);
  // Bytes that an escaping bug would turn into something else.
  const char raw[] = "\\x00\0\\\\\"'{},NULL\xff";
  std::string tricky{raw, sizeof raw - 1};
  for_each_service(f, [&](auto open) {
    reliability_changes changes;
    changes.outbox = {event(1, "t", big), event(2, "t", tricky)};
    changes.idempotency = {key_record("deposit", "a", all_bytes(), reversed),
                           key_record("deposit", "b", "", std::string(1, '\0')),
                           key_record("payment", "a", tricky, big, t0 + 5)};
    open().commit(changes);
    auto view = open();
    auto loaded = view.repo->load_reliability();
    BOOST_REQUIRE(loaded.outbox.size() == 2u);
    BOOST_TEST(loaded.outbox[0].payload == big);
    BOOST_TEST(loaded.outbox[1].payload == tricky);
    for (auto& want : changes.idempotency) {
      auto got = view.repo->find_idempotency(want.scope, want.key);
      BOOST_REQUIRE(got.has_value());
      BOOST_TEST(describe(*got) == describe(want));
      BOOST_TEST(got->request == want.request);
      BOOST_TEST(got->reply == want.reply);
    }
  });
}

inline void
reliability_outbox_from_slowest_cursor(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes events;
    events.outbox = {event(1), event(2), event(3), event(4), event(5)};
    view.commit(events);
    // Without cursors, every event is unacknowledged.
    auto seqs = [&] {
      return describe(seqs_of(open().repo->load_reliability().outbox));
    };
    BOOST_TEST(seqs() == "[1, 2, 3, 4, 5]");
    // A subscriber that acknowledged nothing yet holds everything back.
    reliability_changes acks;
    acks.cursors = {{"billing", 4}, {"notifications", 0}};
    view.commit(acks);
    BOOST_TEST(seqs() == "[1, 2, 3, 4, 5]");
    acks.cursors = {{"notifications", 2}};
    view.commit(acks);
    BOOST_TEST(seqs() == "[3, 4, 5]");
    acks.cursors = {{"notifications", 5}};
    view.commit(acks);
    BOOST_TEST(seqs() == "[5]");
    acks.cursors = {{"billing", 5}};
    view.commit(acks);
    auto loaded = open().repo->load_reliability();
    BOOST_TEST(loaded.outbox.empty());
    BOOST_TEST(loaded.max_outbox_seq == 5);
  });
}

inline void reliability_cursors_never_lowered(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes first;
    first.cursors = {{"billing", 5}, {"notifications", 3}};
    view.commit(first);
    reliability_changes second;
    second.cursors = {{"billing", 2}, {"notifications", 4}, {"orders", 0}};
    view.commit(second);
    auto want = std::map<std::string, int64_t>{{"billing", 5},
                                               {"notifications", 4},
                                               {"orders", 0}};
    BOOST_TEST(describe(open().repo->load_reliability().cursors)
               == describe(want));
  });
}

/// A relay holds a bounded number of events in memory: the snapshot gives
/// the first `max_events` of those not acknowledged by every subscriber,
/// load_outbox the next ones in pages.
inline void reliability_outbox_in_pages(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes setup;
    for (int64_t seq = 1; seq <= 7; ++seq)
      setup.outbox.push_back(event(seq));
    setup.cursors = {{"a", 2}, {"b", 3}};
    view.commit(setup);
    auto repo = open().repo;
    auto first = repo->load_reliability(2);
    BOOST_TEST(describe(seqs_of(first.outbox)) == "[3, 4]");
    BOOST_TEST(first.max_outbox_seq == 7);
    BOOST_TEST(describe(first.cursors)
               == describe(std::map<std::string, int64_t>{{"a", 2}, {"b", 3}}));
    BOOST_TEST(describe(seqs_of(repo->load_outbox(4, 2))) == "[5, 6]");
    BOOST_TEST(describe(seqs_of(repo->load_outbox(6, 100))) == "[7]");
    BOOST_TEST(repo->load_outbox(7, 100).empty());
    BOOST_TEST(describe(repo->load_outbox(2, 1))
               == describe(std::vector<outbox_record>{setup.outbox[2]}));
    BOOST_TEST(describe(seqs_of(repo->load_reliability().outbox))
               == "[3, 4, 5, 6, 7]");
  });
}

inline void reliability_prune_and_reload(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes setup;
    setup.outbox = {event(1), event(2), event(3), event(4), event(5)};
    setup.cursors = {{"a", 3}, {"b", 3}};
    view.commit(setup);
    // Pruning what both acknowledged changes nothing visible...
    reliability_changes prune;
    prune.prune_outbox_through = 3;
    view.commit(prune);
    auto loaded = open().repo->load_reliability();
    BOOST_TEST(describe(seqs_of(loaded.outbox)) == "[4, 5]");
    BOOST_TEST(loaded.max_outbox_seq == 5);
    // ... and the rows are gone, not just hidden: acknowledgements and the
    // prune in one batch, then a new event.
    reliability_changes all;
    all.cursors = {{"a", 5}, {"b", 5}};
    all.prune_outbox_through = 5;
    view.commit(all);
    loaded = open().repo->load_reliability();
    BOOST_TEST(loaded.outbox.empty());
    BOOST_TEST(loaded.max_outbox_seq == 5);
    reliability_changes next;
    next.outbox = {event(6)};
    view.commit(next);
    loaded = open().repo->load_reliability();
    BOOST_TEST(describe(seqs_of(loaded.outbox)) == "[6]");
    BOOST_TEST(loaded.max_outbox_seq == 6);
    BOOST_TEST(describe(loaded.cursors)
               == describe(std::map<std::string, int64_t>{{"a", 5}, {"b", 5}}));
    // A prune with a lower bound deletes only (after, through].
    reliability_changes more;
    more.outbox = {event(7), event(8)};
    view.commit(more);
    reliability_changes ranged;
    ranged.prune_outbox_after = 6;
    ranged.prune_outbox_through = 7;
    view.commit(ranged);
    loaded = open().repo->load_reliability();
    BOOST_TEST(describe(seqs_of(loaded.outbox)) == "[6, 8]");
  });
}

inline void
reliability_max_seq_survives_pruning(const repository_factories& f) {
  // Without cursors every remaining event shows, so what pruning deleted is
  // visible; and neither the events nor the cursors tell the largest seq.
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes setup;
    setup.outbox = {event(1), event(2), event(3), event(4)};
    view.commit(setup);
    reliability_changes prune;
    prune.prune_outbox_through = 2;
    view.commit(prune);
    auto loaded = open().repo->load_reliability();
    BOOST_TEST(describe(seqs_of(loaded.outbox)) == "[3, 4]");
    BOOST_TEST(loaded.max_outbox_seq == 4);
    prune.prune_outbox_through = 100;
    view.commit(prune);
    loaded = open().repo->load_reliability();
    BOOST_TEST(loaded.outbox.empty());
    BOOST_TEST(loaded.max_outbox_seq == 4);
  });
}

// -- inbox --------------------------------------------------------------------

inline void reliability_inbox_never_lowered(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes first;
    first.inbox = {{"order_created", 3}};
    view.commit(first);
    reliability_changes second;
    second.inbox = {{"order_created", 2}, {"user_created", 7}};
    view.commit(second);
    auto want = std::map<std::string, int64_t>{{"order_created", 3},
                                               {"user_created", 7}};
    BOOST_TEST(describe(open().repo->load_reliability().inbox)
               == describe(want));
    reliability_changes third;
    third.inbox = {{"order_created", 4}};
    view.commit(third);
    want["order_created"] = 4;
    auto loaded = open().repo->load_reliability();
    BOOST_TEST(describe(loaded.inbox) == describe(want));
    // Inbox marks are no outbox cursors.
    BOOST_TEST(loaded.cursors.empty());
  });
}

// -- idempotency keys ---------------------------------------------------------

inline void
reliability_idempotency_unique_per_scope(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    // The same key in two scopes, and keys differing only in case.
    reliability_changes first;
    first.idempotency = {key_record("deposit", "k1", "req d", "rep d"),
                         key_record("payment", "k1", "req p", "rep p"),
                         key_record("deposit", "K1", "req D", "rep D")};
    view.commit(first);
    auto before = describe(view.repo->load_reliability());
    // The same scope and key again: nothing of the batch stays.
    reliability_changes again;
    again.outbox = {event(1)};
    again.cursors = {{"billing", 1}};
    again.inbox = {{"user_created", 1}};
    again.idempotency = {key_record("register", "k2"),
                         key_record("deposit", "k1", "other", "other")};
    check_throws([&] { view.commit(again); },
                 storage_error::kind::unique_violation);
    // The same key twice in one batch.
    reliability_changes twice;
    twice.idempotency
      = {key_record("register", "k3"), key_record("register", "k3", "b", "b")};
    check_throws([&] { view.commit(twice); },
                 storage_error::kind::unique_violation);
    auto reopened = open();
    BOOST_TEST(describe(reopened.repo->load_reliability()) == before);
    BOOST_TEST(describe(reopened.repo->load_reliability())
               == describe(reliability_snapshot{}));
    BOOST_TEST(!reopened.repo->find_idempotency("register", "k2").has_value());
    BOOST_TEST(!reopened.repo->find_idempotency("register", "k3").has_value());
    BOOST_TEST(!reopened.repo->find_idempotency("register", "k1").has_value());
    for (auto& want : first.idempotency)
      BOOST_TEST(describe(reopened.repo->find_idempotency(want.scope, want.key))
                 == describe(want));
  });
}

inline void reliability_purge_idempotency(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes setup;
    setup.idempotency = {key_record("deposit", "a", "ra", "pa", t0),
                         key_record("deposit", "b", "rb", "pb", t0 + 10),
                         key_record("payment", "c", "rc", "pc", t0 + 20)};
    view.commit(setup);
    // Strictly older than the limit goes; a record at the limit stays.
    reliability_changes purge;
    purge.purge_idempotency_before = t0 + 10;
    view.commit(purge);
    auto reopened = open();
    BOOST_TEST(!reopened.repo->find_idempotency("deposit", "a").has_value());
    BOOST_TEST(describe(reopened.repo->find_idempotency("deposit", "b"))
               == describe(setup.idempotency[1]));
    BOOST_TEST(describe(reopened.repo->find_idempotency("payment", "c"))
               == describe(setup.idempotency[2]));
    // Purging comes first in a batch: an expired key may be used again.
    reliability_changes reuse;
    reuse.purge_idempotency_before = t0 + 15;
    reuse.idempotency = {key_record("deposit", "b", "new", "new", t0 + 30)};
    view.commit(reuse);
    reopened = open();
    BOOST_TEST(describe(reopened.repo->find_idempotency("deposit", "b"))
               == describe(reuse.idempotency[0]));
    BOOST_TEST(reopened.repo->find_idempotency("payment", "c").has_value());
    // A key that did not expire is still taken.
    reliability_changes taken;
    taken.purge_idempotency_before = t0 + 15;
    taken.idempotency = {key_record("payment", "c", "new", "new", t0 + 30)};
    check_throws([&] { view.commit(taken); },
                 storage_error::kind::unique_violation);
    BOOST_TEST(describe(open().repo->find_idempotency("payment", "c"))
               == describe(setup.idempotency[2]));
  });
}

// -- constraints --------------------------------------------------------------

inline void reliability_rejects_bad_records(const repository_factories& f) {
  for_each_service(f, [](auto open) {
    auto view = open();
    reliability_changes setup;
    setup.outbox = {event(1), event(2)};
    setup.cursors = {{"a", 1}};
    setup.inbox = {{"t", 1}};
    view.commit(setup);
    auto before = describe(view.repo->load_reliability());
    auto fails = [&](reliability_changes x, storage_error::kind k) {
      check_throws([&] { view.commit(x); }, k);
      BOOST_TEST(describe(open().repo->load_reliability()) == before);
    };
    reliability_changes x;
    x.outbox = {event(3), event(2)};
    fails(x, storage_error::kind::unique_violation);
    x.outbox = {event(3), event(3)};
    fails(x, storage_error::kind::unique_violation);
    x.outbox = {event(0)};
    fails(x, storage_error::kind::constraint_violation);
    x.outbox = {event(3)};
    x.cursors = {{"b", -1}};
    fails(x, storage_error::kind::constraint_violation);
    x.cursors = {};
    x.inbox = {{"u", -1}};
    fails(x, storage_error::kind::constraint_violation);
  });
}

inline void reliability_schemas_are_separate(const repository_factories& f) {
  // Each service writes its own records under the same names; each must
  // read back exactly its own.
  auto& names = services();
  for (size_t i = 0; i < names.size(); ++i) {
    reliability_changes x;
    for (int64_t seq = 1; seq <= static_cast<int64_t>(i) + 1; ++seq)
      x.outbox.push_back(event(seq, "t", names[i]));
    x.cursors = {{"s", static_cast<int64_t>(i)}};
    x.inbox = {{"t", static_cast<int64_t>(i) + 10}};
    x.idempotency = {key_record("deposit", "same", names[i], names[i])};
    open_reliable(f, names[i]).commit(x);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    BOOST_TEST_CONTEXT("service " << names[i]) {
      auto view = open_reliable(f, names[i]);
      auto loaded = view.repo->load_reliability();
      BOOST_TEST(loaded.max_outbox_seq == static_cast<int64_t>(i) + 1);
      BOOST_TEST(describe(loaded.cursors)
                 == describe(std::map<std::string, int64_t>{
                   {"s", static_cast<int64_t>(i)}}));
      BOOST_TEST(describe(loaded.inbox)
                 == describe(std::map<std::string, int64_t>{
                   {"t", static_cast<int64_t>(i) + 10}}));
      for (auto& x : loaded.outbox)
        BOOST_TEST(x.payload == names[i]);
      auto record = view.repo->find_idempotency("deposit", "same");
      BOOST_REQUIRE(record.has_value());
      BOOST_TEST(record->request == names[i]);
    }
  }
}

// -- atomicity with each service's own changes --------------------------------

/// A reliability part that is valid on its own: every table touched.
inline reliability_changes valid_reliability() {
  reliability_changes x;
  x.outbox = {event(1, "t", all_bytes())};
  // Not acknowledged yet: the event shows in the snapshot.
  x.cursors = {{"sub", 0}};
  x.inbox = {{"topic", 9}};
  x.idempotency = {key_record("scope", "fresh")};
  return x;
}

/// A reliability part that fails: the key exists after `reliability_setup`.
inline reliability_changes failing_reliability() {
  auto x = valid_reliability();
  x.idempotency.push_back(key_record("scope", "taken"));
  return x;
}

/// What every atomicity test commits first, with its service's setup.
inline reliability_changes reliability_setup() {
  reliability_changes x;
  x.idempotency = {key_record("scope", "taken")};
  return x;
}

/// Checks that the reliability tables hold only reliability_setup().
inline void check_only_setup(reliable_repository& repo) {
  BOOST_TEST(describe(repo.load_reliability())
             == describe(reliability_snapshot{}));
  BOOST_TEST(!repo.find_idempotency("scope", "fresh").has_value());
  BOOST_TEST(repo.find_idempotency("scope", "taken").has_value());
}

/// Checks that valid_reliability() was committed.
inline void check_valid_committed(reliable_repository& repo) {
  auto loaded = repo.load_reliability();
  BOOST_TEST(describe(loaded.outbox) == describe(valid_reliability().outbox));
  BOOST_TEST(loaded.max_outbox_seq == 1);
  BOOST_TEST(describe(loaded.cursors) == "{sub: 0}");
  BOOST_TEST(describe(loaded.inbox) == "{topic: 9}");
  BOOST_TEST(repo.find_idempotency("scope", "fresh").has_value());
}

inline void reliability_atomic_users(const repository_factories& f) {
  users_changes setup{{user{1, "a@example.com", "A"}}, reliability_setup()};
  f.users()->commit(setup);
  // A bad user fails the reliability part with it...
  users_changes bad_user{{user{2, "A@example.com", "B"}}, valid_reliability()};
  check_throws([&] { f.users()->commit(bad_user); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.users());
  // ... a bad reliability part fails the users with it...
  users_changes bad_key{{user{3, "c@example.com", "C"}}, failing_reliability()};
  check_throws([&] { f.users()->commit(bad_key); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.users());
  BOOST_TEST(f.users()->load_users().size() == 1u);
  // ... and together they commit.
  users_changes good{{user{3, "c@example.com", "C"}}, valid_reliability()};
  f.users()->commit(good);
  BOOST_TEST(f.users()->load_users().size() == 2u);
  check_valid_committed(*f.users());
}

inline void reliability_atomic_billing(const repository_factories& f) {
  billing_changes setup;
  setup.opened = {account{1, cents(0)}};
  setup.reliable = reliability_setup();
  f.billing()->commit(setup);
  billing_changes bad_entry;
  bad_entry.entries = {entry(1, 1, -1, ledger_kind::payment, -1)};
  bad_entry.reliable = valid_reliability();
  check_throws([&] { f.billing()->commit(bad_entry); },
               storage_error::kind::constraint_violation);
  check_only_setup(*f.billing());
  billing_changes bad_key;
  bad_key.opened = {account{2, cents(0)}};
  bad_key.entries = {entry(1, 1, 100, ledger_kind::deposit, 100)};
  bad_key.charges = {charge(7, 1, 10, payment_result::paid)};
  bad_key.reliable = failing_reliability();
  check_throws([&] { f.billing()->commit(bad_key); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.billing());
  BOOST_TEST(describe(f.billing()->load_accounts())
             == describe(std::vector<account>{account{1, cents(0)}}));
  BOOST_TEST(f.billing()->max_ledger_id() == 0);
  BOOST_TEST(!f.billing()->find_charge(7).has_value());
  auto good = bad_key;
  good.reliable = valid_reliability();
  f.billing()->commit(good);
  BOOST_TEST(f.billing()->load_accounts().size() == 2u);
  BOOST_TEST(f.billing()->find_charge(7).has_value());
  check_valid_committed(*f.billing());
}

inline void reliability_atomic_orders(const repository_factories& f) {
  orders_changes setup;
  setup.created = {make_order(1, 5, 1, 1, 100)};
  setup.reliable = reliability_setup();
  f.orders()->commit(setup);
  orders_changes bad_order;
  bad_order.created = {make_order(2, 5, 1, 0, 100)};
  bad_order.reliable = valid_reliability();
  check_throws([&] { f.orders()->commit(bad_order); },
               storage_error::kind::constraint_violation);
  check_only_setup(*f.orders());
  orders_changes bad_key;
  bad_key.known_users = {5};
  bad_key.created = {make_order(2, 5, 1, 1, 100)};
  bad_key.updated = {order_update{1, order_status::paid, t0 + 1}};
  bad_key.reliable = failing_reliability();
  check_throws([&] { f.orders()->commit(bad_key); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.orders());
  BOOST_TEST(f.orders()->load_known_users().empty());
  BOOST_TEST(f.orders()->max_order_id() == 1);
  BOOST_TEST(describe(f.orders()->load_pending()) == describe(setup.created));
  auto good = bad_key;
  good.reliable = valid_reliability();
  f.orders()->commit(good);
  BOOST_TEST(describe(ids_of(f.orders()->load_pending())) == "[2]");
  check_valid_committed(*f.orders());
}

/// Events that name the record they announce (outbox_record::row; storage/pg
/// keeps them in that record's row) load, count and prune like any other:
/// in seq order with the rest, the payload intact, gone once every
/// subscriber acknowledged them; an event naming a record the batch does not
/// create is kept like one that names none. For the two services whose
/// events announce records: Orders (ORDER_CREATED, the order) and Billing
/// (ORDER_PROCESSED, the decision).
inline void reliability_events_kept_in_rows(const repository_factories& f) {
  struct service {
    const char* name;
    const char* topic;
    std::function<void(std::vector<int64_t>, reliability_changes)> commit;
    std::function<std::shared_ptr<reliable_repository>()> open;
  };
  std::vector<service> services{
    {"orders", "order_created",
     [&](std::vector<int64_t> ids, reliability_changes x) {
       orders_changes changes;
       for (auto id : ids)
         changes.created.push_back(make_order(id, 5, 1, 1, 100));
       changes.reliable = std::move(x);
       f.orders()->commit(changes);
     },
     [&] { return std::shared_ptr<reliable_repository>{f.orders()}; }},
    {"billing", "order_processed",
     [&](std::vector<int64_t> ids, reliability_changes x) {
       billing_changes changes;
       for (auto id : ids)
         changes.charges.push_back(
           order_processed{0, id, 5, money::from_cents(100),
                           payment_result::not_enough_money, ""});
       changes.reliable = std::move(x);
       f.billing()->commit(changes);
     },
     [&] { return std::shared_ptr<reliable_repository>{f.billing()}; }},
  };
  for (auto& s : services) {
    BOOST_TEST_CONTEXT("service " << s.name) {
      auto keyed = [&](int64_t seq, int64_t row, std::string payload) {
        auto x = event(seq, s.topic, std::move(payload), t0 + seq);
        x.row = row;
        return x;
      };
      // A kept event's time may be its record's (storage/pg), so only seq,
      // topic and payload are compared.
      auto what = [](const std::vector<outbox_record>& xs) {
        std::string result;
        for (auto& x : xs)
          result += std::to_string(x.seq) + " " + x.topic + " "
                    + std::to_string(std::hash<std::string>{}(x.payload))
                    + "; ";
        return result;
      };
      reliability_changes first;
      first.outbox = {keyed(1, 11, all_bytes()), keyed(2, 12, "two"),
                      event(3, s.topic), keyed(4, 99, "no such record")};
      s.commit({11, 12}, first);
      auto loaded = s.open()->load_reliability();
      BOOST_TEST(what(loaded.outbox) == what(first.outbox));
      BOOST_REQUIRE(loaded.outbox.size() == 4u);
      BOOST_TEST(loaded.outbox[0].payload == all_bytes());
      BOOST_TEST(loaded.max_outbox_seq == 4);
      // Acknowledged and pruned through 2: the kept ones are gone too.
      reliability_changes acks;
      acks.cursors = {{"a", 2}, {"b", 3}};
      acks.prune_outbox_through = 2;
      s.commit({}, acks);
      BOOST_TEST(describe(seqs_of(s.open()->load_reliability().outbox))
                 == "[3, 4]");
      // The next batch continues after them, its kept event the only one.
      reliability_changes next;
      next.outbox = {keyed(5, 13, "five")};
      next.cursors = {{"a", 4}, {"b", 4}};
      next.prune_outbox_after = 2;
      next.prune_outbox_through = 4;
      s.commit({13}, next);
      loaded = s.open()->load_reliability();
      BOOST_TEST(what(loaded.outbox) == what(next.outbox));
      BOOST_TEST(loaded.max_outbox_seq == 5);
      reliability_changes done;
      done.cursors = {{"a", 5}, {"b", 5}};
      done.prune_outbox_after = 4;
      done.prune_outbox_through = 5;
      s.commit({}, done);
      loaded = s.open()->load_reliability();
      BOOST_TEST(loaded.outbox.empty());
      BOOST_TEST(loaded.max_outbox_seq == 5);
    }
  }
}

inline void reliability_atomic_notifications(const repository_factories& f) {
  notifications_changes setup;
  setup.sent = {message(1, 7, 10)};
  setup.reliable = reliability_setup();
  f.notifications()->commit(setup);
  notifications_changes bad_message;
  bad_message.sent = {message(1, 7, 11)};
  bad_message.reliable = valid_reliability();
  check_throws([&] { f.notifications()->commit(bad_message); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.notifications());
  notifications_changes bad_key;
  bad_key.recipients = {user{7, "u7@example.com", "U7"}};
  bad_key.sent = {message(2, 7, 11)};
  bad_key.reliable = failing_reliability();
  check_throws([&] { f.notifications()->commit(bad_key); },
               storage_error::kind::unique_violation);
  check_only_setup(*f.notifications());
  BOOST_TEST(f.notifications()->load_recipients().empty());
  BOOST_TEST(f.notifications()->max_notification_id() == 1);
  auto good = bad_key;
  good.reliable = valid_reliability();
  f.notifications()->commit(good);
  BOOST_TEST(f.notifications()->max_notification_id() == 2);
  check_valid_committed(*f.notifications());
}

} // namespace shop::contract
