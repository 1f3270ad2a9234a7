// Every message type survives CAF serialization (as it must to cross nodes)
// field by field, alone and inside a caf::message.

#include <tuple>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include "actors/errors.hpp"
#include "actors/messages.hpp"

namespace shop {

// Field-wise equality, written out here so that a field missing from an
// inspect() overload makes a test fail.
bool operator==(const user& a, const user& b) {
  return std::tie(a.id, a.email, a.name) == std::tie(b.id, b.email, b.name);
}
bool operator==(const account& a, const account& b) {
  return a.user == b.user && a.balance == b.balance;
}
bool operator==(const ledger_entry& a, const ledger_entry& b) {
  return std::tie(a.id, a.user, a.amount, a.kind, a.order, a.balance_after,
                  a.at)
         == std::tie(b.id, b.user, b.amount, b.kind, b.order, b.balance_after,
                     b.at);
}
bool operator==(const item& a, const item& b) {
  return std::tie(a.id, a.name, a.price) == std::tie(b.id, b.name, b.price);
}
bool operator==(const order& a, const order& b) {
  return std::tie(a.id, a.user, a.item, a.quantity, a.sum, a.status,
                  a.created_at, a.updated_at)
         == std::tie(b.id, b.user, b.item, b.quantity, b.sum, b.status,
                     b.created_at, b.updated_at);
}
bool operator==(const notification& a, const notification& b) {
  return std::tie(a.id, a.user, a.order, a.email, a.subject, a.body, a.sent_at)
         == std::tie(b.id, b.user, b.order, b.email, b.subject, b.body,
                     b.sent_at);
}
bool operator==(const notification_filter& a, const notification_filter& b) {
  return std::tie(a.user, a.order, a.limit)
         == std::tie(b.user, b.order, b.limit);
}
bool operator==(const user_created& a, const user_created& b) {
  return std::tie(a.seq, a.user, a.email, a.name, a.correlation)
         == std::tie(b.seq, b.user, b.email, b.name, b.correlation);
}
bool operator==(const order_created& a, const order_created& b) {
  return std::tie(a.seq, a.order, a.user, a.item, a.quantity, a.sum,
                  a.correlation)
         == std::tie(b.seq, b.order, b.user, b.item, b.quantity, b.sum,
                     b.correlation);
}
bool operator==(const order_processed& a, const order_processed& b) {
  return std::tie(a.seq, a.order, a.user, a.sum, a.result, a.correlation)
         == std::tie(b.seq, b.order, b.user, b.sum, b.result, b.correlation);
}
bool operator==(const register_user& a, const register_user& b) {
  return std::tie(a.email, a.name, a.password, a.idempotency_key, a.correlation)
         == std::tie(b.email, b.name, b.password, b.idempotency_key,
                     b.correlation);
}
bool operator==(const credentials& a, const credentials& b) {
  return std::tie(a.email, a.password) == std::tie(b.email, b.password);
}
bool operator==(const set_password& a, const set_password& b) {
  return std::tie(a.user, a.password) == std::tie(b.user, b.password);
}
bool operator==(const deposit& a, const deposit& b) {
  return std::tie(a.user, a.sum, a.idempotency_key, a.correlation)
         == std::tie(b.user, b.sum, b.idempotency_key, b.correlation);
}
bool operator==(const payment& a, const payment& b) {
  return std::tie(a.user, a.sum, a.idempotency_key, a.correlation)
         == std::tie(b.user, b.sum, b.idempotency_key, b.correlation);
}
bool operator==(const payment_outcome& a, const payment_outcome& b) {
  return std::tie(a.user, a.result, a.balance)
         == std::tie(b.user, b.result, b.balance);
}
bool operator==(const create_order& a, const create_order& b) {
  return std::tie(a.user, a.item, a.quantity, a.idempotency_key, a.correlation)
         == std::tie(b.user, b.item, b.quantity, b.idempotency_key,
                     b.correlation);
}
bool operator==(const service_status& a, const service_status& b) {
  return std::tie(a.service, a.local, a.location, a.node, a.reachable,
                  a.problem)
         == std::tie(b.service, b.local, b.location, b.node, b.reachable,
                     b.problem);
}

} // namespace shop

