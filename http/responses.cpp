#include "http/responses.hpp"

#include <fmt/format.h>

#include "http/json_writer.hpp"

namespace shop::http {

namespace {

/// Days since 1970-01-01 to a civil date (proleptic Gregorian), after Howard
/// Hinnant's days_from_civil inverse; exact for every int64 day count we meet,
/// without relying on gmtime_r's range.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    ++y;
}

/// Floor division, so times before 1970 land on the right day.
int64_t floor_div(int64_t a, int64_t b) {
  auto q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

std::string format_timestamp(unix_ms ms) {
  constexpr int64_t ms_per_day = 86'400'000;
  auto days = floor_div(ms, ms_per_day);
  auto in_day = ms - days * ms_per_day;
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  auto secs = in_day / 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month,
                     day, secs / 3600, (secs / 60) % 60, secs % 60,
                     in_day % 1000);
}

std::string registered_json(const user& x) {
  json_writer w;
  w.begin_object().field("userId", x.id).end_object();
  return w.take();
}

std::string user_json(const user& x) {
  json_writer w;
  w.begin_object()
    .field("userId", x.id)
    .field("name", x.name)
    .field("email", x.email)
    .end_object();
  return w.take();
}

std::string account_json(const account& x) {
  json_writer w;
  w.begin_object()
    .field("userId", x.user)
    .field("balance", x.balance)
    .end_object();
  return w.take();
}

std::string payment_json(const payment_outcome& x) {
  json_writer w;
  w.begin_object()
    .field("userId", x.user)
    .field("result", to_string(x.result))
    .field("balance", x.balance)
    .end_object();
  return w.take();
}

std::string items_json(const std::vector<item>& xs) {
  json_writer w;
  w.begin_array();
  for (const auto& x : xs)
    w.begin_object()
      .field("itemId", x.id)
      .field("name", x.name)
      .field("price", x.price)
      .end_object();
  w.end_array();
  return w.take();
}

std::string created_order_json(const order& x) {
  json_writer w;
  w.begin_object()
    .field("orderId", x.id)
    .field("status", to_string(x.status))
    .field("sum", x.sum)
    .field("userId", x.user)
    .field("itemId", x.item)
    .field("quantity", x.quantity)
    .end_object();
  return w.take();
}

std::string order_json(const order& x) {
  json_writer w;
  w.begin_object()
    .field("orderId", x.id)
    .field("userId", x.user)
    .field("itemId", x.item)
    .field("quantity", x.quantity)
    .field("sum", x.sum)
    .field("status", to_string(x.status))
    .field("createdAt", format_timestamp(x.created_at))
    .field("updatedAt", format_timestamp(x.updated_at))
    .end_object();
  return w.take();
}

std::string notifications_json(const std::vector<notification>& xs) {
  json_writer w;
  w.begin_array();
  for (const auto& x : xs)
    w.begin_object()
      .field("messageId", x.id)
      .field("userId", x.user)
      .field("orderId", x.order)
      .field("email", x.email)
      .field("subject", x.subject)
      .field("body", x.body)
      .field("sentAt", format_timestamp(x.sent_at))
      .end_object();
  w.end_array();
  return w.take();
}

std::string cluster_json(const std::string& node,
                         const std::vector<service_status>& xs) {
  json_writer w;
  w.begin_object().field("node", node);
  w.key("services").begin_array();
  for (auto& x : xs)
    if (x.local)
      w.value(x.service);
  w.end_array();
  w.key("cluster").begin_array();
  for (auto& x : xs)
    w.begin_object()
      .field("service", x.service)
      .field("local", x.local)
      .field("location", x.location)
      .field("node", x.node)
      .field("reachable", x.reachable)
      .end_object();
  w.end_array().end_object();
  return w.take();
}

std::string ready_json(bool ready, const std::vector<service_status>& xs) {
  json_writer w;
  w.begin_object().field("status", ready ? "ready" : "not_ready");
  w.key("services").begin_array();
  for (auto& x : xs)
    w.begin_object()
      .field("service", x.service)
      .field("reachable", x.reachable)
      .field("location", x.location)
      .end_object();
  w.end_array();
  w.key("problems").begin_array();
  for (auto& x : xs)
    if (!x.reachable)
      w.value(x.service + " is unreachable"
              + (x.problem.empty() ? std::string{} : ": " + x.problem));
  w.end_array().end_object();
  return w.take();
}

std::string event_json(const user_created& e) {
  json_writer w;
  w.begin_object()
    .field("type", "USER_CREATED")
    .field("seq", e.seq)
    .field("userId", e.user)
    .field("email", e.email)
    .field("name", e.name)
    .field("requestId", e.correlation)
    .end_object();
  return w.take();
}

std::string event_json(const order_created& e) {
  json_writer w;
  w.begin_object()
    .field("type", "ORDER_CREATED")
    .field("seq", e.seq)
    .field("orderId", e.order)
    .field("userId", e.user)
    .field("itemId", e.item)
    .field("quantity", static_cast<int64_t>(e.quantity))
    .key("sum")
    .value(e.sum)
    .field("requestId", e.correlation)
    .end_object();
  return w.take();
}

std::string event_json(const order_processed& e) {
  json_writer w;
  w.begin_object()
    .field("type", "ORDER_PROCESSED")
    .field("seq", e.seq)
    .field("orderId", e.order)
    .field("userId", e.user)
    .key("sum")
    .value(e.sum)
    .field("result", to_string(e.result))
    .field("requestId", e.correlation)
    .end_object();
  return w.take();
}

std::string health_json() {
  return R"({"status":"ok"})";
}

} // namespace shop::http
