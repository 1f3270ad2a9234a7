// The HTTP handlers without a socket: each test routes a fake exchange (a
// request and the one answer it got) through dispatch() to the handlers,
// whose services are actors spawned here that answer the typed requests as
// a test tells them to. CAF's test coordinator runs every actor on this
// thread, so a test decides when messages are delivered and when the
// request timeout fires: no sleeps, no threads.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "actors/balance_view.hpp"
#include "actors/errors.hpp"
#include "actors/interfaces.hpp"
#include "actors/load.hpp"
#include "actors/messages.hpp"
#include "actors/placement.hpp"
#include "common/log.hpp"
#include "http/auth.hpp"
#include "http/exchange.hpp"
#include "http/handler.hpp"
#include "http/routes.hpp"
#include "http/tokens.hpp"

using namespace shop;
using namespace shop::http;

namespace {

/// A chunked response body that keeps what was written.
struct fake_sink : event_sink {
  std::vector<std::string> chunks;
  bool finished = false;

  void write(std::string chunk, std::function<void()>) override {
    chunks.push_back(std::move(chunk));
  }

  void finish() noexcept override {
    finished = true;
  }
};

/// One request as a client sent it, and what the server answered.
class fake_exchange : public exchange {
public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  struct answer {
    uint16_t status = 0;
    std::string body;
    std::string allow;
    std::string content_type;
    std::string www_authenticate;
    uint32_t retry_after = 0;
  };

  fake_exchange(std::string method, std::string target, std::string body = "",
                header_list headers = {})
    : exchange(choose_request_id(values(headers, "X-Request-Id"))),
      method_(std::move(method)), target_(std::move(target)),
      body_(std::move(body)), headers_(std::move(headers)) {
  }

  ~fake_exchange() override {
    answer_if_dropped();
  }

  std::string_view method() const noexcept override {
    return method_;
  }

  std::string_view target() const noexcept override {
    return target_;
  }

  std::string_view query() const noexcept override {
    auto q = std::string_view{target_};
    auto pos = q.find('?');
    return pos == std::string_view::npos ? std::string_view{}
                                         : q.substr(pos + 1);
  }

  std::vector<std::string_view>
  header_values(std::string_view name) const override {
    return values(headers_, name);
  }

  const std::string& body() const noexcept override {
    return body_;
  }

  std::string remote_address() const override {
    return "192.0.2.1";
  }

  void open_stream(
    std::string first_chunk,
    std::function<void(std::shared_ptr<event_sink>)> on_open) override {
    if (!stream_taken())
      return;
    sink = std::make_shared<fake_sink>();
    sink->chunks.push_back(std::move(first_chunk));
    on_open(sink);
  }

  /// Every answer send() got (the exchange must give exactly one); shared,
  /// so it outlives the exchange.
  std::shared_ptr<std::vector<answer>> sent
    = std::make_shared<std::vector<answer>>();
  std::shared_ptr<fake_sink> sink;

  const std::vector<answer>& answers() const noexcept {
    return *sent;
  }

protected:
  void send(uint16_t status, std::string body,
            const answer_headers& headers) override {
    sent->push_back(
      answer{status, is_head() ? "" : std::move(body),
             headers.allow ? headers.allow : "", headers.content_type,
             headers.www_authenticate ? *headers.www_authenticate : "",
             headers.retry_after});
  }

private:
  static std::vector<std::string_view> values(const header_list& xs,
                                              std::string_view name) {
    std::vector<std::string_view> result;
    for (auto& [k, v] : xs)
      if (k.size() == name.size()
          && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a))
                      == std::tolower(static_cast<unsigned char>(b));
             }))
        result.emplace_back(v);
    return result;
  }

  std::string method_;
  std::string target_;
  std::string body_;
  header_list headers_;
};

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
    register_types(*this);
  }
};

/// What the fake Users service does with a register_user.
enum class users_mode { reply, refuse, ignore };

