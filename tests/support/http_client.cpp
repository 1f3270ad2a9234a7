#include "support/http_client.hpp"

#include <csignal>
#include <ctime>
#include <optional>

#include <httplib.h>
#include <pthread.h>

namespace shop::test {

namespace {

/// Blocks SIGPIPE in the calling thread for its lifetime and discards the
/// SIGPIPEs raised meanwhile. Debian's libcpp-httplib is built with
/// CPPHTTPLIB_SEND_FLAGS 0 (no MSG_NOSIGNAL): a write to a connection the
/// server has dropped (a body over its hard cap) would otherwise kill the
/// test process. Per thread and only during a request, so neither the rest
/// of the process nor the processes it starts (which inherit ignored
/// signals) see a changed disposition.
class sigpipe_blocked {
public:
  sigpipe_blocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }

  sigpipe_blocked(const sigpipe_blocked&) = delete;
  sigpipe_blocked& operator=(const sigpipe_blocked&) = delete;

  ~sigpipe_blocked() {
    timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

private:
  sigset_t pipe_;
  sigset_t previous_;
};

} // namespace

http_response http_client::request(const std::string& method,
                                   const std::string& target,
                                   const std::string& body,
                                   const std::string& content_type,
                                   const header_list& headers) {
  // The universal client: plain for (host, port), TLS for an https URL.
  std::optional<httplib::Client> client;
  if (ca_file.empty()) {
    client.emplace(host_, port_);
  } else {
    client.emplace("https://" + host_ + ":" + std::to_string(port_));
    client->set_ca_cert_path(ca_file);
    client->enable_server_certificate_verification(true);
  }
  auto& cli = *client;
  cli.set_keep_alive(false); // "Connection: close", a new connection each time
  cli.set_url_encode(false); // the target exactly as the test wrote it
  cli.set_decompress(false); // the body exactly as the server sent it
  cli.set_follow_location(false);
  cli.set_tcp_nodelay(true);
  cli.set_connection_timeout(timeout_);
  cli.set_read_timeout(timeout_);
  cli.set_write_timeout(timeout_);

  httplib::Request req;
  req.method = method;
  req.path = target;
  // The headers the hand-written client sent; httplib adds only Accept: */*
  // and User-Agent, and a Content-Length (below).
  req.headers.emplace("Host", host_ + ":" + std::to_string(port_));
  req.headers.emplace("Connection", "close");
  if (!content_type.empty())
    req.headers.emplace("Content-Type", content_type);
  bool has_authorization = false;
  for (const auto& [name, value] : headers) {
    req.headers.emplace(name, value);
    has_authorization |= to_lower(name) == "authorization";
  }
  if (!bearer.empty() && !has_authorization)
    req.headers.emplace("Authorization", "Bearer " + bearer);
  if (!body.empty()) {
    // Through a content provider, not req.body: httplib labels a plain body
    // without a Content-Type "text/plain", and the tests send some without
    // one on purpose. It adds "Content-Length: <size>" for the provider, and
    // "Content-Length: 0" to a POST (PUT, PATCH) without a body.
    req.content_length_ = body.size();
    req.content_provider_
      = [&body](size_t offset, size_t length, httplib::DataSink& sink) {
          return sink.write(body.data() + offset, length);
        };
  }

  httplib::Response res;
  auto err = httplib::Error::Success;
  bool ok = false;
  {
    sigpipe_blocked guard;
    ok = cli.send(req, res, err);
  }
  auto request_line = method + " " + target + " HTTP/1.1";
  if (!ok)
    throw http_error{request_line.substr(0, 200) + " to " + host_ + ":"
                     + std::to_string(port_) + ": " + httplib::to_string(err)};

  http_response resp;
  resp.status = res.status;
  // Case-insensitively sorted, repeated names in arrival order: emplace
  // keeps the first value of each.
  for (const auto& [name, value] : res.headers)
    resp.headers.emplace(to_lower(name), value);
  resp.body = std::move(res.body);
  if (on_response)
    on_response(request_line, resp);
  return resp;
}

} // namespace shop::test
