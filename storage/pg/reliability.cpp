#include "storage/pg/reliability.hpp"

#include <algorithm>
#include <limits>

namespace shop::pg {

namespace {

// {schema} is replaced by the service schema (see with_schema). Binary
// columns travel as hex text (see to_hex); times as ms since the epoch.

constexpr const char* min_cursor_sql = R"(
SELECT coalesce(min(acked_seq), 0) FROM {schema}.outbox_cursors)";

// $1 the smallest cursor (or the last event a relay holds), $2 how many.
// From the view of all the service's events (its outbox and the events kept
// in its own rows; storage/sql/<schema>.sql): a parameter, not a subquery,
// so that PostgreSQL pushes the condition into each part of the view.
constexpr const char* load_outbox_sql = R"(
SELECT seq, topic, encode(payload, 'hex'),
       (extract(epoch FROM at) * 1000)::bigint
FROM {schema}.events WHERE seq > $1::bigint ORDER BY seq LIMIT $2::bigint)";

// outbox_head remembers the largest seq once its event is pruned; max(seq)
// covers events written before the head row existed (none so far, but it
// costs nothing to be safe). GREATEST ignores NULLs.
constexpr const char* max_outbox_seq_sql = R"(
SELECT greatest((SELECT max(max_seq) FROM {schema}.outbox_head),
                (SELECT max(seq) FROM {schema}.outbox), 0))";

constexpr const char* load_cursors_sql = R"(
SELECT subscriber, acked_seq FROM {schema}.outbox_cursors)";

constexpr const char* load_inbox_sql = R"(
SELECT topic, applied_seq FROM {schema}.inbox)";

// $1 scope, $2 key.
constexpr const char* find_idempotency_sql = R"(
SELECT encode(request, 'hex'), encode(reply, 'hex'),
       (extract(epoch FROM at) * 1000)::bigint
FROM {schema}.idempotency_keys WHERE scope = $1 AND key = $2)";

constexpr const char* repeatable_read_sql
  = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

// $1 time (ms since the epoch); the same conversion as on insertion, so that
// a record stored at exactly $1 is kept.
constexpr const char* purge_idempotency_sql = R"(
DELETE FROM {schema}.idempotency_keys
WHERE at < to_timestamp($1::bigint / 1000.0))";

// $1 the previous prune point, $2 the last seq every subscriber
// acknowledged.
constexpr const char* prune_outbox_sql = R"(
DELETE FROM {schema}.outbox WHERE seq > $1::bigint AND seq <= $2::bigint)";

// $1 seqs, $2 topics, $3 payloads (hex), $4 times. Also raises the
// high-water mark, in the same statement.
constexpr const char* insert_outbox_sql = R"(
WITH inserted AS (
  INSERT INTO {schema}.outbox (seq, topic, payload, at)
  SELECT seq, topic, decode(payload, 'hex'), to_timestamp(at_ms / 1000.0)
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])
    AS t(seq, topic, payload, at_ms)
  RETURNING seq)
INSERT INTO {schema}.outbox_head AS h (singleton, max_seq)
SELECT true, max(seq) FROM inserted
ON CONFLICT (singleton) DO UPDATE
SET max_seq = greatest(h.max_seq, excluded.max_seq))";

// $1 the largest seq of the events kept in the service's rows.
constexpr const char* raise_head_sql = R"(
INSERT INTO {schema}.outbox_head AS h (singleton, max_seq)
VALUES (true, $1::bigint)
ON CONFLICT (singleton) DO UPDATE
SET max_seq = greatest(h.max_seq, excluded.max_seq))";

// $1 subscribers, $2 acknowledged seqs (each subscriber at most once).
constexpr const char* upsert_cursors_sql = R"(
INSERT INTO {schema}.outbox_cursors AS c (subscriber, acked_seq)
SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (subscriber) DO UPDATE
SET acked_seq = greatest(c.acked_seq, excluded.acked_seq))";

// $1 topics, $2 applied seqs (each topic at most once).
constexpr const char* upsert_inbox_sql = R"(
INSERT INTO {schema}.inbox AS i (topic, applied_seq)
SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (topic) DO UPDATE
SET applied_seq = greatest(i.applied_seq, excluded.applied_seq))";

// $1 scopes, $2 keys, $3 requests (hex), $4 replies (hex), $5 times. No ON
// CONFLICT: a key that exists is a unique violation and fails the batch.
constexpr const char* insert_idempotency_sql = R"(
INSERT INTO {schema}.idempotency_keys (scope, key, request, reply, at)
SELECT scope, key, decode(request, 'hex'), decode(reply, 'hex'),
       to_timestamp(at_ms / 1000.0)
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
  AS t(scope, key, request, reply, at_ms))";

std::map<std::string, int64_t> to_marks(const result& res) {
  std::map<std::string, int64_t> marks;
  for (int row = 0; row < res.rows(); ++row)
    marks.emplace(res.text(row, 0), res.int64(row, 1));
  return marks;
}

} // namespace

row_events::row_events(const std::vector<outbox_record>& xs) {
  for (auto& x : xs)
    if (x.row != 0)
      by_row_.emplace(x.row, &x);
}

const outbox_record* row_events::take(int64_t row) {
  auto i = by_row_.find(row);
  if (i == by_row_.end())
    return nullptr;
  auto* x = i->second;
  taken_.insert(x->seq);
  max_taken_ = std::max(max_taken_, x->seq);
  return x;
}