/// An actor system on the test coordinator, a fake Users service and a fake
/// event feed, and the handlers' context over them.
struct fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  services svc;
  server_options opts;
  std::shared_ptr<const token_authority> tokens = ephemeral_tokens(60);
  authenticator auth{tokens, operator_secret};
  /// Reads svc, which the constructor fills in.
  handler_context ctx{sys, svc, opts, auth};

  static inline const std::string operator_secret
    = "operator-secret-of-at-least-32-characters";

  /// What the fake services received.
  std::shared_ptr<std::vector<register_user>> registrations
    = std::make_shared<std::vector<register_user>>();
  std::shared_ptr<std::vector<caf::actor>> joined
    = std::make_shared<std::vector<caf::actor>>();
  std::shared_ptr<users_mode> mode = std::make_shared<users_mode>();
  std::shared_ptr<std::vector<deposit>> deposits
    = std::make_shared<std::vector<deposit>>();
  /// The users whose balance the fake Billing was asked for.
  std::shared_ptr<std::vector<user_id>> balance_asks
    = std::make_shared<std::vector<user_id>>();

  fixture() {
    log::set_level(log::level::off);
    opts.request_timeout = std::chrono::milliseconds{250};
    auto users = sys.spawn([regs = registrations, mode = mode](
                             caf::event_based_actor*) -> caf::behavior {
      return {
        [regs, mode](register_user& cmd) -> caf::result<user> {
          regs->push_back(cmd);
          switch (*mode) {
            case users_mode::reply:
              return user{7, cmd.email, cmd.name};
            case users_mode::refuse:
              return caf::make_error(errc::email_taken,
                                     "a user with this email is already "
                                     "registered");
            case users_mode::ignore:
              break;
          }
          // Never answered: the asker's timeout fires.
          return caf::delegated<user>{};
        },
      };
    });
    svc.users = caf::actor_cast<users_actor>(users);
    auto billing = sys.spawn([deps = deposits, asks = balance_asks](
                               caf::event_based_actor*) -> caf::behavior {
      return {
        [deps](deposit& cmd) -> caf::result<account> {
          deps->push_back(cmd);
          return account{cmd.user, cmd.sum};
        },
        [asks](atom::balance, user_id user) -> caf::result<account> {
          asks->push_back(user);
          return account{user, money::from_cents(1)};
        },
      };
    });
    svc.billing = caf::actor_cast<billing_actor>(billing);
    svc.feed
      = sys.spawn([joined = joined](caf::event_based_actor*) -> caf::behavior {
          return {
            [joined](atom::join, caf::actor listener) {
              joined->push_back(std::move(listener));
            },
          };
        });
    sched.run();
  }

  ~fixture() {
    for (auto& s : *joined)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc.users, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc.billing, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(svc.feed, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Routes the request and runs every actor until nothing is left to do.
  std::shared_ptr<fake_exchange> serve(std::shared_ptr<fake_exchange> x) {
    dispatch(ctx, x);
    sched.run();
    return x;
  }

  /// A POST with a JSON body (Content-Type application/json unless
  /// `headers` name one).
  std::shared_ptr<fake_exchange> post(std::string target, std::string body,
                                      fake_exchange::header_list headers = {}) {
    bool typed = std::any_of(headers.begin(), headers.end(),
                             [](auto& h) { return h.first == "Content-Type"; });
    if (!typed)
      headers.emplace_back("Content-Type", "application/json");
    return serve(std::make_shared<fake_exchange>("POST", std::move(target),
                                                 std::move(body),
                                                 std::move(headers)));
  }

  std::shared_ptr<fake_exchange> get(std::string target,
                                     std::string method = "GET",
                                     fake_exchange::header_list headers = {}) {
    return serve(std::make_shared<fake_exchange>(std::move(method),
                                                 std::move(target), "",
                                                 std::move(headers)));
  }

  /// The Authorization header of a user's token, or of the operator.
  std::pair<std::string, std::string> bearer_of(user_id user) const {
    return {"Authorization", "Bearer " + tokens->issue(user, unix_seconds())};
  }

  std::pair<std::string, std::string> operator_bearer() const {
    return {"Authorization", "Bearer " + operator_secret};
  }
};

const std::string register_body
  = R"({"email":"ada@example.com","name":"Ada","password":"correct horse"})";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_handlers, fixture)

