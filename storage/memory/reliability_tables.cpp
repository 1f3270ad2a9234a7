#include "storage/memory/reliability_tables.hpp"

#include <algorithm>
#include <set>

#include "storage/errors.hpp"

namespace shop::memory {

namespace {

[[noreturn]] void reject(storage_error::kind k, const std::string& what) {
  throw storage_error(k, "", "storage: " + what);
}

/// Whether `x` survives the purge of `changes` (at < purge_before goes).
bool survives_purge(const idempotency_record& x,
                    const reliability_changes& changes) {
  return changes.purge_idempotency_before == 0
         || x.at >= changes.purge_idempotency_before;
}

/// Whether the event `seq` survives the prune of `changes`.
bool survives_prune(int64_t seq, const reliability_changes& changes) {
  return changes.prune_outbox_through == 0 || seq <= changes.prune_outbox_after
         || seq > changes.prune_outbox_through;
}

void check_marks(const std::map<std::string, int64_t>& marks,
                 const char* what) {
  for (auto& [name, seq] : marks)
    if (seq < 0)
      reject(storage_error::kind::constraint_violation,
             std::string{"negative "} + what + " of " + name);
}

/// Upserts `marks` into `table`, never lowering a stored mark.
void raise_marks(std::map<std::string, int64_t>& table,
                 const std::map<std::string, int64_t>& marks) {
  for (auto& [name, seq] : marks) {
    auto [i, added] = table.emplace(name, seq);
    if (!added)
      i->second = std::max(i->second, seq);
  }
}

} // namespace

void check(const reliability_tables& t, const reliability_changes& changes) {
  std::set<int64_t> seqs;
  for (auto& x : changes.outbox) {
    if (x.seq <= 0)
      reject(storage_error::kind::constraint_violation,
             "outbox seq " + std::to_string(x.seq) + " is not positive");
    auto stored = t.outbox.count(x.seq) > 0 && survives_prune(x.seq, changes);
    if (stored || !seqs.insert(x.seq).second)
      reject(storage_error::kind::unique_violation,
             "duplicate outbox seq " + std::to_string(x.seq));
  }
  check_marks(changes.cursors, "cursor");
  check_marks(changes.inbox, "inbox mark");
  std::set<std::pair<std::string, std::string>> keys;
  for (auto& x : changes.idempotency) {
    auto id = std::make_pair(x.scope, x.key);
    auto i = t.idempotency.find(id);
    auto stored = i != t.idempotency.end()
                  && survives_purge(i->second, changes);
    if (stored || !keys.insert(id).second)
      reject(storage_error::kind::unique_violation,
             "duplicate idempotency key " + x.key + " in scope " + x.scope);
  }
}

void apply(reliability_tables& t, const reliability_changes& changes) {
  if (changes.purge_idempotency_before != 0)
    for (auto i = t.idempotency.begin(); i != t.idempotency.end();)
      i = survives_purge(i->second, changes) ? std::next(i)
                                             : t.idempotency.erase(i);
  if (changes.prune_outbox_through != 0)
    t.outbox.erase(t.outbox.upper_bound(changes.prune_outbox_after),
                   t.outbox.upper_bound(changes.prune_outbox_through));
  for (auto& x : changes.outbox) {
    t.outbox.emplace(x.seq, x);
    t.max_outbox_seq = std::max(t.max_outbox_seq, x.seq);
  }
  raise_marks(t.cursors, changes.cursors);
  raise_marks(t.inbox, changes.inbox);
  for (auto& x : changes.idempotency)
    t.idempotency.emplace(std::make_pair(x.scope, x.key), x);
}

std::vector<outbox_record> events_after(const reliability_tables& t,
                                        int64_t after_seq, size_t limit) {
  std::vector<outbox_record> result;
  for (auto i = t.outbox.upper_bound(after_seq);
       i != t.outbox.end() && result.size() < limit; ++i)
    result.push_back(i->second);
  return result;
}

reliability_snapshot snapshot(const reliability_tables& t, size_t max_events) {
  reliability_snapshot result;
  int64_t acked_by_all = 0;
  if (!t.cursors.empty())
    acked_by_all
      = std::min_element(t.cursors.begin(), t.cursors.end(),
                         [](auto& x, auto& y) { return x.second < y.second; })
          ->second;
  result.outbox = events_after(t, acked_by_all, max_events);
  result.max_outbox_seq = t.max_outbox_seq;
  result.cursors = t.cursors;
  result.inbox = t.inbox;
  return result;
}

std::optional<idempotency_record> find_idempotency(const reliability_tables& t,
                                                   const std::string& scope,
                                                   const std::string& key) {
  if (auto i = t.idempotency.find({scope, key}); i != t.idempotency.end())
    return i->second;
  return std::nullopt;
}

} // namespace shop::memory
