// The operations endpoints on the real binary: GET /ready says whether every
// service can serve, GET /metrics exposes Prometheus metrics that move with
// traffic, and every response carries the request's X-Request-Id.

#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>
#include <string>

#include "server_fixture.hpp"
#include "support/raw_socket.hpp"

using namespace shop::test;

namespace {

/// The value of the sample `series` (name with its labels, exactly as
/// exposed) in a scrape, or -1 when it is absent.
double sample(const std::string& scrape, const std::string& series) {
  std::istringstream in{scrape};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size()
        && line.compare(0, series.size(), series) == 0
        && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return -1;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_operations, server_fixture)

BOOST_AUTO_TEST_CASE(ready_lists_every_service) {
  // The operator sees every service and the problems.
  auto resp = client.get("/ready");
  auto body = call(resp, 200);
  BOOST_TEST(body["status"] == "ready");
  BOOST_TEST(body["services"].size() == 4u);
  for (auto& s : body["services"]) {
    BOOST_TEST(s["reachable"] == true, s.dump());
    BOOST_TEST(s["overloaded"] == false, s.dump());
  }
  BOOST_TEST(body["problems"].empty());
  BOOST_TEST(body["overloaded"] == false);
  // Anyone else (a load balancer's probe), the status and whether some
  // service sheds load only.
  auto anonymous = anonymous_client();
  BOOST_TEST(call(anonymous.get("/ready"), 200)
             == json({{"status", "ready"}, {"overloaded", false}}));
}

BOOST_AUTO_TEST_CASE(request_ids_are_echoed_or_made) {
  auto given = client.request("GET", "/health", "", "",
                              {{"X-Request-Id", "trace-42.a_b"}});
  BOOST_TEST(given.header("x-request-id") == "trace-42.a_b");
  // Without one, or with one that is unsafe to echo, the server makes one:
  // a different one per request.
  auto a = client.get("/health");
  auto b = client.get("/health");
  BOOST_TEST(a.header("x-request-id").size() == 16u);
  BOOST_TEST(a.header("x-request-id") != b.header("x-request-id"));
  auto bad = client.request("GET", "/health", "", "",
                            {{"X-Request-Id", std::string(200, 'x')}});
  BOOST_TEST(bad.header("x-request-id").size() == 16u);
  // Errors carry it too, in the header and in the body.
  auto err
    = client.request("GET", "/nowhere", "", "", {{"X-Request-Id", "err-1"}});
  BOOST_TEST(err.status == 404);
  BOOST_TEST(err.header("x-request-id") == "err-1");
  BOOST_TEST(json_of(err).value("requestId", "") == "err-1", err.body);
}

BOOST_AUTO_TEST_CASE(metrics_move_with_traffic) {
  auto before = client.get("/metrics");
  BOOST_TEST_REQUIRE(before.status == 200);
  BOOST_TEST(before.header("content-type").rfind("text/plain; version=0.0.4", 0)
             == 0);
  auto registered
    = R"(actorshop_http_requests_total{route="/register",status="201"})";
  auto paid = R"(actorshop_orders_total{outcome="paid"})";
  auto rejected = R"(actorshop_orders_total{outcome="rejected"})";
  auto zero_if_absent = [](double x) { return x < 0 ? 0.0 : x; };
  auto registered0 = zero_if_absent(sample(before.body, registered));
  auto paid0 = zero_if_absent(sample(before.body, paid));
  auto rejected0 = zero_if_absent(sample(before.body, rejected));
  // Traffic: two users, a deposit, a paid order, a rejected one, a 404.
  auto alice = register_user("m1@example.com", "M1");
  register_user("m2@example.com", "M2");
  deposit(alice, "100");
  auto ok = create_order(alice, 3);       // Book, 25
  auto too_much = create_order(alice, 1); // Laptop, 1500
  settled_order(ok["orderId"]);
  settled_order(too_much["orderId"]);
  client.get("/nowhere");
  std::string after;
  bool moved = eventually([&] {
    after = client.get("/metrics").body;
    return sample(after, paid) >= paid0 + 1
           && sample(after, rejected) >= rejected0 + 1;
  });
  BOOST_TEST(moved, after);
  BOOST_TEST(sample(after, registered) == registered0 + 2);
  BOOST_TEST(sample(after, paid) == paid0 + 1);
  BOOST_TEST(sample(after, rejected) == rejected0 + 1);
  BOOST_TEST(
    sample(after,
           R"(actorshop_http_requests_total{route="unmatched",status="404"})")
    >= 1);
  // Latency histograms, commits, the outbox and the process.
  BOOST_TEST(
    sample(
      after,
      R"(actorshop_http_request_duration_seconds_count{route="/createOrder"})")
    >= 2);
  BOOST_TEST(
    sample(
      after,
      R"(actorshop_http_request_duration_seconds_bucket{route="/createOrder",le="+Inf"})")
    >= 2);
  BOOST_TEST(sample(after, R"(actorshop_db_commits_total{service="billing"})")
             >= 1);
  BOOST_TEST(
    sample(after, R"(actorshop_actor_messages_total{service="orders"})") >= 2);
  BOOST_TEST(
    sample(
      after,
      R"(actorshop_outbox_backlog{service="orders",topic="order_created"})")
    >= 0);
  BOOST_TEST(
    sample(
      after,
      R"(actorshop_outbox_events_in_memory{service="orders",topic="order_created"})")
    >= 0);
  // Admission control: in flight now (this scrape itself asks nobody),
  // and no refusal in this quiet run.
  BOOST_TEST(
    sample(after, R"(actorshop_http_in_flight_requests{service="orders"})")
    == 0);
  for (auto* reason : {"in_flight", "backlog"})
    BOOST_TEST(sample(after, std::string{"actorshop_overload_rejections_total{"
                                         "reason=\""}
                               + reason + "\",service=\"orders\"}")
               == 0);
  BOOST_TEST(sample(after, "process_resident_memory_bytes") > 0);
  BOOST_TEST(sample(after, "process_cpu_seconds_total") > 0);
}

BOOST_AUTO_TEST_CASE(events_stream_and_a_stop_ends_the_stream) {
  auto fd = connect_tcp("127.0.0.1", port, std::chrono::seconds(10));
  send_all(fd.get(), "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                       + test_credentials::get().operator_token() + "\r\n\r\n");
  // Headers and the opening comment, then an event as it commits.
  std::string got;
  char buf[4096];
  auto read_until = [&](const std::string& needle) {
    while (got.find(needle) == std::string::npos) {
      auto n = ::recv(fd.get(), buf, sizeof(buf), 0);
      if (n <= 0)
        return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  BOOST_TEST_REQUIRE(read_until("the events of this node"), got);
  BOOST_TEST(to_lower(got).find("content-type: text/event-stream")
               != std::string::npos,
             got);
  register_user("stream@example.com", "S");
  BOOST_TEST(read_until(
               "event: USER_CREATED\ndata: {\"type\":\"USER_CREATED\""),
             got);
  // A stop ends the stream and the process exits 0 (teardown checks it).
  stop();
  char c = 0;
  while (::recv(fd.get(), &c, 1, 0) > 0) {
  }
}

BOOST_AUTO_TEST_SUITE_END()

// One order's whole path in the logs: with --log-level=debug every step
// logs the X-Request-Id of the request that caused it, carried in the
// events from service to service; --log-format=logfmt makes each line
// key=value pairs.
BOOST_AUTO_TEST_CASE(one_order_can_be_followed_through_the_logs) {
  test_database logs_db;
  auto logs_port = free_port();
  actorshop_process traced{logs_db.conninfo(),
                           logs_port,
                           {"--log-level=debug", "--log-format=logfmt"}};
  traced.wait_until_healthy();
  http_client api{"127.0.0.1", logs_port};
  auto reg = api.request("POST", "/register",
                         json{{"email", "trace@example.com"},
                              {"name", "T"},
                              {"password", test_password}}
                           .dump(),
                         "application/json", {{"X-Request-Id", "reg-trace-1"}});
  BOOST_TEST_REQUIRE(reg.status == 201, reg.body);
  auto user = json::parse(reg.body)["userId"].get<int64_t>();
  // The user logs in and orders with their own token.
  auto login = api.post("/login", json{{"email", "trace@example.com"},
                                       {"password", test_password}}
                                    .dump());
  BOOST_TEST_REQUIRE(login.status == 200, login.body);
  api.bearer = json::parse(login.body)["token"].get<std::string>();
  auto dep = api.request("POST", "/deposit",
                         json{{"userId", user}, {"sum", 100}}.dump(),
                         "application/json", {{"X-Request-Id", "dep-trace-1"}});
  BOOST_TEST_REQUIRE(dep.status == 200, dep.body);
  auto created = api.request("POST", "/createOrder",
                             json{{"userId", user}, {"itemId", 3}}.dump(),
                             "application/json",
                             {{"X-Request-Id", "order-trace-1"}});
  BOOST_TEST_REQUIRE(created.status == 201, created.body);
  // The path: HTTP, Orders (created), Billing (decided), Orders (final),
  // Notifications (message stored).
  auto lines_with = [&](const std::string& id) {
    std::vector<std::string> result;
    std::istringstream in{traced.log()};
    std::string line;
    while (std::getline(in, line))
      if (line.find("request=" + id) != std::string::npos)
        result.push_back(line);
    return result;
  };
  std::vector<std::string> path;
  bool complete = eventually([&] {
    path = lines_with("order-trace-1");
    auto has = [&](const std::string& service, const std::string& what) {
      for (auto& l : path)
        if (l.find("service=" + service + " ") != std::string::npos
            && l.find(what) != std::string::npos)
          return true;
      return false;
    };
    return has("http", "route=/createOrder status=201")
           && has("orders", "msg=\"order created\" order=1")
           && has("billing", "result=paid") && has("orders", "status=paid")
           && has("notifications", "msg=\"message stored\"");
  });
  std::string all;
  for (auto& l : path)
    all += l + "\n";
  BOOST_TEST(complete, "the order's path in the log:\n" << all);
  for (auto& l : path)
    BOOST_TEST(l.rfind("time=", 0) == 0, "not logfmt: " << l);
  // The registration's event carries its own id.
  BOOST_TEST(!lines_with("reg-trace-1").empty());
}
