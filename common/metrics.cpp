#include "common/metrics.hpp"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace shop::metrics {

namespace {

/// Resident memory and CPU time of this process, from /proc/self.
void collect_process(gauge& rss, gauge& cpu) {
  {
    std::ifstream in{"/proc/self/statm"};
    long pages_total = 0;
    long pages_resident = 0;
    if (in >> pages_total >> pages_resident)
      rss.set(static_cast<double>(pages_resident)
              * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  cpu.set(cpu_seconds_of(getpid()));
}

} // namespace

void histogram::observe(double seconds) noexcept {
  for (size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  count_.fetch_add(1, std::memory_order_relaxed);
  if (seconds > 0)
    sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9),
                      std::memory_order_relaxed);
}

registry& registry::global() {
  static registry* instance = [] {
    auto* r = new registry; // never destroyed: metrics outlive every actor
    auto& rss = r->get_gauge("process_resident_memory_bytes",
                             "Resident memory size in bytes.");
    // Set from /proc on every scrape.
    auto& cpu = r->get_float_counter("process_cpu_seconds_total",
                                     "Total user and system CPU time spent in "
                                     "seconds.");
    r->on_collect("process", [&rss, &cpu] { collect_process(rss, cpu); });
    auto& start = r->get_gauge("process_start_time_seconds",
                               "Start time of the process since the Unix "
                               "epoch in seconds.");
    start.set(std::chrono::duration<double>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
    return r;
  }();
  return *instance;
}

registry::family& registry::find(const std::string& name,
                                 const std::string& help, kind type) {
  auto [i, added] = families_.try_emplace(name);
  if (added) {
    i->second.help = help;
    i->second.type = type;
  } else if (i->second.type != type) {
    throw std::logic_error("metric " + name + " registered with two types");
  }
  return i->second;
}

namespace {

/// The metric stored under `tags`, made on first use.
template <class T>
T& slot_of(std::map<labels, std::unique_ptr<T>>& slots, const labels& tags) {
  auto& slot = slots[tags];
  if (!slot)
    slot = std::make_unique<T>();
  return *slot;
}

} // namespace

counter& registry::get_counter(const std::string& name, const std::string& help,
                               const labels& tags) {
  std::lock_guard<std::mutex> guard{mtx_};
  return slot_of(find(name, help, kind::counter).counters, tags);
}

gauge& registry::get_gauge(const std::string& name, const std::string& help,
                           const labels& tags) {
  std::lock_guard<std::mutex> guard{mtx_};
  return slot_of(find(name, help, kind::gauge).gauges, tags);
}

histogram& registry::get_histogram(const std::string& name,
                                   const std::string& help,
                                   const labels& tags) {
  std::lock_guard<std::mutex> guard{mtx_};
  return slot_of(find(name, help, kind::histogram).histograms, tags);
}

gauge& registry::get_float_counter(const std::string& name,
                                   const std::string& help,
                                   const labels& tags) {
  std::lock_guard<std::mutex> guard{mtx_};
  return slot_of(find(name, help, kind::counter).gauges, tags);
}

void registry::on_collect(const std::string& key, std::function<void()> f) {
  std::lock_guard<std::mutex> guard{mtx_};
  hooks_[key] = std::move(f);
}

std::vector<family_view> registry::collect() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [key, f] : hooks_)
      hooks.push_back(f);
  }
  for (auto& f : hooks)
    f();
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<family_view> result;
  result.reserve(families_.size());
  for (auto& [name, fam] : families_) {
    family_view view;
    view.name = name;
    view.help = fam.help;
    view.type = fam.type;
    for (auto& [tags, c] : fam.counters)
      view.samples.push_back({tags, c.get(), nullptr, nullptr});
    for (auto& [tags, g] : fam.gauges)
      view.samples.push_back({tags, nullptr, g.get(), nullptr});
    for (auto& [tags, h] : fam.histograms)
      view.samples.push_back({tags, nullptr, nullptr, h.get()});
    result.push_back(std::move(view));
  }
  return result;
}

namespace {

/// The sum of fields `first` to `last` of /proc/<pid>/stat (numbered as in
/// proc(5): the state is field 3, the first after the command's ')'), in
/// seconds; 0 when unreadable.
double stat_seconds(long pid, int first, int last) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 > text.size())
    return 0;
  std::istringstream rest{text.substr(paren + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= last && rest >> field; ++i)
    if (i >= first)
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace

double cpu_seconds_of(long pid) {
  // utime and stime.
  return stat_seconds(pid, 14, 15);
}

double exited_children_cpu_seconds_of(long pid) {
  // cutime and cstime.
  return stat_seconds(pid, 16, 17);
}

double seconds_since(std::chrono::steady_clock::time_point start) noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
    .count();
}

} // namespace shop::metrics