BOOST_AUTO_TEST_CASE(register_asks_users_and_answers_201) {
  auto x = post("/register", register_body,
                {{"Idempotency-Key", "k-1"}, {"X-Request-Id", "req-1"}});
  BOOST_REQUIRE_EQUAL(registrations->size(), 1u);
  auto& cmd = registrations->front();
  BOOST_TEST(cmd.email == "ada@example.com");
  BOOST_TEST(cmd.name == "Ada");
  BOOST_TEST(cmd.password == "correct horse");
  // Keys are scoped by the caller (here: anonymous).
  BOOST_TEST(cmd.idempotency_key == "anyone/k-1");
  BOOST_TEST(cmd.correlation == "req-1");
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 201);
  BOOST_TEST(x->answers()[0].body == R"({"userId":7})");
  BOOST_TEST(x->answers()[0].content_type == "application/json");
  BOOST_TEST(x->request_id() == "req-1");
}

BOOST_AUTO_TEST_CASE(a_service_error_maps_to_its_status) {
  *mode = users_mode::refuse;
  auto x = post("/register", register_body);
  BOOST_REQUIRE_EQUAL(registrations->size(), 1u);
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 409);
  BOOST_TEST(contains(x->answers()[0].body, R"("error":"email_taken")"));
  BOOST_TEST(contains(x->answers()[0].body, "already registered"));
}

BOOST_AUTO_TEST_CASE(an_invalid_body_gets_400_and_asks_nobody) {
  auto x = post("/register", R"({"email":"ada@example.com")");
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 400);
  BOOST_TEST(contains(x->answers()[0].body, R"("error":"invalid_json")"));
  BOOST_TEST(registrations->empty());
  auto y = post("/register", R"({"email":"ada@example.com"})");
  BOOST_REQUIRE_EQUAL(y->answers().size(), 1u);
  BOOST_TEST(y->answers()[0].status == 400);
  BOOST_TEST(contains(y->answers()[0].body, R"("error":"missing_field")"));
  BOOST_TEST(registrations->empty());
}

BOOST_AUTO_TEST_CASE(a_bad_idempotency_key_gets_400_and_asks_nobody) {
  auto x = post("/register", register_body,
                {{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}});
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 400);
  BOOST_TEST(contains(x->answers()[0].body, R"("error":"invalid_header")"));
  BOOST_TEST(registrations->empty());
}

BOOST_AUTO_TEST_CASE(a_service_that_never_answers_times_out_with_503) {
  *mode = users_mode::ignore;
  auto x = post("/register", register_body);
  BOOST_REQUIRE_EQUAL(registrations->size(), 1u);
  BOOST_TEST(x->answers().empty());
  BOOST_REQUIRE(sched.trigger_timeouts() > 0);
  sched.run();
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 503);
  BOOST_TEST(
    contains(x->answers()[0].body, R"("error":"service_unavailable")"));
  BOOST_TEST(contains(x->answers()[0].body, "did not answer in time"));
}

BOOST_AUTO_TEST_CASE(an_exchange_answers_once_and_a_dropped_one_503) {
  auto x = std::make_shared<fake_exchange>("GET", "/health");
  x->reply(200, "{}");
  x->fail(internal_error("late"));
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 200);
  auto dropped = std::make_shared<fake_exchange>("GET", "/health");
  auto sent = dropped->sent;
  dropped.reset();
  BOOST_REQUIRE_EQUAL(sent->size(), 1u);
  BOOST_TEST((*sent)[0].status == 503);
  BOOST_TEST(contains((*sent)[0].body, "the request was dropped"));
}

BOOST_AUTO_TEST_CASE(the_router_answers_404_405_and_head) {
  auto x = get("/nope");
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 404);
  BOOST_TEST(contains(x->answers()[0].body, R"("error":"not_found")"));
  auto y = get("/register");
  BOOST_REQUIRE_EQUAL(y->answers().size(), 1u);
  BOOST_TEST(y->answers()[0].status == 405);
  BOOST_TEST(y->answers()[0].allow == "POST");
  auto h = get("/health?x=1", "HEAD");
  BOOST_REQUIRE_EQUAL(h->answers().size(), 1u);
  BOOST_TEST(h->answers()[0].status == 200);
  BOOST_TEST(h->answers()[0].body.empty());
  auto a = get("http://localhost:8080/health");
  BOOST_REQUIRE_EQUAL(a->answers().size(), 1u);
  BOOST_TEST(a->answers()[0].status == 200);
  BOOST_TEST(a->answers()[0].body == R"({"status":"ok"})");
}

