#pragma once

// The domain vocabulary shared by actors, storage and the HTTP front: plain
// structs without behavior. Every type that travels in a CAF message has an
// `inspect` overload here and a type ID in messages.hpp. This header includes
// no heavy CAF header, so storage code can use it cheaply.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "domain/money.hpp"

namespace shop {

// -- identifiers --------------------------------------------------------------

/// Identifies a registered user. Positive.
using user_id = int64_t;
/// Identifies an order. Positive.
using order_id = int64_t;
/// Identifies a catalog item. Positive.
using item_id = int64_t;
/// Identifies a stored notification ("sent email"). Positive.
using notification_id = int64_t;
/// Milliseconds since the Unix epoch (UTC).
using unix_ms = int64_t;

/// Returns the current wall-clock time in milliseconds since the epoch.
unix_ms now_ms() noexcept;

/// The key under which an email must be unique: ASCII lower case. Computed
/// in C++ rather than with SQL lower(), whose result depends on the
/// database's locale, so every service and repository agrees byte for byte.
std::string email_key(const std::string& email);

// -- enums --------------------------------------------------------------------

/// The outcome of charging a user: either the balance covered the sum and it
/// was taken, or nothing happened.
enum class payment_result : uint8_t { paid, not_enough_money };

/// Lifecycle of an order: pending -> paid | rejected, nothing else.
enum class order_status : uint8_t { pending, paid, rejected };

/// Why money moved on an account.
enum class ledger_kind : uint8_t {
  deposit,      ///< POST /deposit.
  payment,      ///< POST /payment.
  order_charge, ///< ORDER_CREATED charged successfully.
};

const char* to_string(payment_result x) noexcept;
const char* to_string(order_status x) noexcept;
const char* to_string(ledger_kind x) noexcept;

/// Parses the strings produced by the to_string overloads above; returns false
/// for anything else.
bool from_string(const std::string& str, payment_result& x) noexcept;
bool from_string(const std::string& str, order_status& x) noexcept;
bool from_string(const std::string& str, ledger_kind& x) noexcept;

// -- records ------------------------------------------------------------------

/// A registered user, owned by the Users service.
struct user {
  user_id id = 0;
  std::string email;
  std::string name;
};

/// A Billing account: one per user.
struct account {
  user_id user = 0;
  money balance;
};

/// One movement of money on an account, kept forever (Billing's ledger). The
/// balance of an account always equals the sum of its entries' amounts.
struct ledger_entry {
  int64_t id = 0;
  user_id user = 0;
  /// Signed: positive for deposits, negative for charges.
  money amount;
  ledger_kind kind = ledger_kind::deposit;
  /// The order that caused an order_charge; 0 otherwise.
  order_id order = 0;
  money balance_after;
  unix_ms at = 0;
};

/// A catalog entry, read from the catalog file by Orders.
struct item {
  item_id id = 0;
  std::string name;
  money price;
};

/// An order as Orders stores it.
struct order {
  order_id id = 0;
  user_id user = 0;
  item_id item = 0;
  int32_t quantity = 1;
  money sum;
  order_status status = order_status::pending;
  unix_ms created_at = 0;
  unix_ms updated_at = 0;
};

/// A "sent email", stored by Notifications for every processed order.
struct notification {
  notification_id id = 0;
  user_id user = 0;
  order_id order = 0;
  std::string email;
  std::string subject;
  std::string body;
  unix_ms sent_at = 0;
};

/// Filter for listing notifications; 0 means "any".
struct notification_filter {
  user_id user = 0;
  order_id order = 0;
  int32_t limit = 100;
};

// -- events -------------------------------------------------------------------
//
// Every event type has exactly one publisher, and each publisher numbers its
// events 1, 2, 3, ... without gaps, in commit order (`seq`, its position in
// the publisher's outbox). A consumer applies them in that order and
// remembers the last one applied, which makes redelivery harmless: an event
// at or below that mark is a duplicate, one beyond the next is out of order
// and refused (the relay resends from the gap).

/// USER_CREATED: published by Users after a registration is committed.
struct user_created {
  int64_t seq = 0;
  user_id user = 0;
  std::string email;
  std::string name;
  /// The X-Request-Id of the HTTP request that caused it (logs only).
  std::string correlation;
};

/// ORDER_CREATED: published by Orders after an order is committed.
struct order_created {
  int64_t seq = 0;
  order_id order = 0;
  user_id user = 0;
  item_id item = 0;
  int32_t quantity = 1;
  money sum;
  /// The X-Request-Id of the HTTP request that caused it (logs only).
  std::string correlation;
};

/// ORDER_PROCESSED: published by Billing once it decided an order's charge.
struct order_processed {
  int64_t seq = 0;
  order_id order = 0;
  user_id user = 0;
  money sum;
  payment_result result = payment_result::paid;
  /// The correlation of the ORDER_CREATED it answers (logs only).
  std::string correlation;
};

// -- commands (requests to services) ------------------------------------------

// Commands that change state carry the client's Idempotency-Key (empty when
// none was sent). The service that executes a command stores the key, the
// command and its reply in the same transaction as the effect, so a retry
// with the same key gets the original reply and causes no second effect.

/// POST /register.
struct register_user {
  std::string email;
  std::string name;
  /// The password in clear (8 to 256 bytes of UTF-8): Users stores only its
  /// argon2id hash and leaves it out of the request an Idempotency-Key
  /// stands for. Never logged, never in an event or a reply.
  std::string password;
  std::string idempotency_key;
  /// The request's X-Request-Id, carried into the events it causes; not
  /// part of the request an Idempotency-Key stands for.
  std::string correlation;
};

/// POST /login: Users checks the password of the user with this email
/// (case-insensitive) and answers the user, or invalid_credentials; the HTTP
/// front signs the token. Never logged.
struct credentials {
  std::string email;
  std::string password;
};

/// POST /setPassword (operators): sets a user's password, for example for an
/// account registered before passwords existed. Never logged.
struct set_password {
  user_id user = 0;
  std::string password;
};

/// POST /deposit: adds `sum` to the user's account.
struct deposit {
  user_id user = 0;
  money sum;
  std::string idempotency_key;
  /// The request's X-Request-Id (see register_user).
  std::string correlation;
};

/// POST /payment: takes `sum` if the balance covers it.
struct payment {
  user_id user = 0;
  money sum;
  std::string idempotency_key;
  /// The request's X-Request-Id (see register_user).
  std::string correlation;
};

/// The answer to a payment.
struct payment_outcome {
  user_id user = 0;
  payment_result result = payment_result::paid;
  money balance;
};

/// A password's length in bytes (of UTF-8): Users refuses others, and so
/// does the HTTP front's parser.
constexpr size_t min_password_bytes = 8;
constexpr size_t max_password_bytes = 256;

/// Largest quantity of one item in one order (Orders refuses more, and so
/// does the HTTP front's parser).
constexpr int32_t max_quantity = 1000;

/// POST /createOrder.
struct create_order {
  user_id user = 0;
  item_id item = 0;
  int32_t quantity = 1;
  std::string idempotency_key;
  /// The request's X-Request-Id (see register_user).
  std::string correlation;
};

// -- cluster ------------------------------------------------------------------

/// Where one service runs, as a node sees it (GET /cluster).
struct service_status {
  /// Its name in the service table (actors/service_table.hpp).
  std::string service;
  /// Whether this node runs it.
  bool local = false;
  /// "local", or the peer's host:port from the configuration.
  std::string location;
  /// The CAF node id of the process running it; empty while unreachable.
  std::string node;
  /// Whether a request to it can be served now: a local service whose
  /// worker runs and whose storage answers, or a connected peer whose
  /// service does.
  bool reachable = false;
  /// Whether it sheds load (actors/load.hpp): reachable, but refusing new
  /// work that would publish events.
  bool overloaded = false;
  /// Why it is not reachable or overloaded (empty when neither).
  std::string problem;
};

// -- inspection (serialization for CAF messages) -----------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user& x) {
  return f(caf::meta::type_name("user"), x.id, x.email, x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account& x) {
  return f(caf::meta::type_name("account"), x.user, x.balance);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_entry& x) {
  return f(caf::meta::type_name("ledger_entry"), x.id, x.user, x.amount, x.kind,
           x.order, x.balance_after, x.at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item& x) {
  return f(caf::meta::type_name("item"), x.id, x.name, x.price);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order& x) {
  return f(caf::meta::type_name("order"), x.id, x.user, x.item, x.quantity,
           x.sum, x.status, x.created_at, x.updated_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, notification& x) {
  return f(caf::meta::type_name("notification"), x.id, x.user, x.order, x.email,
           x.subject, x.body, x.sent_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, notification_filter& x) {
  return f(caf::meta::type_name("notification_filter"), x.user, x.order,
           x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_created& x) {
  return f(caf::meta::type_name("user_created"), x.seq, x.user, x.email, x.name,
           x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_created& x) {
  return f(caf::meta::type_name("order_created"), x.seq, x.order, x.user,
           x.item, x.quantity, x.sum, x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_processed& x) {
  return f(caf::meta::type_name("order_processed"), x.seq, x.order, x.user,
           x.sum, x.result, x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, register_user& x) {
  return f(caf::meta::type_name("register_user"), x.email, x.name, x.password,
           x.idempotency_key, x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credentials& x) {
  return f(caf::meta::type_name("credentials"), x.email, x.password);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_password& x) {
  return f(caf::meta::type_name("set_password"), x.user, x.password);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deposit& x) {
  return f(caf::meta::type_name("deposit"), x.user, x.sum, x.idempotency_key,
           x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment& x) {
  return f(caf::meta::type_name("payment"), x.user, x.sum, x.idempotency_key,
           x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment_outcome& x) {
  return f(caf::meta::type_name("payment_outcome"), x.user, x.result,
           x.balance);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_order& x) {
  return f(caf::meta::type_name("create_order"), x.user, x.item, x.quantity,
           x.idempotency_key, x.correlation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_status& x) {
  return f(caf::meta::type_name("service_status"), x.service, x.local,
           x.location, x.node, x.reachable, x.overloaded, x.problem);
}

} // namespace shop
