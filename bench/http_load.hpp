#pragma once

// A small HTTP/1.1 load generator on standalone Asio: one thread, C
// keep-alive connections, either closed-loop (each connection sends its next
// request as soon as the previous answer arrived: the highest rate the
// server sustains) or open-loop at a fixed rate (requests are due on a
// schedule; a request waiting for a free connection counts its wait, so
// latencies are free of coordinated omission).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shop::bench {

using clock_type = std::chrono::steady_clock;

/// One request: method, target, JSON body (empty for GET) and the value of
/// its Authorization header (empty: none).
struct request {
  std::string method;
  std::string target;
  std::string body;
  std::string authorization = {};
  /// The Idempotency-Key header's value (empty: none).
  std::string idempotency_key = {};
};

/// One answer, as the load loop hands it to the caller.
struct answer {
  int status = 0;
  std::string body;
  /// Retry-After in seconds (429, 503); 0: none.
  uint32_t retry_after = 0;
  /// From the moment the request was due (open loop) or sent (closed
  /// loop) to its answer.
  clock_type::duration latency{0};
};

/// Latencies in microseconds, with percentiles.
class latencies {
public:
  void add(clock_type::duration d) {
    xs_.push_back(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  }

  void add_ms(int64_t ms) {
    xs_.push_back(ms * 1000);
  }

  size_t size() const noexcept {
    return xs_.size();
  }

  /// The q-quantile (0 < q <= 1) in milliseconds; 0 without samples.
  double quantile_ms(double q) {
    if (xs_.empty())
      return 0;
    if (!sorted_) {
      std::sort(xs_.begin(), xs_.end());
      sorted_ = true;
    }
    auto i = static_cast<size_t>(q * static_cast<double>(xs_.size() - 1) + 0.5);
    return static_cast<double>(xs_[std::min(i, xs_.size() - 1)]) / 1000.0;
  }

private:
  std::vector<int64_t> xs_;
  bool sorted_ = false;
};

struct load_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t connections = 64;
  /// Requests per second; 0 = closed loop (as fast as answers come).
  double rate = 0;
  /// Stop sending after this long (or after `max_requests`).
  std::chrono::milliseconds duration{10000};
  /// 0 = no limit.
  size_t max_requests = 0;
  /// Prints answered requests and the rate to stderr every second.
  bool progress = false;
};

struct load_result {
  size_t sent = 0;
  size_t answered = 0;
  /// Answers with a 2xx status.
  size_t ok = 0;
  /// Connection failures (each closes the connection; it reconnects).
  size_t connection_errors = 0;
  double seconds = 0;
  latencies latency;
  /// The latencies of the answers of each second since the start, for the
  /// benchmark's picture.
  std::vector<latencies> per_second;

  double per_s() const {
    return seconds > 0 ? static_cast<double>(answered) / seconds : 0;
  }
};

/// `next(i)` builds the i-th request; `done(i, answer)` sees its answer.
using next_fn = std::function<request(size_t)>;
using done_fn = std::function<void(size_t, const answer&)>;

/// Runs the load; returns when every sent request is answered (or failed).
load_result run_load(const load_options& opts, next_fn next, done_fn done);

} // namespace shop::bench