BOOST_AUTO_TEST_CASE(a_stopping_server_answers_503_and_asks_nobody) {
  ctx.stopping = true;
  auto x = post("/register", register_body);
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 503);
  BOOST_TEST(registrations->empty());
}

BOOST_AUTO_TEST_CASE(a_client_id_is_kept_only_when_usable) {
  auto kept = std::make_shared<fake_exchange>("GET", "/health", "",
                                              fake_exchange::header_list{
                                                {"x-request-id", "abc"}});
  BOOST_TEST(kept->request_id() == "abc");
  auto replaced = std::make_shared<fake_exchange>("GET", "/health", "",
                                                  fake_exchange::header_list{
                                                    {"X-Request-Id", "a b"}});
  BOOST_TEST(replaced->request_id() != "a b");
  BOOST_TEST(replaced->request_id().size() == 16u);
  // New ids are 16 lowercase hex digits, and differ.
  auto hex = [](const std::string& id) {
    return std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
  };
  BOOST_TEST(hex(replaced->request_id()));
  auto other = std::make_shared<fake_exchange>("GET", "/health", "",
                                               fake_exchange::header_list{});
  BOOST_TEST(hex(other->request_id()));
  BOOST_TEST(other->request_id() != replaced->request_id());
}

BOOST_AUTO_TEST_CASE(the_event_stream_writes_the_events_it_gets) {
  auto x = get("/events", "GET", {operator_bearer()});
  BOOST_TEST(x->answers().empty());
  BOOST_REQUIRE(x->sink != nullptr);
  BOOST_REQUIRE_EQUAL(joined->size(), 1u);
  BOOST_TEST(ctx.streams.size() == 1u);
  auto stream = joined->front();
  caf::anon_send(stream, user_created{1, 7, "ada@example.com", "Ada", "r"});
  sched.run();
  BOOST_REQUIRE_EQUAL(x->sink->chunks.size(), 2u);
  BOOST_TEST(contains(x->sink->chunks[0], "the events of this node"));
  BOOST_TEST(contains(x->sink->chunks[1], "event: USER_CREATED\ndata: {"));
  BOOST_TEST(contains(x->sink->chunks[1], R"("userId":7)"));
  // A stop ends every stream, which finishes its response.
  ctx.streams.stop_all();
  sched.run();
  BOOST_TEST(x->sink->finished);
  BOOST_TEST(ctx.streams.size() == 0u);
}

BOOST_AUTO_TEST_CASE(
  an_owner_route_without_credentials_gets_401_and_asks_nobody) {
  auto x = post("/deposit", R"({"userId":7,"sum":"5"})");
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 401);
  BOOST_TEST(x->answers()[0].www_authenticate == R"(Bearer realm="actorshop")");
  BOOST_TEST(contains(x->answers()[0].body, R"("error":"unauthorized")"));
  BOOST_TEST(contains(x->answers()[0].body, R"("requestId":")"));
  auto bad = post("/deposit", R"({"userId":7,"sum":"5"})",
                  {{"Authorization", "Bearer not.a.token"}});
  BOOST_REQUIRE_EQUAL(bad->answers().size(), 1u);
  BOOST_TEST(bad->answers()[0].status == 401);
  BOOST_TEST(bad->answers()[0].www_authenticate
             == R"(Bearer realm="actorshop", error="invalid_token")");
  BOOST_TEST(deposits->empty());
}

BOOST_AUTO_TEST_CASE(a_user_acts_only_for_themself) {
  auto own = post("/deposit", R"({"sum":"5"})", {bearer_of(7)});
  BOOST_REQUIRE_EQUAL(own->answers().size(), 1u);
  BOOST_TEST(own->answers()[0].status == 200);
  BOOST_REQUIRE_EQUAL(deposits->size(), 1u);
  BOOST_TEST(deposits->back().user == 7);
  auto same = post("/deposit", R"({"userId":7,"sum":"5"})", {bearer_of(7)});
  BOOST_TEST(same->answers()[0].status == 200);
  BOOST_REQUIRE_EQUAL(deposits->size(), 2u);
  auto other = post("/deposit", R"({"userId":8,"sum":"5"})", {bearer_of(7)});
  BOOST_REQUIRE_EQUAL(other->answers().size(), 1u);
  BOOST_TEST(other->answers()[0].status == 403);
  BOOST_TEST(contains(other->answers()[0].body, R"("error":"forbidden")"));
  BOOST_TEST(deposits->size() == 2u);
}

