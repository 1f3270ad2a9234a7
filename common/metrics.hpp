#pragma once

// Process-wide metrics in the Prometheus data model: counters, gauges and
// histograms, grouped in families (one name, one help text, one type) and
// told apart by labels. Creating a metric takes a lock; updating one is a
// relaxed atomic operation, so the hot paths (every HTTP request, every
// commit) keep a reference and never look anything up. The text exposition
// format lives in http/ (GET /metrics); this header knows no format.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace shop::metrics {

/// Label name -> value, ordered by name.
using labels = std::map<std::string, std::string>;

/// A value that only goes up.
class counter {
public:
  void inc(uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(double x) noexcept {
    value_.store(x, std::memory_order_relaxed);
  }

  double value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<double> value_{0};
};

/// Observations (in seconds) counted into fixed buckets.
class histogram {
public:
  /// Upper bounds, in seconds: 0.5 ms to 10 s, for request and commit
  /// latencies.
  static constexpr std::array<double, 14> bounds{0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025, 0.05,   0.1,
                                                 0.25,   0.5,   1,      2.5,
                                                 5,      10};

  void observe(double seconds) noexcept;

  /// Observations <= bounds[i] (not cumulative: the exposition sums).
  uint64_t bucket(size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }

  uint64_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }

  double sum() const noexcept {
    return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  }

private:
  std::array<std::atomic<uint64_t>, bounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

enum class kind { counter, gauge, histogram };

/// One family as the exposition sees it.
struct family_view {
  std::string name;
  std::string help;
  kind type = kind::counter;
  /// Exactly one of the three pointers is set per sample.
  struct sample {
    labels tags;
    const counter* c = nullptr;
    const gauge* g = nullptr;
    const histogram* h = nullptr;
  };
  std::vector<sample> samples;
};

/// Owns every metric of the process. Metrics live as long as the registry:
/// a restarted worker finds its metrics again by name and labels.
class registry {
public:
  /// The registry of this process.
  static registry& global();

  counter& get_counter(const std::string& name, const std::string& help,
                       const labels& tags = {});
  gauge& get_gauge(const std::string& name, const std::string& help,
                   const labels& tags = {});
  histogram& get_histogram(const std::string& name, const std::string& help,
                           const labels& tags = {});
  /// A counter whose value is not an integer and is set rather than added
  /// to (a total read from elsewhere, like the process' CPU seconds).
  gauge& get_float_counter(const std::string& name, const std::string& help,
                           const labels& tags = {});

  /// Runs `f` before every collect(): for values read on demand (process
  /// memory and CPU, ages computed from timestamps). A hook with the same
  /// `key` replaces the earlier one (a restarted worker registers again).
  void on_collect(const std::string& key, std::function<void()> f);

  /// Every family, ordered by name, after running the on_collect hooks.
  std::vector<family_view> collect();

private:
  struct family {
    std::string help;
    kind type = kind::counter;
    std::map<labels, std::unique_ptr<counter>> counters;
    std::map<labels, std::unique_ptr<gauge>> gauges;
    std::map<labels, std::unique_ptr<histogram>> histograms;
  };

  family& find(const std::string& name, const std::string& help, kind type);

  std::mutex mtx_;
  std::map<std::string, family> families_;
  std::map<std::string, std::function<void()>> hooks_;
};

/// User plus system CPU seconds process `pid` used so far (from
/// /proc/<pid>/stat; 0 when unreadable).
double cpu_seconds_of(long pid);

/// User plus system CPU seconds of the children of `pid` that exited and
/// were waited for (cutime and cstime of /proc/<pid>/stat; 0 when
/// unreadable): for PostgreSQL's postmaster, its finished backends.
double exited_children_cpu_seconds_of(long pid);

/// Seconds since `start` on the steady clock, for histograms.
double seconds_since(std::chrono::steady_clock::time_point start) noexcept;

} // namespace shop::metrics
