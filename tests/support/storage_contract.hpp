#pragma once

// The storage contract: Boost.Test cases written once and run against every
// implementation of storage/repositories.hpp. A test file defines a fixture
// with a member `shop::repository_factories factories` (each test case gets a
// new fixture, i.e. an empty store or database) and instantiates the cases:
//
//   struct memory_fixture { shop::repository_factories factories = ...; };
//   SHOP_STORAGE_CONTRACT_TESTS(memory_fixture)
//
// Records are compared through `describe`, which prints every field, so that
// a failure shows both sides in full.

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "storage/errors.hpp"
#include "storage/repositories.hpp"

namespace shop::contract {

// -- helpers ------------------------------------------------------------------

inline money cents(int64_t x) {
  return money::from_cents(x);
}

/// A timestamp with milliseconds, to check they survive a round trip.
constexpr unix_ms t0 = 1'700'000'000'123;

inline std::string describe(const user& x) {
  std::ostringstream out;
  out << "user{" << x.id << ", " << x.email << ", " << x.name << "}";
  return out.str();
}

inline std::string describe(const account& x) {
  std::ostringstream out;
  out << "account{" << x.user << ", " << x.balance.cents() << "}";
  return out.str();
}

inline std::string describe(const ledger_entry& x) {
  std::ostringstream out;
  out << "ledger_entry{" << x.id << ", user " << x.user << ", "
      << x.amount.cents() << ", kind " << static_cast<int>(x.kind) << ", order "
      << x.order << ", after " << x.balance_after.cents() << ", at " << x.at
      << "}";
  return out.str();
}

// Without seq: a stored charge has none (billing_find_charge checks it is 0).
inline std::string describe(const order_processed& x) {
  std::ostringstream out;
  out << "order_processed{" << x.order << ", user " << x.user << ", "
      << x.sum.cents() << ", result " << static_cast<int>(x.result) << "}";
  return out.str();
}

inline std::string describe(const order& x) {
  std::ostringstream out;
  out << "order{" << x.id << ", user " << x.user << ", item " << x.item
      << ", qty " << x.quantity << ", " << x.sum.cents() << ", status "
      << static_cast<int>(x.status) << ", " << x.created_at << ", "
      << x.updated_at << "}";
  return out.str();
}

inline std::string describe(const notification& x) {
  std::ostringstream out;
  out << "notification{" << x.id << ", user " << x.user << ", order " << x.order
      << ", " << x.email << ", " << x.subject << ", " << x.body << ", "
      << x.sent_at << "}";
  return out.str();
}

/// Binary strings print as hex, so that a failure shows every byte.
inline std::string hex(const std::string& bytes) {
  constexpr const char* digits = "0123456789abcdef";
  std::string result;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    result += digits[byte >> 4];
    result += digits[byte & 0x0f];
  }
  return result;
}

inline std::string describe(const outbox_record& x) {
  std::ostringstream out;
  out << "outbox_record{" << x.seq << ", " << x.topic << ", " << hex(x.payload)
      << ", " << x.at << "}";
  return out.str();
}

inline std::string describe(const idempotency_record& x) {
  std::ostringstream out;
  out << "idempotency_record{" << x.scope << ", " << x.key << ", "
      << hex(x.request) << ", " << hex(x.reply) << ", " << x.at << "}";
  return out.str();
}

inline std::string describe(const std::map<std::string, int64_t>& xs) {
  std::string result = "{";
  for (auto& [name, seq] : xs) {
    if (result.size() > 1)
      result += ", ";
    result += name + ": " + std::to_string(seq);
  }
  return result + "}";
}

/// Password hashes by user id.
inline std::string describe(const std::map<user_id, std::string>& xs) {
  std::string result = "{";
  for (auto& [id, hash] : xs) {
    if (result.size() > 1)
      result += ", ";
    result += std::to_string(id) + ": " + hash;
  }
  return result + "}";
}

