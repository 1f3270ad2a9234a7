#pragma once

// The reliable_repository part of the four PostgreSQL repositories, written
// once: the outbox, subscriber cursors, inbox marks and idempotency keys of
// one service schema (storage/sql/reliability.sql). Internal to storage/pg.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/pg/connection.hpp"
#include "storage/repositories.hpp"

namespace shop::pg {

/// The events of one batch that name a record of their service
/// (outbox_record::row), for the repository that keeps them in that
/// record's row: it takes each as it writes the row, and the rest go to the
/// outbox. A service keeps the events of one topic at most in its rows, so
/// the record id alone identifies them.
class row_events {
public:
  explicit row_events(const std::vector<outbox_record>& xs);

  /// The event announcing record `row`, if the batch has one; it is then
  /// kept with that row and not written to the outbox.
  const outbox_record* take(int64_t row);

  /// Whether `x` (one of the batch's events) was taken.
  bool taken(const outbox_record& x) const noexcept {
    return x.row != 0 && taken_.count(x.seq) > 0;
  }

  /// The largest seq taken (0: none).
  int64_t max_taken_seq() const noexcept {
    return max_taken_;
  }

private:
  std::map<int64_t, const outbox_record*> by_row_;
  std::set<int64_t> taken_;
  int64_t max_taken_ = 0;
};

/// The SQL for one service schema and the code that runs it.
class reliability {
public:
  /// `schema` must be a service schema (is_service_schema); its name is put
  /// into the SQL text here, once.
  explicit reliability(const std::string& schema);

  /// Reads everything (at most `max_events` events) in one REPEATABLE READ
  /// transaction, so that the outbox, the high-water mark and the cursors
  /// agree with each other.
  reliability_snapshot load(connection& conn, size_t max_events) const;

  /// Up to `limit` events with seq > after_seq, ascending.
  std::vector<outbox_record> load_outbox(connection& conn, int64_t after_seq,
                                         size_t limit) const;

  std::optional<idempotency_record>
  find_idempotency(connection& conn, const std::string& scope,
                   const std::string& key) const;

  /// Queues `changes` in the caller's pipelined transaction, except the
  /// events in `kept` (written with their rows; only the high-water mark is
  /// raised for them). Deletions (purge, prune) run before insertions, so an
  /// expired key may be stored again in the batch that purges it;
  /// storage/memory does the same.
  void apply(pipeline& p, const reliability_changes& changes,
             const row_events& kept) const;

private:
  void insert_outbox(pipeline& p, const std::vector<outbox_record>& xs,
                     const row_events& kept) const;

  void insert_idempotency(pipeline& p,
                          const std::vector<idempotency_record>& xs) const;

  /// Upserts `marks` with `sql` (cursors or inbox: never lowered).
  void upsert_marks(pipeline& p, const std::string& sql,
                    const std::map<std::string, int64_t>& marks) const;

  std::string min_cursor_sql_;
  std::string load_outbox_sql_;
  std::string max_outbox_seq_sql_;
  std::string load_cursors_sql_;
  std::string load_inbox_sql_;
  std::string find_idempotency_sql_;
  std::string purge_idempotency_sql_;
  std::string prune_outbox_sql_;
  std::string insert_outbox_sql_;
  std::string raise_head_sql_;
  std::string upsert_cursors_sql_;
  std::string upsert_inbox_sql_;
  std::string insert_idempotency_sql_;
};

/// Base of the four PostgreSQL repositories: opens the connection (applying
/// the schema), implements reliable_repository and commits a service's batch
/// together with its reliability changes.
template <class Interface>
class repository_base : public Interface {
public:
  repository_base(const std::string& conninfo, const char* schema)
    : conn_(open_service(conninfo, schema)), reliability_(schema) {
  }

  using Interface::load_reliability;

  reliability_snapshot load_reliability(size_t max_events) override {
    return reliability_.load(conn_, max_events);
  }

  std::vector<outbox_record> load_outbox(int64_t after_seq,
                                         size_t limit) override {
    return reliability_.load_outbox(conn_, after_seq, limit);
  }

  std::optional<idempotency_record>
  find_idempotency(const std::string& scope, const std::string& key) override {
    return reliability_.find_idempotency(conn_, scope, key);
  }

  void ping() override {
    conn_.exec("SELECT 1");
  }

protected:
  connection& conn() noexcept {
    return conn_;
  }

  /// Runs `f(pipeline&, row_events&)` (which queues the service's
  /// statements, taking the events it keeps in its rows) and then queues
  /// `changes`, all in one pipelined transaction: one round trip per batch
  /// (connection::pipelined).
  template <class F>
  void commit_with(const reliability_changes& changes, F&& f) {
    conn_.pipelined([&](pipeline& p) {
      row_events events{changes.outbox};
      f(p, events);
      if (!changes.empty())
        reliability_.apply(p, changes, events);
    });
  }

private:
  connection conn_;
  reliability reliability_;
};

} // namespace shop::pg
