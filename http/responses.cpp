#include "http/responses.hpp"

#include <algorithm>

#include "common/timestamp.hpp"
#include "http/json_writer.hpp"

namespace shop::http {

std::string format_timestamp(unix_ms ms) {
  return iso8601_utc(ms);
}

std::string registered_json(const user& x) {
  json_writer w;
  w.begin_object().field("userId", x.id).end_object();
  return w.take();
}

std::string login_json(const std::string& token, int64_t expires_in,
                       user_id user) {
  json_writer w;
  w.begin_object()
    .field("token", token)
    .field("tokenType", "Bearer")
    .field("expiresIn", expires_in)
    .field("userId", user)
    .end_object();
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

std::string ready_json(bool ready, const std::vector<service_status>& xs,
                       bool details) {
  json_writer w;
  bool overloaded
    = std::any_of(xs.begin(), xs.end(), [](auto& x) { return x.overloaded; });
  w.begin_object()
    .field("status", ready ? "ready" : "not_ready")
    .field("overloaded", overloaded);
  if (!details)
    return w.end_object().take();
  w.key("services").begin_array();
  for (auto& x : xs)
    w.begin_object()
      .field("service", x.service)
      .field("reachable", x.reachable)
      .field("overloaded", x.overloaded)
      .field("location", x.location)
      .end_object();
  w.end_array();
  w.key("problems").begin_array();
  for (auto& x : xs)
    if (!x.reachable)
      w.value(x.service + " is unreachable"
              + (x.problem.empty() ? std::string{} : ": " + x.problem));
    else if (x.overloaded)
      w.value(x.service + " is overloaded"
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