inline std::string describe(int64_t x) {
  return std::to_string(x);
}

template <class T>
std::string describe(const std::vector<T>& xs) {
  std::string result = "[";
  for (auto& x : xs) {
    if (result.size() > 1)
      result += ", ";
    result += describe(x);
  }
  return result + "]";
}

template <class T>
std::string describe(const std::optional<T>& x) {
  return x ? describe(*x) : std::string{"none"};
}

/// Checks that `f` throws a storage_error of kind `k`.
template <class F>
void check_throws(F&& f, storage_error::kind k) {
  try {
    f();
    BOOST_ERROR("expected a storage_error, got none");
  } catch (const storage_error& e) {
    BOOST_CHECK_MESSAGE(e.error_kind() == k,
                        "unexpected error kind: " << e.what());
  }
}

inline ledger_entry entry(int64_t id, user_id user, int64_t amount,
                          ledger_kind kind, int64_t balance_after,
                          order_id order = 0, unix_ms at = t0) {
  ledger_entry x;
  x.id = id;
  x.user = user;
  x.amount = cents(amount);
  x.kind = kind;
  x.order = order;
  x.balance_after = cents(balance_after);
  x.at = at;
  return x;
}

inline order make_order(order_id id, user_id user, item_id item,
                        int32_t quantity, int64_t sum, unix_ms at = t0) {
  order x;
  x.id = id;
  x.user = user;
  x.item = item;
  x.quantity = quantity;
  x.sum = cents(sum);
  x.status = order_status::pending;
  x.created_at = at;
  x.updated_at = at;
  return x;
}

inline notification message(notification_id id, user_id user, order_id order,
                            unix_ms at = t0) {
  notification x;
  x.id = id;
  x.user = user;
  x.order = order;
  x.email = "u" + std::to_string(user) + "@example.com";
  x.subject = "Order " + std::to_string(order);
  x.body = "Order " + std::to_string(order)
           + " was paid: 12.50 \"quoted\" \\ {braces}, commas";
  x.sent_at = at;
  return x;
}

inline notification_filter filter(user_id user, order_id order,
                                  int32_t limit = 100) {
  notification_filter x;
  x.user = user;
  x.order = order;
  x.limit = limit;
  return x;
}

inline order_processed charge(order_id order, user_id user, int64_t sum,
                              payment_result result, int64_t seq = 0) {
  order_processed x;
  x.seq = seq;
  x.order = order;
  x.user = user;
  x.sum = cents(sum);
  x.result = result;
  return x;
}

template <class T>
std::vector<int64_t> ids_of(const std::vector<T>& xs) {
  std::vector<int64_t> result;
  for (auto& x : xs)
    result.push_back(x.id);
  return result;
}

// -- users --------------------------------------------------------------------

inline void users_load_after_commit(const repository_factories& f) {
  auto repo = f.users();
  BOOST_TEST(repo->load_users().empty());
  repo->commit(users_changes{{user{2, "Bob@Example.com", "Bob"},
                              user{1, "alice@example.com", "Alice \"A\""}},
                             {}});
  repo->commit(users_changes{});
  auto want = std::vector<user>{user{1, "alice@example.com", "Alice \"A\""},
                                user{2, "Bob@Example.com", "Bob"}};
  BOOST_TEST(describe(repo->load_users()) == describe(want));
}

inline void users_reopen_sees_data(const repository_factories& f) {
  f.users()->commit(users_changes{{user{7, "x@example.com", "X"}}, {}});
  auto reopened = f.users();
  BOOST_TEST(describe(reopened->load_users())
             == describe(std::vector<user>{user{7, "x@example.com", "X"}}));
}