// Admission control, front side (http/admission.hpp): at the bound, a
// request for the service is answered 503 overloaded with Retry-After at
// once, without reaching it; every answer (here: the timeouts) gives its
// place back.
BOOST_AUTO_TEST_CASE(a_service_at_its_in_flight_bound_gets_503_at_once) {
  *mode = users_mode::ignore;
  auto limit = ctx.gates.users.limit();
  std::vector<std::shared_ptr<fake_exchange>> waiting;
  for (size_t i = 0; i < limit; ++i)
    waiting.push_back(post("/register", register_body));
  BOOST_TEST(registrations->size() == limit);
  BOOST_TEST(ctx.gates.users.in_flight() == limit);
  auto before = overload_rejections("users", "in_flight").value();
  auto over = post("/register", register_body);
  BOOST_REQUIRE_EQUAL(over->answers().size(), 1u);
  BOOST_TEST(over->answers()[0].status == 503);
  BOOST_TEST(contains(over->answers()[0].body, R"("error":"overloaded")"));
  BOOST_TEST(over->answers()[0].retry_after == 1u);
  BOOST_TEST(registrations->size() == limit, "the refused one reached Users");
  BOOST_TEST(overload_rejections("users", "in_flight").value() == before + 1);
  // Another service's bound is its own: Billing still answers.
  auto deposit = post("/deposit", R"({"sum":1})", {bearer_of(7)});
  BOOST_TEST(deposit->answers()[0].status == 200);
  BOOST_TEST(ctx.gates.billing.in_flight() == 0u);
  BOOST_REQUIRE(sched.trigger_timeouts() > 0);
  sched.run();
  for (auto& x : waiting)
    BOOST_TEST(x->answers()[0].status == 503);
  BOOST_TEST(ctx.gates.users.in_flight() == 0u);
  *mode = users_mode::reply;
  auto again = post("/register", register_body);
  BOOST_TEST(again->answers()[0].status == 201);
  BOOST_TEST(ctx.gates.users.in_flight() == 0u);
}

// A publisher of this node that sheds load (actors/load.hpp): the front
// refuses what would make it publish (register, createOrder) without asking
// it; reads of the same service, and other services, are still served.
BOOST_AUTO_TEST_CASE(a_shedding_publisher_gets_503_for_new_work_only) {
  svc.load = std::make_shared<node_load>(service_names());
  auto orders_asked = std::make_shared<size_t>(0);
  auto orders = sys.spawn(
    [asked = orders_asked](caf::event_based_actor*) -> caf::behavior {
      return {
        [asked](create_order& cmd) -> caf::result<order> {
          ++*asked;
          return order{1,
                       cmd.user,
                       cmd.item,
                       cmd.quantity,
                       money::from_cents(1),
                       order_status::pending,
                       0,
                       0};
        },
        [](atom::list) -> caf::result<std::vector<item>> {
          return std::vector<item>{};
        },
      };
    });
  svc.orders = caf::actor_cast<orders_actor>(orders);
  auto create = [&] {
    return post("/createOrder", R"({"itemId":1,"quantity":1})", {bearer_of(7)});
  };
  svc.load->of("orders")->update(true, 5000);
  auto refused = create();
  BOOST_REQUIRE_EQUAL(refused->answers().size(), 1u);
  BOOST_TEST(refused->answers()[0].status == 503);
  BOOST_TEST(contains(refused->answers()[0].body, R"("error":"overloaded")"));
  BOOST_TEST(refused->answers()[0].retry_after == 1u);
  BOOST_TEST(*orders_asked == 0u);
  BOOST_TEST(get("/items")->answers()[0].status == 200);
  BOOST_TEST(post("/register", register_body)->answers()[0].status == 201);
  svc.load->of("users")->update(true, 5000);
  BOOST_TEST(post("/register", register_body)->answers()[0].status == 503);
  BOOST_TEST(registrations->size() == 1u);
  svc.load->of("orders")->update(false, 0);
  BOOST_TEST(create()->answers()[0].status == 201);
  BOOST_TEST(*orders_asked == 1u);
  BOOST_TEST(ctx.gates.orders.in_flight() == 0u);
  caf::anon_send_exit(orders, caf::exit_reason::user_shutdown);
  sched.run();
}