reliability::reliability(const std::string& schema)
  : min_cursor_sql_(with_schema(min_cursor_sql, schema)),
    load_outbox_sql_(with_schema(load_outbox_sql, schema)),
    max_outbox_seq_sql_(with_schema(max_outbox_seq_sql, schema)),
    load_cursors_sql_(with_schema(load_cursors_sql, schema)),
    load_inbox_sql_(with_schema(load_inbox_sql, schema)),
    find_idempotency_sql_(with_schema(find_idempotency_sql, schema)),
    purge_idempotency_sql_(with_schema(purge_idempotency_sql, schema)),
    prune_outbox_sql_(with_schema(prune_outbox_sql, schema)),
    insert_outbox_sql_(with_schema(insert_outbox_sql, schema)),
    raise_head_sql_(with_schema(raise_head_sql, schema)),
    upsert_cursors_sql_(with_schema(upsert_cursors_sql, schema)),
    upsert_inbox_sql_(with_schema(upsert_inbox_sql, schema)),
    insert_idempotency_sql_(with_schema(insert_idempotency_sql, schema)) {
}

namespace {

/// A LIMIT for PostgreSQL's bigint.
int64_t as_limit(size_t n) {
  return static_cast<int64_t>(
    std::min<size_t>(n, std::numeric_limits<int64_t>::max()));
}

} // namespace

std::vector<outbox_record> reliability::load_outbox(connection& conn,
                                                    int64_t after_seq,
                                                    size_t limit) const {
  // Planned for its arguments (see pg::custom_plan): a generic plan cannot
  // know that `seq > $1` leaves only the newest rows, and would scan every
  // order's row for each page instead of the BRIN index's last ranges.
  conn.exec(pipeline::force_custom_plan_sql);
  auto res = conn.exec(load_outbox_sql_.c_str(), after_seq, as_limit(limit));
  conn.exec(pipeline::force_generic_plan_sql);
  return res.map_rows([&](int row) {
    outbox_record x;
    x.seq = res.int64(row, 0);
    x.topic = res.text(row, 1);
    x.payload = from_hex(res.text(row, 2));
    x.at = res.int64(row, 3);
    return x;
  });
}

reliability_snapshot reliability::load(connection& conn,
                                       size_t max_events) const {
  reliability_snapshot snapshot;
  conn.transaction([&] {
    conn.exec(repeatable_read_sql);
    auto low = conn.exec(min_cursor_sql_.c_str()).int64(0, 0);
    snapshot.outbox = load_outbox(conn, low, max_events);
    snapshot.max_outbox_seq
      = conn.exec(max_outbox_seq_sql_.c_str()).int64(0, 0);
    snapshot.cursors = to_marks(conn.exec(load_cursors_sql_.c_str()));
    snapshot.inbox = to_marks(conn.exec(load_inbox_sql_.c_str()));
  });
  return snapshot;
}

std::optional<idempotency_record>
reliability::find_idempotency(connection& conn, const std::string& scope,
                              const std::string& key) const {
  auto res = conn.exec(find_idempotency_sql_.c_str(), scope, key);
  if (res.rows() == 0)
    return std::nullopt;
  idempotency_record x;
  x.scope = scope;
  x.key = key;
  x.request = from_hex(res.text(0, 0));
  x.reply = from_hex(res.text(0, 1));
  x.at = res.int64(0, 2);
  return x;
}

void reliability::apply(pipeline& p, const reliability_changes& changes,
                        const row_events& kept) const {
  if (changes.purge_idempotency_before != 0)
    p.exec(purge_idempotency_sql_.c_str(), changes.purge_idempotency_before);
  if (changes.prune_outbox_through != 0)
    p.exec(prune_outbox_sql_.c_str(), changes.prune_outbox_after,
           changes.prune_outbox_through);
  if (!changes.outbox.empty())
    insert_outbox(p, changes.outbox, kept);
  if (kept.max_taken_seq() != 0)
    p.exec(raise_head_sql_.c_str(), kept.max_taken_seq());
  if (!changes.cursors.empty())
    upsert_marks(p, upsert_cursors_sql_, changes.cursors);
  if (!changes.inbox.empty())
    upsert_marks(p, upsert_inbox_sql_, changes.inbox);
  if (!changes.idempotency.empty())
    insert_idempotency(p, changes.idempotency);
}

void reliability::insert_outbox(pipeline& p,
                                const std::vector<outbox_record>& xs,
                                const row_events& kept) const {
  array seqs, topics, payloads, times;
  for (auto& x : xs) {
    if (kept.taken(x))
      continue;
    seqs.add(x.seq);
    topics.add(x.topic);
    payloads.add(to_hex(x.payload));
    times.add(x.at);
  }
  if (seqs.size() > 0)
    p.exec(insert_outbox_sql_.c_str(), seqs, topics, payloads, times);
}

void reliability::insert_idempotency(
  pipeline& p, const std::vector<idempotency_record>& xs) const {
  array scopes, keys, requests, replies, times;
  for (auto& x : xs) {
    scopes.add(x.scope);
    keys.add(x.key);
    requests.add(to_hex(x.request));
    replies.add(to_hex(x.reply));
    times.add(x.at);
  }
  p.exec(insert_idempotency_sql_.c_str(), scopes, keys, requests, replies,
         times);
}

void reliability::upsert_marks(
  pipeline& p, const std::string& sql,
  const std::map<std::string, int64_t>& marks) const {
  array names, seqs;
  for (auto& [name, seq] : marks) {
    names.add(name);
    seqs.add(seq);
  }
  p.exec(sql.c_str(), names, seqs);
}

} // namespace shop::pg