inline void users_unique_email_key(const repository_factories& f) {
  auto repo = f.users();
  repo->commit(users_changes{{user{1, "Alice@Example.com", "Alice"}}, {}});
  auto before = describe(repo->load_users());
  // Same address in another case.
  check_throws(
    [&] {
      repo->commit(users_changes{{user{2, "aLICE@example.COM", "Other"}}, {}});
    },
    storage_error::kind::unique_violation);
  // Same id.
  check_throws(
    [&] {
      repo->commit(users_changes{{user{1, "new@example.com", "New"}}, {}});
    },
    storage_error::kind::unique_violation);
  // A valid user and a duplicate within one batch: nothing is stored.
  check_throws(
    [&] {
      repo->commit(users_changes{{user{3, "carol@example.com", "Carol"},
                                  user{4, "CAROL@example.com", "Carol 2"}},
                                 {}});
    },
    storage_error::kind::unique_violation);
  BOOST_TEST(describe(repo->load_users()) == before);
  BOOST_TEST(describe(f.users()->load_users()) == before);
}

/// Password hashes are opaque text to storage: argon2id strings, and one
/// with the characters that need quoting in an array parameter.
inline const std::string hash_a
  = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJ";
inline const std::string hash_b = "$argon2id$v=19$m=8,t=1,p=1$YWJj$ZGVm";
inline const std::string hash_c = "opaque \"quoted\" \\ {braces}, commas, NULL";

inline users_changes new_users(std::vector<user> created,
                               std::map<user_id, std::string> passwords = {}) {
  users_changes x;
  x.created = std::move(created);
  x.passwords = std::move(passwords);
  return x;
}

inline users_changes new_passwords(std::map<user_id, std::string> passwords) {
  users_changes x;
  x.passwords = std::move(passwords);
  return x;
}

inline void users_password_stored_with_user(const repository_factories& f) {
  auto repo = f.users();
  BOOST_TEST(repo->load_password_hashes().empty());
  // User 2 has no password (NULL), like an account from before passwords.
  repo->commit(
    new_users({user{1, "a@example.com", "A"}, user{2, "b@example.com", "B"},
               user{3, "c@example.com", "C"}},
              {{1, hash_a}, {3, hash_c}}));
  auto want = std::map<user_id, std::string>{{1, hash_a}, {3, hash_c}};
  BOOST_TEST(describe(repo->load_password_hashes()) == describe(want));
  // The user records themselves are unchanged by their hashes.
  BOOST_TEST(describe(repo->load_users())
             == describe(std::vector<user>{user{1, "a@example.com", "A"},
                                           user{2, "b@example.com", "B"},
                                           user{3, "c@example.com", "C"}}));
  // After a restart (a new repository, a new connection).
  BOOST_TEST(describe(f.users()->load_password_hashes()) == describe(want));
}

inline void users_password_update(const repository_factories& f) {
  auto repo = f.users();
  repo->commit(
    new_users({user{1, "a@example.com", "A"}, user{2, "b@example.com", "B"}},
              {{1, hash_a}}));
  // set_password: a user with a password, one without, and a user created
  // in the same batch, all in one commit.
  auto changes = new_users({user{3, "c@example.com", "C"}},
                           {{1, hash_b}, {2, hash_c}, {3, hash_a}});
  repo->commit(changes);
  auto want
    = std::map<user_id, std::string>{{1, hash_b}, {2, hash_c}, {3, hash_a}};
  BOOST_TEST(describe(f.users()->load_password_hashes()) == describe(want));
  // Only a password: a batch of its own.
  repo->commit(new_passwords({{2, hash_b}}));
  want[2] = hash_b;
  BOOST_TEST(describe(f.users()->load_password_hashes()) == describe(want));
  BOOST_TEST(f.users()->load_users().size() == 3u);
}