BOOST_AUTO_TEST_CASE(a_balance_in_the_read_model_is_answered_without_asking) {
  auto view = std::make_shared<balance_view>();
  view->publish(7, money::from_cents(1234));
  svc.balances = view;
  auto x = get("/myBalance", "GET", {bearer_of(7)});
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 200);
  BOOST_TEST(contains(x->answers()[0].body, R"("balance":12.34)"));
  BOOST_TEST(balance_asks->empty());
  // Only the caller's own account, from the model as from Billing.
  auto other = get("/myBalance?userId=8", "GET", {bearer_of(7)});
  BOOST_TEST(other->answers()[0].status == 403);
  // An account the model does not hold yet is Billing's to answer.
  auto absent = get("/myBalance", "GET", {bearer_of(9)});
  BOOST_TEST(absent->answers()[0].status == 200);
  BOOST_TEST(contains(absent->answers()[0].body, R"("balance":0.01)"));
  BOOST_REQUIRE_EQUAL(balance_asks->size(), 1u);
  BOOST_TEST(balance_asks->front() == 9);
  // Without a model (Billing on another node), every read asks Billing.
  svc.balances = nullptr;
  auto remote = get("/myBalance", "GET", {bearer_of(7)});
  BOOST_TEST(contains(remote->answers()[0].body, R"("balance":0.01)"));
  BOOST_TEST(balance_asks->size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_operator_acts_for_a_named_user) {
  auto named
    = post("/deposit", R"({"userId":8,"sum":"5"})", {operator_bearer()});
  BOOST_TEST(named->answers()[0].status == 200);
  BOOST_REQUIRE_EQUAL(deposits->size(), 1u);
  BOOST_TEST(deposits->back().user == 8);
  auto unnamed = post("/deposit", R"({"sum":"5"})", {operator_bearer()});
  BOOST_TEST(unnamed->answers()[0].status == 400);
  BOOST_TEST(
    contains(unnamed->answers()[0].body, R"("error":"missing_field")"));
  BOOST_TEST(deposits->size() == 1u);
}

BOOST_AUTO_TEST_CASE(keys_are_scoped_by_the_caller) {
  post("/deposit", R"({"sum":"5"})", {bearer_of(7), {"Idempotency-Key", "k"}});
  post("/deposit", R"({"userId":7,"sum":"5"})",
       {operator_bearer(), {"Idempotency-Key", "k"}});
  BOOST_REQUIRE_EQUAL(deposits->size(), 2u);
  BOOST_TEST((*deposits)[0].idempotency_key == "user:7/k");
  BOOST_TEST((*deposits)[1].idempotency_key == "operator/k");
}

BOOST_AUTO_TEST_CASE(operator_routes_refuse_users_with_403) {
  auto x = get("/metrics", "GET", {bearer_of(7)});
  BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
  BOOST_TEST(x->answers()[0].status == 403);
  auto y = get("/metrics");
  BOOST_TEST(y->answers()[0].status == 401);
  auto z = get("/metrics", "GET", {operator_bearer()});
  BOOST_TEST(z->answers()[0].status == 200);
}

BOOST_AUTO_TEST_CASE(a_post_body_must_be_json_or_415) {
  for (auto type : {"text/plain", "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x", "application/jsonx"}) {
    auto x = post("/deposit", R"({"sum":"5"})",
                  {bearer_of(7), {"Content-Type", type}});
    BOOST_REQUIRE_EQUAL(x->answers().size(), 1u);
    BOOST_TEST(x->answers()[0].status == 415, type);
  }
  auto none = serve(
    std::make_shared<fake_exchange>("POST", "/deposit", R"({"sum":"5"})",
                                    fake_exchange::header_list{bearer_of(7)}));
  BOOST_TEST(none->answers()[0].status == 415);
  BOOST_TEST(deposits->empty());
  auto charset
    = post("/deposit", R"({"sum":"5"})",
           {bearer_of(7), {"Content-Type", "Application/JSON; charset=utf-8"}});
  BOOST_TEST(charset->answers()[0].status == 200);
  BOOST_TEST(deposits->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
