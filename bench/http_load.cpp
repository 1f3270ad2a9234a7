#include "bench/http_load.hpp"

#include <cstdio>
#include <deque>
#include <memory>
#include <string_view>

#include <asio.hpp>

#include "common/text.hpp"

namespace shop::bench {

namespace {

using asio::ip::tcp;

class engine {
public:
  engine(const load_options& opts, next_fn next, done_fn done)
    : opts_(opts), next_(std::move(next)), done_(std::move(done)),
      endpoint_(asio::ip::make_address(opts.host), opts.port), tick_(io_),
      report_(io_) {
  }

  load_result run() {
    start_ = clock_type::now();
    end_at_ = start_ + opts_.duration;
    for (size_t i = 0; i < opts_.connections; ++i) {
      conns_.push_back(std::make_unique<conn>(io_));
      connect(*conns_.back());
    }
    if (opts_.rate > 0)
      schedule_tick();
    if (opts_.progress)
      schedule_report(0);
    io_.run();
    result_.seconds
      = std::chrono::duration<double>(last_answer_ - start_).count();
    return std::move(result_);
  }

private:
  struct conn {
    explicit conn(asio::io_context& io) : sock(io) {
    }
    tcp::socket sock;
    std::string out;
    asio::streambuf in;
    bool connected = false;
    bool busy = false;
    size_t index = 0;
    clock_type::time_point started;
  };

  /// Whether new requests may still start.
  bool sending() const {
    if (opts_.max_requests != 0 && next_index_ >= opts_.max_requests)
      return false;
    return clock_type::now() < end_at_;
  }

  void connect(conn& c) {
    c.sock.async_connect(endpoint_, [this, &c](const asio::error_code& ec) {
      if (ec) {
        ++result_.connection_errors;
        c.sock.close();
        if (sending())
          connect(c);
        else
          maybe_finish();
        return;
      }
      c.sock.set_option(tcp::no_delay{true});
      c.connected = true;
      dispatch(c);
    });
  }

  /// Gives an idle connection its next request, if there is one.
  void dispatch(conn& c) {
    if (c.busy || !c.connected) {
      return;
    }
    if (opts_.rate > 0) {
      if (backlog_.empty()) {
        maybe_finish();
        return;
      }
      auto [index, due] = backlog_.front();
      backlog_.pop_front();
      send(c, index, due);
      return;
    }
    if (!sending()) {
      maybe_finish();
      return;
    }
    send(c, next_index_++, clock_type::now());
  }

  void send(conn& c, size_t index, clock_type::time_point started) {
    c.busy = true;
    c.index = index;
    c.started = started;
    auto req = next_(index);
    c.out.clear();
    c.out += req.method;
    c.out += ' ';
    c.out += req.target;
    c.out += " HTTP/1.1\r\nHost: bench\r\n";
    if (!req.authorization.empty()) {
      c.out += "Authorization: ";
      c.out += req.authorization;
      c.out += "\r\n";
    }
    if (!req.idempotency_key.empty()) {
      c.out += "Idempotency-Key: ";
      c.out += req.idempotency_key;
      c.out += "\r\n";
    }
    if (!req.body.empty()) {
      c.out += "Content-Type: application/json\r\nContent-Length: ";
      c.out += std::to_string(req.body.size());
      c.out += "\r\n";
    }
    c.out += "\r\n";
    c.out += req.body;
    ++result_.sent;
    asio::async_write(c.sock, asio::buffer(c.out),
                      [this, &c](const asio::error_code& ec, size_t) {
                        if (ec)
                          return fail(c);
                        read_head(c);
                      });
  }

  void read_head(conn& c) {
    asio::async_read_until(
      c.sock, c.in, "\r\n\r\n",
      [this, &c](const asio::error_code& ec, size_t head_size) {
        if (ec)
          return fail(c);
        std::string head(asio::buffers_begin(c.in.data()),
                         asio::buffers_begin(c.in.data()) + head_size);
        c.in.consume(head_size);
        answer a;
        if (head.size() > 12)
          a.status = std::atoi(head.c_str() + 9);
        size_t length = 0;
        size_t pos = 0;
        while (pos < head.size()) {
          auto eol = head.find("\r\n", pos);
          if (eol == std::string::npos)
            break;
          std::string_view line{head.data() + pos, eol - pos};
          if (text::istarts_with_ascii(line, "content-length:"))
            length
              = std::strtoul(std::string{line.substr(15)}.c_str(), nullptr, 10);
          else if (text::istarts_with_ascii(line, "retry-after:"))
            a.retry_after = static_cast<uint32_t>(
              std::strtoul(std::string{line.substr(12)}.c_str(), nullptr, 10));
          pos = eol + 2;
        }
        read_body(c, std::move(a), length);
      });
  }