inline void users_password_unknown_user(const repository_factories& f) {
  auto repo = f.users();
  repo->commit(new_users({user{1, "a@example.com", "A"}}, {{1, hash_a}}));
  check_throws(
    [&] {
      repo->commit(new_passwords({{9, hash_b}}));
    },
    storage_error::kind::constraint_violation);
  // With a valid user and a valid change in the batch: nothing is stored.
  check_throws(
    [&] {
      repo->commit(new_users({user{2, "b@example.com", "B"}},
                             {{1, hash_b}, {2, hash_b}, {9, hash_c}}));
    },
    storage_error::kind::constraint_violation);
  auto reopened = f.users();
  BOOST_TEST(describe(reopened->load_password_hashes())
             == describe(std::map<user_id, std::string>{{1, hash_a}}));
  BOOST_TEST(reopened->load_users().size() == 1u);
}

// -- billing ------------------------------------------------------------------

inline void billing_open_accounts(const repository_factories& f) {
  auto repo = f.billing();
  BOOST_TEST(repo->load_accounts().empty());
  BOOST_TEST(repo->max_ledger_id() == 0);
  billing_changes changes;
  changes.opened = {account{2, cents(0)}, account{1, cents(0)}};
  repo->commit(changes);
  auto want = std::vector<account>{account{1, cents(0)}, account{2, cents(0)}};
  BOOST_TEST(describe(repo->load_accounts()) == describe(want));
  BOOST_TEST(repo->ledger(1).empty());
  BOOST_TEST(repo->max_ledger_id() == 0);
  // Opening an account twice is a bug of the caller.
  billing_changes again;
  again.opened = {account{1, cents(0)}};
  check_throws([&] { repo->commit(again); },
               storage_error::kind::unique_violation);
  BOOST_TEST(describe(f.billing()->load_accounts()) == describe(want));
}

inline void billing_balance_follows_last_entry(const repository_factories& f) {
  auto repo = f.billing();
  billing_changes first;
  first.opened = {account{1, cents(0)}, account{2, cents(0)}};
  // Interleaved entries of two accounts; ids need not follow the users.
  first.entries = {entry(1, 1, 500, ledger_kind::deposit, 500),
                   entry(2, 2, 1000, ledger_kind::deposit, 1000, 0, t0 + 1),
                   entry(3, 1, -200, ledger_kind::payment, 300, 0, t0 + 2),
                   entry(4, 2, -999, ledger_kind::order_charge, 1, 42, t0 + 3),
                   entry(5, 1, 100, ledger_kind::deposit, 400, 0, t0 + 4)};
  repo->commit(first);
  auto want
    = std::vector<account>{account{1, cents(400)}, account{2, cents(1)}};
  BOOST_TEST(describe(repo->load_accounts()) == describe(want));
  BOOST_TEST(
    describe(repo->ledger(1))
    == describe(std::vector<ledger_entry>{first.entries[0], first.entries[2],
                                          first.entries[4]}));
  BOOST_TEST(
    describe(repo->ledger(2))
    == describe(std::vector<ledger_entry>{first.entries[1], first.entries[3]}));
  BOOST_TEST(repo->max_ledger_id() == 5);
  // A later batch continues the ledger; untouched accounts keep their balance.
  billing_changes second;
  second.entries = {entry(6, 1, -400, ledger_kind::order_charge, 0, 43)};
  repo->commit(second);
  auto reopened = f.billing();
  want = {account{1, cents(0)}, account{2, cents(1)}};
  BOOST_TEST(describe(reopened->load_accounts()) == describe(want));
  BOOST_TEST(reopened->ledger(1).size() == 4u);
  BOOST_TEST(describe(reopened->ledger(1).back())
             == describe(second.entries[0]));
  BOOST_TEST(reopened->max_ledger_id() == 6);
  BOOST_TEST(reopened->ledger(3).empty());
}

