#pragma once

// The JSON bodies of successful responses, one function per shape. Field
// names are camelCase; money is written as an exact JSON number; times are
// ISO-8601 UTC with milliseconds.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/types.hpp"

namespace shop::http {

/// POST /register: {"userId"}.
std::string registered_json(const user& x);

/// POST /login: {"token","tokenType":"Bearer","expiresIn","userId"}.
std::string login_json(const std::string& token, int64_t expires_in,
                       user_id user);

/// GET /getUserInfo: {"userId","name","email"}.
std::string user_json(const user& x);

/// createAccount, myBalance, deposit: {"userId","balance"}.
std::string account_json(const account& x);

/// POST /payment: {"userId","result","balance"}.
std::string payment_json(const payment_outcome& x);

/// GET /items: [{"itemId","name","price"}].
std::string items_json(const std::vector<item>& xs);

/// POST /createOrder: {"orderId","status","sum","userId","itemId","quantity"}.
std::string created_order_json(const order& x);

/// GET /getOrder: {"orderId","userId","itemId","quantity","sum","status",
/// "createdAt","updatedAt"}.
std::string order_json(const order& x);

/// GET /getAllSentMessages: [{"messageId","userId","orderId","email",
/// "subject","body","sentAt"}].
std::string notifications_json(const std::vector<notification>& xs);

/// GET /cluster: {"node","services":[local names],
/// "cluster":[{"service","local","location","node","reachable"}]}.
std::string cluster_json(const std::string& node,
                         const std::vector<service_status>& xs);

/// GET /ready: {"status":"ready"|"not_ready","overloaded":bool,
/// "services":[{"service","reachable","overloaded","location"}],
/// "problems":["<service> is unreachable (...)" or "... is overloaded"]}.
/// `details` (operators): every service, where it runs and what is wrong;
/// else only the status and whether some service sheds load.
std::string ready_json(bool ready, const std::vector<service_status>& xs,
                       bool details);

/// One event for the live stream (GET /events), as JSON: {"type":
/// "USER_CREATED"|"ORDER_CREATED"|"ORDER_PROCESSED", "seq", the event's
/// fields in the API's names, "requestId"}.
std::string event_json(const user_created& e);
std::string event_json(const order_created& e);
std::string event_json(const order_processed& e);

/// GET /health: {"status":"ok"}.
std::string health_json();

/// Formats Unix milliseconds as ISO-8601 UTC with milliseconds:
/// "2024-05-01T12:34:56.789Z".
std::string format_timestamp(unix_ms ms);

} // namespace shop::http
