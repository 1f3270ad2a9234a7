// The benchmark's HTTP baseline: a minimal RESTinio server with one I/O
// thread answering every GET with a short body, the same traits as
// actorshop's front. Usage: actorshop-hello <port>; stops on SIGTERM/SIGINT.

#include <csignal>
#include <cstdlib>
#include <iostream>

#include <restinio/all.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: actorshop-hello <port>\n";
    return 2;
  }
  auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  asio::io_context ioctx;
  auto settings = restinio::server_settings_t<restinio::default_traits_t>{}
                    .address("127.0.0.1")
                    .port(port)
                    .request_handler([](restinio::request_handle_t req) {
                      return req->create_response()
                        .append_header(restinio::http_field::content_type,
                                       "application/json")
                        .set_body(R"({"hello":"world"})")
                        .done();
                    });
  restinio::http_server_t<restinio::default_traits_t>
    server{restinio::external_io_context(ioctx), std::move(settings)};
  asio::signal_set signals{ioctx, SIGINT, SIGTERM};
  signals.async_wait([&](const asio::error_code&, int) { ioctx.stop(); });
  server.open_sync();
  std::cout << "hello listening on 127.0.0.1:" << port << std::endl;
  ioctx.run();
  return 0;
}