inline void billing_find_charge(const repository_factories& f) {
  auto repo = f.billing();
  BOOST_TEST(!repo->find_charge(10).has_value());
  BOOST_TEST(repo->max_decided_order() == 0);
  billing_changes changes;
  changes.opened = {account{1, cents(0)}};
  changes.entries = {entry(1, 1, 1000, ledger_kind::deposit, 1000),
                     entry(2, 1, -700, ledger_kind::order_charge, 300, 10)};
  // The seq of the ORDER_PROCESSED event is not part of the charge.
  changes.charges = {charge(10, 1, 700, payment_result::paid, 5),
                     charge(11, 1, 5000, payment_result::not_enough_money, 6)};
  repo->commit(changes);
  auto reopened = f.billing();
  BOOST_TEST(describe(reopened->find_charge(10))
             == describe(changes.charges[0]));
  BOOST_TEST(describe(reopened->find_charge(11))
             == describe(changes.charges[1]));
  BOOST_TEST(reopened->find_charge(10)->seq == 0);
  BOOST_TEST(reopened->find_charge(11)->seq == 0);
  BOOST_TEST(!reopened->find_charge(12).has_value());
  BOOST_TEST(reopened->max_decided_order() == 11);
  // One decision per order.
  billing_changes again;
  again.charges = {charge(10, 1, 700, payment_result::not_enough_money)};
  check_throws([&] { reopened->commit(again); },
               storage_error::kind::unique_violation);
  BOOST_TEST(describe(reopened->find_charge(10))
             == describe(changes.charges[0]));
}

inline void billing_negative_balance_rejected(const repository_factories& f) {
  auto repo = f.billing();
  billing_changes setup;
  setup.opened = {account{1, cents(0)}};
  setup.entries = {entry(1, 1, 100, ledger_kind::deposit, 100)};
  repo->commit(setup);
  auto accounts = describe(repo->load_accounts());
  // A batch that is valid but for one entry going below zero: nothing of it
  // may stay, neither the new account, nor the entries, nor the charge.
  billing_changes bad;
  bad.opened = {account{2, cents(0)}};
  bad.entries = {entry(2, 2, 50, ledger_kind::deposit, 50),
                 entry(3, 1, -101, ledger_kind::payment, -1)};
  bad.charges = {charge(9, 1, 101, payment_result::paid)};
  check_throws([&] { repo->commit(bad); },
               storage_error::kind::constraint_violation);
  // Also as an opening balance.
  billing_changes bad_open;
  bad_open.opened = {account{3, cents(-1)}};
  check_throws([&] { repo->commit(bad_open); },
               storage_error::kind::constraint_violation);
  auto unchanged = [&](billing_repository& r) {
    BOOST_TEST(describe(r.load_accounts()) == accounts);
    BOOST_TEST(r.ledger(1).size() == 1u);
    BOOST_TEST(r.ledger(2).empty());
    BOOST_TEST(r.max_ledger_id() == 1);
    BOOST_TEST(!r.find_charge(9).has_value());
  };
  unchanged(*repo);
  unchanged(*f.billing());
}

inline void billing_rejects_bad_entries(const repository_factories& f) {
  auto repo = f.billing();
  billing_changes setup;
  setup.opened = {account{1, cents(0)}};
  setup.entries = {entry(1, 1, 100, ledger_kind::deposit, 100)};
  repo->commit(setup);
  // An entry of an account that does not exist.
  billing_changes unknown;
  unknown.entries = {entry(2, 1, 10, ledger_kind::deposit, 110),
                     entry(3, 99, 10, ledger_kind::deposit, 10)};
  check_throws([&] { repo->commit(unknown); },
               storage_error::kind::constraint_violation);
  // A ledger id used twice.
  billing_changes duplicate;
  duplicate.entries = {entry(1, 1, 10, ledger_kind::deposit, 110)};
  check_throws([&] { repo->commit(duplicate); },
               storage_error::kind::unique_violation);
  auto reopened = f.billing();
  BOOST_TEST(describe(reopened->load_accounts())
             == describe(std::vector<account>{account{1, cents(100)}}));
  BOOST_TEST(describe(reopened->ledger(1)) == describe(setup.entries));
}

// -- orders -------------------------------------------------------------------