  void read_body(conn& c, answer a, size_t length) {
    auto have = c.in.size();
    auto complete = [this, &c, length](answer a) {
      a.body.assign(asio::buffers_begin(c.in.data()),
                    asio::buffers_begin(c.in.data()) + length);
      c.in.consume(length);
      answered(c, a);
    };
    if (have >= length)
      return complete(std::move(a));
    asio::async_read(c.sock, c.in, asio::transfer_exactly(length - have),
                     [this, &c, a = std::move(a),
                      complete](const asio::error_code& ec, size_t) mutable {
                       if (ec)
                         return fail(c);
                       complete(std::move(a));
                     });
  }

  void answered(conn& c, answer& a) {
    auto now = clock_type::now();
    a.latency = now - c.started;
    last_answer_ = now;
    ++result_.answered;
    if (a.status >= 200 && a.status < 300)
      ++result_.ok;
    result_.latency.add(now - c.started);
    auto second = static_cast<size_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - start_).count());
    if (result_.per_second.size() <= second)
      result_.per_second.resize(second + 1);
    result_.per_second[second].add(now - c.started);
    c.busy = false;
    done_(c.index, a);
    dispatch(c);
  }

  /// A broken connection: its request fails (status 0), it reconnects.
  void fail(conn& c) {
    ++result_.connection_errors;
    last_answer_ = clock_type::now();
    c.connected = false;
    asio::error_code ignored;
    c.sock.close(ignored);
    c.in.consume(c.in.size());
    if (c.busy) {
      c.busy = false;
      ++result_.answered;
      done_(c.index, answer{});
    }
    if (sending() || !backlog_.empty())
      connect(c);
    else
      maybe_finish();
  }

  /// Open loop: every request due by now joins the backlog.
  void schedule_tick() {
    tick_.expires_after(std::chrono::milliseconds(1));
    tick_.async_wait([this](const asio::error_code& ec) {
      if (ec)
        return;
      auto now = clock_type::now();
      auto interval = std::chrono::duration<double>(1.0 / opts_.rate);
      while (sending()) {
        auto due = start_
                   + std::chrono::duration_cast<clock_type::duration>(
                     interval * static_cast<double>(next_index_));
        if (due > now)
          break;
        backlog_.emplace_back(next_index_++, due);
      }
      for (auto& c : conns_)
        if (!backlog_.empty())
          dispatch(*c);
      if (sending())
        schedule_tick();
      else
        maybe_finish();
    });
  }

  void schedule_report(size_t answered_before) {
    report_.expires_after(std::chrono::seconds(1));
    report_.async_wait([this, answered_before](const asio::error_code& ec) {
      if (ec)
        return;
      std::fprintf(stderr, "bench:   %zu answered (%zu/s)\n", result_.answered,
                   result_.answered - answered_before);
      schedule_report(result_.answered);
    });
  }

  /// Stops once nothing is due, waiting or in flight.
  void maybe_finish() {
    if (sending() || !backlog_.empty())
      return;
    for (auto& c : conns_)
      if (c->busy)
        return;
    for (auto& c : conns_) {
      asio::error_code ignored;
      c->sock.close(ignored);
    }
    tick_.cancel();
    report_.cancel();
    io_.stop();
  }

  load_options opts_;
  next_fn next_;
  done_fn done_;
  asio::io_context io_;
  tcp::endpoint endpoint_;
  asio::steady_timer tick_;
  asio::steady_timer report_;
  std::vector<std::unique_ptr<conn>> conns_;
  std::deque<std::pair<size_t, clock_type::time_point>> backlog_;
  size_t next_index_ = 0;
  clock_type::time_point start_;
  clock_type::time_point end_at_;
  clock_type::time_point last_answer_;
  load_result result_;
};

} // namespace

load_result run_load(const load_options& opts, next_fn next, done_fn done) {
  engine e{opts, std::move(next), std::move(done)};
  return e.run();
}

} // namespace shop::bench