namespace {

using namespace shop;

struct config : caf::actor_system_config {
  config() {
    register_types(*this);
  }
};

struct fixture {
  config cfg;
  caf::actor_system sys{cfg};

  template <class T>
  T round_trip(const T& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto copy = x;
    if (auto err = sink(copy))
      BOOST_FAIL("serialization failed: " << sys.render(err));
    T result;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(result))
      BOOST_FAIL("deserialization failed: " << sys.render(err));
    return result;
  }

  /// Round-trips x inside a type-erased caf::message: what a remote node does.
  template <class T>
  T message_round_trip(const T& x) {
    auto msg = caf::make_message(x);
    auto copy = round_trip(msg);
    BOOST_REQUIRE(copy.template match_elements<T>());
    return copy.template get_as<T>(0);
  }

  template <class T>
  void check(const T& x) {
    BOOST_CHECK(round_trip(x) == x);
    BOOST_CHECK(message_round_trip(x) == x);
  }
};

money m(int64_t cents) {
  return money::from_cents(cents);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(messages, fixture)

BOOST_AUTO_TEST_CASE(domain_records) {
  check(m(-12345));
  check(user{7, "ann@example.com", "Ann Ärger"});
  check(account{7, m(1250)});
  check(ledger_entry{3, 7, m(-300), ledger_kind::order_charge, 9, m(200),
                     1700000000123});
  check(item{2, "Headphones", m(30000)});
  check(order{9, 7, 2, 3, m(90000), order_status::rejected, 1700000000000,
              1700000000999});
  check(
    notification{4, 7, 9, "ann@example.com", "subject", "body", 1700000000555});
  check(notification_filter{7, 9, 25});
  check(std::vector<item>{{1, "Laptop", m(150000)}, {3, "Book", m(2500)}});
  check(std::vector<ledger_entry>{{1, 7, m(500), ledger_kind::deposit, 0,
                                   m(500), 1},
                                  {2, 7, m(-5), ledger_kind::payment, 0, m(495),
                                   2}});
  check(std::vector<notification>{{1, 2, 3, "e", "s", "b", 4}});
}

BOOST_AUTO_TEST_CASE(events) {
  check(user_created{11, 7, "ann@example.com", "Ann", "req-1"});
  check(order_created{12, 9, 7, 2, 3, m(90000), "req-2"});
  check(order_processed{13, 9, 7, m(90000), payment_result::not_enough_money,
                        "req-3"});
  check(order_processed{14, 9, 7, m(1), payment_result::paid, ""});
  // What a relay delivers in one request.
  check(event_batch<user_created>{{11, 7, "ann@example.com", "Ann", "req-1"},
                                  {12, 8, "bob@example.com", "Bob", ""}});
  check(event_batch<order_created>{{12, 9, 7, 2, 3, m(90000), "req-2"},
                                   {13, 10, 7, 1, 1, m(150000), "req-3"}});
  check(
    event_batch<order_processed>{{13, 9, 7, m(90000),
                                  payment_result::not_enough_money, "req-3"},
                                 {14, 10, 7, m(1), payment_result::paid, ""}});
  check(event_batch<order_processed>{});
}

BOOST_AUTO_TEST_CASE(commands_and_replies) {
  check(register_user{"ann@example.com", "Ann", "correct horse ü", "key-1",
                      "req-4"});
  check(credentials{"Ann@Example.com", "correct horse ü"});
  check(set_password{7, "battery staple"});
  check(deposit{7, m(50000), "key-2", "req-5"});
  check(payment{7, m(1), "key-3", "req-6"});
  check(payment_outcome{7, payment_result::paid, m(199)});
  check(create_order{7, 2, 1000, "key-4", "req-7"});
}

BOOST_AUTO_TEST_CASE(cluster) {
  check(service_status{"billing", false, "10.0.0.2:4002", "node-id", true});
  check(std::vector<service_status>{{"users", true, "local", "n", true, ""},
                                    {"orders", false, "h:1", "", false,
                                     "peer h:1 not connected"}});
}

BOOST_AUTO_TEST_SUITE_END()