inline void orders_known_users_idempotent(const repository_factories& f) {
  auto repo = f.orders();
  BOOST_TEST(repo->load_known_users().empty());
  orders_changes first;
  first.known_users = {3, 1};
  repo->commit(first);
  orders_changes second;
  second.known_users = {1, 2, 2};
  repo->commit(second);
  BOOST_TEST(describe(f.orders()->load_known_users())
             == describe(std::vector<int64_t>{1, 2, 3}));
}

inline void orders_create_and_find(const repository_factories& f) {
  auto repo = f.orders();
  BOOST_TEST(repo->max_order_id() == 0);
  BOOST_TEST(repo->load_pending().empty());
  orders_changes changes;
  changes.known_users = {5};
  changes.created
    = {make_order(2, 5, 1, 3, 450000), make_order(1, 5, 2, 1, 30000)};
  repo->commit(changes);
  auto reopened = f.orders();
  BOOST_TEST(describe(reopened->find_order(1)) == describe(changes.created[1]));
  BOOST_TEST(describe(reopened->find_order(2)) == describe(changes.created[0]));
  BOOST_TEST(!reopened->find_order(3).has_value());
  BOOST_TEST(reopened->max_order_id() == 2);
  BOOST_TEST(describe(ids_of(reopened->load_pending()))
             == describe(std::vector<int64_t>{1, 2}));
  BOOST_TEST(describe(reopened->load_known_users())
             == describe(std::vector<int64_t>{5}));
}

inline void orders_update_only_from_pending(const repository_factories& f) {
  auto repo = f.orders();
  orders_changes setup;
  setup.created = {make_order(1, 5, 1, 1, 100), make_order(2, 5, 1, 1, 100),
                   make_order(3, 5, 1, 1, 100)};
  repo->commit(setup);
  orders_changes first;
  first.updated = {order_update{1, order_status::paid, t0 + 10},
                   order_update{99, order_status::paid, t0 + 10}};
  repo->commit(first);
  // A late or repeated decision does not move an order that is not pending;
  // within one batch, the first decision of an order wins.
  orders_changes second;
  second.updated = {order_update{1, order_status::rejected, t0 + 20},
                    order_update{2, order_status::rejected, t0 + 20},
                    order_update{2, order_status::paid, t0 + 30}};
  repo->commit(second);
  auto reopened = f.orders();
  auto want1 = setup.created[0];
  want1.status = order_status::paid;
  want1.updated_at = t0 + 10;
  auto want2 = setup.created[1];
  want2.status = order_status::rejected;
  want2.updated_at = t0 + 20;
  BOOST_TEST(describe(reopened->find_order(1)) == describe(want1));
  BOOST_TEST(describe(reopened->find_order(2)) == describe(want2));
  BOOST_TEST(!reopened->find_order(99).has_value());
  BOOST_TEST(describe(reopened->load_pending())
             == describe(std::vector<order>{setup.created[2]}));
  // An order created and decided in the same batch.
  orders_changes both;
  both.created = {make_order(4, 5, 1, 1, 100)};
  both.updated = {order_update{4, order_status::rejected, t0 + 40}};
  reopened->commit(both);
  auto want4 = both.created[0];
  want4.status = order_status::rejected;
  want4.updated_at = t0 + 40;
  BOOST_TEST(describe(reopened->find_order(4)) == describe(want4));
}

inline void orders_rejects_bad_orders(const repository_factories& f) {
  auto repo = f.orders();
  orders_changes setup;
  setup.created = {make_order(1, 5, 1, 1, 100)};
  repo->commit(setup);
  orders_changes duplicate;
  duplicate.known_users = {8};
  duplicate.created
    = {make_order(2, 8, 1, 1, 100), make_order(1, 8, 1, 1, 100)};
  check_throws([&] { repo->commit(duplicate); },
               storage_error::kind::unique_violation);
  orders_changes zero_quantity;
  zero_quantity.known_users = {8};
  zero_quantity.created = {make_order(3, 8, 1, 0, 100)};
  check_throws([&] { repo->commit(zero_quantity); },
               storage_error::kind::constraint_violation);
  auto reopened = f.orders();
  BOOST_TEST(reopened->load_known_users().empty());
  BOOST_TEST(reopened->max_order_id() == 1);
  BOOST_TEST(!reopened->find_order(2).has_value());
  BOOST_TEST(describe(reopened->find_order(1)) == describe(setup.created[0]));
}

// -- notifications ------------------------------------------------------------

inline void notifications_upsert_recipients(const repository_factories& f) {
  auto repo = f.notifications();
  BOOST_TEST(repo->load_recipients().empty());
  notifications_changes first;
  first.recipients
    = {user{2, "b@example.com", "B"}, user{1, "a@example.com", "A"}};
  repo->commit(first);
  // A changed address replaces the old one; within a batch the last wins.
  notifications_changes second;
  second.recipients = {user{1, "old@example.com", "A1"},
                       user{1, "new@example.com", "A2"},
                       user{3, "c@example.com", "C"}};
  repo->commit(second);
  auto want = std::vector<user>{user{1, "new@example.com", "A2"},
                                user{2, "b@example.com", "B"},
                                user{3, "c@example.com", "C"}};
  BOOST_TEST(describe(f.notifications()->load_recipients()) == describe(want));
}

inline void notifications_one_message_per_order(const repository_factories& f) {
  auto repo = f.notifications();
  BOOST_TEST(repo->max_notification_id() == 0);
  BOOST_TEST(repo->max_notified_order() == 0);
  notifications_changes first;
  first.sent = {message(1, 7, 10), message(2, 7, 10), message(3, 7, 11)};
  repo->commit(first);
  // A second notification of order 10 is dropped without error.
  notifications_changes second;
  second.sent = {message(4, 7, 10), message(5, 7, 12)};
  repo->commit(second);
  auto reopened = f.notifications();
  BOOST_TEST(describe(reopened->list(filter(0, 10)))
             == describe(std::vector<notification>{first.sent[0]}));
  BOOST_TEST(describe(ids_of(reopened->list(filter(0, 0))))
             == describe(std::vector<int64_t>{5, 3, 1}));
  BOOST_TEST(reopened->max_notification_id() == 5);
  BOOST_TEST(reopened->max_notified_order() == 12);
  // A notification id used twice is a bug of the caller: nothing is stored.
  notifications_changes duplicate;
  duplicate.recipients = {user{7, "u7@example.com", "U7"}};
  duplicate.sent = {message(6, 7, 13), message(3, 7, 14)};
  check_throws([&] { reopened->commit(duplicate); },
               storage_error::kind::unique_violation);
  BOOST_TEST(reopened->load_recipients().empty());
  BOOST_TEST(reopened->list(filter(0, 13)).empty());
  BOOST_TEST(reopened->max_notification_id() == 5);
  BOOST_TEST(reopened->max_notified_order() == 12);
}

inline void notifications_list_filters(const repository_factories& f) {
  auto repo = f.notifications();
  notifications_changes changes;
  // Ids out of time order: "newest first" means by id.
  changes.sent = {message(1, 1, 100, t0), message(2, 2, 200, t0 + 1),
                  message(3, 1, 101, t0 + 2), message(4, 2, 201, t0 + 3),
                  message(5, 1, 102, t0 - 5)};
  repo->commit(changes);
  auto ids
    = [&](notification_filter x) { return describe(ids_of(repo->list(x))); };
  BOOST_TEST(ids(filter(0, 0)) == "[5, 4, 3, 2, 1]");
  BOOST_TEST(ids(filter(1, 0)) == "[5, 3, 1]");
  BOOST_TEST(ids(filter(2, 0)) == "[4, 2]");
  BOOST_TEST(ids(filter(0, 201)) == "[4]");
  BOOST_TEST(ids(filter(1, 101)) == "[3]");
  BOOST_TEST(ids(filter(2, 101)) == "[]");
  BOOST_TEST(ids(filter(3, 0)) == "[]");
  BOOST_TEST(ids(filter(0, 0, 2)) == "[5, 4]");
  BOOST_TEST(ids(filter(1, 0, 1)) == "[5]");
  BOOST_TEST(ids(filter(0, 0, 0)) == "[]");
  BOOST_TEST(describe(repo->list(filter(2, 200)))
             == describe(std::vector<notification>{changes.sent[1]}));
}

inline void notifications_default_limit(const repository_factories& f) {
  auto repo = f.notifications();
  notifications_changes changes;
  for (int64_t i = 1; i <= 105; ++i)
    changes.sent.push_back(message(i, 1, 1000 + i));
  repo->commit(changes);
  auto all = repo->list(notification_filter{});
  BOOST_TEST(all.size() == 100u);
  BOOST_TEST(all.front().id == 105);
  BOOST_TEST(all.back().id == 6);
  BOOST_TEST(repo->list(filter(1, 0, 1000)).size() == 105u);
}

} // namespace shop::contract

// The reliability part (outbox, cursors, inbox, idempotency keys) of every
// service, in a file of its own for size.
#include "support/storage_contract_reliability.hpp"

#define SHOP_STORAGE_CONTRACT_CASE(fixture, name) \
  BOOST_FIXTURE_TEST_CASE(name, fixture) {        \
    shop::contract::name(factories);              \
  }

/// Instantiates every contract test case for `fixture`.
#define SHOP_STORAGE_CONTRACT_TESTS(fixture)                                  \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_load_after_commit)                \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_reopen_sees_data)                 \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_unique_email_key)                 \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_password_stored_with_user)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_password_update)                  \
  SHOP_STORAGE_CONTRACT_CASE(fixture, users_password_unknown_user)            \
  SHOP_STORAGE_CONTRACT_CASE(fixture, billing_open_accounts)                  \
  SHOP_STORAGE_CONTRACT_CASE(fixture, billing_balance_follows_last_entry)     \
  SHOP_STORAGE_CONTRACT_CASE(fixture, billing_find_charge)                    \
  SHOP_STORAGE_CONTRACT_CASE(fixture, billing_negative_balance_rejected)      \
  SHOP_STORAGE_CONTRACT_CASE(fixture, billing_rejects_bad_entries)            \
  SHOP_STORAGE_CONTRACT_CASE(fixture, orders_known_users_idempotent)          \
  SHOP_STORAGE_CONTRACT_CASE(fixture, orders_create_and_find)                 \
  SHOP_STORAGE_CONTRACT_CASE(fixture, orders_update_only_from_pending)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, orders_rejects_bad_orders)              \
  SHOP_STORAGE_CONTRACT_CASE(fixture, notifications_upsert_recipients)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, notifications_one_message_per_order)    \
  SHOP_STORAGE_CONTRACT_CASE(fixture, notifications_list_filters)             \
  SHOP_STORAGE_CONTRACT_CASE(fixture, notifications_default_limit)            \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_starts_empty)               \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_outbox_round_trip)          \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_binary_round_trip)          \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_outbox_from_slowest_cursor) \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_cursors_never_lowered)      \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_prune_and_reload)           \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_outbox_in_pages)            \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_events_kept_in_rows)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_max_seq_survives_pruning)   \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_inbox_never_lowered)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture,                                         \
                             reliability_idempotency_unique_per_scope)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_purge_idempotency)          \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_rejects_bad_records)        \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_schemas_are_separate)       \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_atomic_users)               \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_atomic_billing)             \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_atomic_orders)              \
  SHOP_STORAGE_CONTRACT_CASE(fixture, reliability_atomic_notifications)
