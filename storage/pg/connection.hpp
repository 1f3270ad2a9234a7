#pragma once

// A thin RAII layer over raw libpq, internal to storage/pg (the public header
// pg_repositories.hpp does not include it). Parameters always travel out of
// line ($1, $2, ...) in text format; the SQL casts them where the type matters
// ($1::bigint). Every failure becomes a shop::storage_error whose kind is
// decided by `classify`, the one SQLSTATE mapping of the project.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "domain/money.hpp"
#include "storage/errors.hpp"

namespace shop::pg {

/// Maps a SQLSTATE (nullptr or empty when the error did not come from the
/// server) and the health of the connection to an error kind.
storage_error::kind classify(const char* sqlstate, bool connection_ok) noexcept;

// -- parameters ---------------------------------------------------------------

/// One out-of-line parameter in text format; nullopt is SQL NULL.
using param = std::optional<std::string>;

inline param to_param(const param& x) {
  return x;
}

inline param to_param(const std::string& x) {
  return x;
}

inline param to_param(const char* x) {
  return std::string{x};
}

inline param to_param(int64_t x) {
  return std::to_string(x);
}

inline param to_param(int32_t x) {
  return std::to_string(x);
}

inline param to_param(money x) {
  return std::to_string(x.cents());
}

/// Builds one array parameter ("{"1","2"}") so that a whole batch of rows
/// travels in a single statement: `INSERT ... SELECT * FROM
/// unnest($1::bigint[], $2::text[])`. Elements are always quoted, which
/// PostgreSQL accepts for every element type.
class array {
public:
  template <class T>
  void add(const T& x) {
    add_param(to_param(x));
  }

  size_t size() const noexcept {
    return size_;
  }

  /// The array literal.
  std::string literal() const {
    return text_ + '}';
  }

private:
  void add_param(const param& x);

  std::string text_ = "{";
  size_t size_ = 0;
};

inline param to_param(const array& x) {
  return x.literal();
}

/// `bytes` as lower-case hex digits: how binary values (bytea) travel, in
/// both directions, as text: the SQL converts with decode($n, 'hex') and
/// encode(column, 'hex'), which depend on no server setting (bytea_output,
/// standard_conforming_strings) and also work inside array parameters.
std::string to_hex(const std::string& bytes);

/// The bytes that `hex` (from to_hex or encode(..., 'hex')) stands for;
/// throws storage_error(other) on anything but an even number of hex digits.
std::string from_hex(const std::string& hex);

// -- results ------------------------------------------------------------------

/// Owns a PGresult.
class result {
public:
  explicit result(PGresult* res) noexcept : res_(res) {
  }

  int rows() const noexcept {
    return PQntuples(res_.get());
  }

  bool is_null(int row, int col) const noexcept {
    return PQgetisnull(res_.get(), row, col) != 0;
  }

  std::string text(int row, int col) const {
    return PQgetvalue(res_.get(), row, col);
  }

  /// Parses a bigint/integer column; throws storage_error(other) on anything
  /// else, since that means the SQL and the code disagree.
  int64_t int64(int row, int col) const;

  int32_t int32(int row, int col) const;

  money cents(int row, int col) const {
    return money::from_cents(int64(row, col));
  }

  /// The PGresult (nullptr for a statement that yielded none).
  const PGresult* get() const noexcept {
    return res_.get();
  }

  /// One value per row: `f(row)` for row 0, 1, ...
  template <class F>
  auto map_rows(F f) const {
    std::vector<decltype(f(0))> xs;
    xs.reserve(static_cast<size_t>(rows()));
    for (int row = 0; row < rows(); ++row)
      xs.push_back(f(row));
    return xs;
  }

private:
  struct deleter {
    void operator()(PGresult* res) const noexcept {
      PQclear(res);
    }
  };

  std::unique_ptr<PGresult, deleter> res_;
};

// -- connections --------------------------------------------------------------

class connection;

/// A statement PostgreSQL must plan for its arguments at every execution
/// (pipeline::exec). Every other statement is planned once per connection
/// (a generic plan, replanned when ANALYZE changes the statistics): planning
/// an INSERT ... SELECT FROM unnest() of a batch cost about a fifth of the
/// server's CPU. The batched UPDATEs keep custom plans: their generic plan,
/// made while a table is still small and not yet analyzed, joins by a
/// sequential scan and keeps doing so until autovacuum's next ANALYZE.
struct custom_plan {
  const char* sql;
};

/// The statements of one pipelined transaction (connection::pipelined):
/// exec() only queues a statement; its result is checked when the
/// transaction commits (or at the next query()). All of them, the BEGIN and
/// the COMMIT travel to PostgreSQL at once and come back at once: one round
/// trip instead of one per statement.
class pipeline {
public:
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// Queues one statement with out-of-line parameters; a failure surfaces
  /// (as storage_error) when the pipeline is synchronized.
  template <class... Ts>
  void exec(const char* sql, const Ts&... xs) {
    send(sql, std::vector<param>{to_param(xs)...});
  }

  /// Queues a statement planned for its arguments (custom_plan).
  template <class... Ts>
  void exec(custom_plan stmt, const Ts&... xs) {
    send(force_custom_plan_sql, {});
    send(stmt.sql, std::vector<param>{to_param(xs)...});
    send(force_generic_plan_sql, {});
  }

  static constexpr const char* force_custom_plan_sql
    = "SET plan_cache_mode = force_custom_plan";

  static constexpr const char* force_generic_plan_sql
    = "SET plan_cache_mode = force_generic_plan";

  /// Queues one statement and waits for its result (and those of every
  /// statement queued before it): a round trip inside the transaction, for
  /// the rare statement whose result decides whether the transaction may
  /// commit.
  template <class... Ts>
  result query(const char* sql, const Ts&... xs) {
    send(sql, std::vector<param>{to_param(xs)...});
    return sync();
  }

private:
  friend class connection;

  explicit pipeline(connection& conn) noexcept : conn_(conn) {
  }

  void send(const char* sql, const std::vector<param>& params);

  result sync();

  connection& conn_;
};

/// Owns a PGconn. Not thread-safe: one user at a time (each service actor
/// owns its repository and thus its connection).
class connection {
public:
  /// Connects; throws storage_error(connection_lost) when the server cannot
  /// be reached and storage_error(other) for a malformed conninfo. `conninfo`
  /// is anything PQconnectdb accepts (key=value or a postgresql:// URL).
  explicit connection(const std::string& conninfo);

  /// Runs one statement with out-of-line parameters.
  template <class... Ts>
  result exec(const char* sql, const Ts&... xs) {
    return exec_params(sql, std::vector<param>{to_param(xs)...});
  }

  /// Runs one statement with out-of-line parameters. Each distinct
  /// statement is prepared on its first use on this connection and executed
  /// as a prepared statement from then on: PostgreSQL parses and plans it
  /// once per connection instead of once per call.
  result exec_params(const char* sql, const std::vector<param>& params);

  /// Runs a parameterless script that may hold several statements (the
  /// schema files).
  void exec_script(const char* sql);

  /// Runs `f` between BEGIN and COMMIT; rolls back and rethrows if `f` or the
  /// COMMIT throws.
  template <class F>
  void transaction(F&& f) {
    exec("BEGIN");
    try {
      f();
      exec("COMMIT");
    } catch (...) {
      rollback_noexcept();
      throw;
    }
  }

  /// Runs `f(pipeline&)` between BEGIN and COMMIT in libpq's pipeline mode:
  /// the statements `f` queues, the BEGIN and the COMMIT go out together and
  /// their results come back together (one round trip and one wake-up of
  /// each side instead of one per statement). Rolls back and rethrows if a
  /// statement, `f` or the COMMIT fails; nothing is committed then.
  template <class F>
  void pipelined(F&& f) {
    enter_pipeline();
    pipeline p{*this};
    try {
      p.exec("BEGIN");
      f(p);
      p.exec("COMMIT");
      p.sync();
    } catch (...) {
      abort_pipeline_noexcept();
      throw;
    }
    leave_pipeline();
  }

  /// Whether libpq still considers the connection usable.
  bool ok() const noexcept {
    return PQstatus(conn_.get()) == CONNECTION_OK;
  }

  /// The process id of the server backend (for fault tests).
  int backend_pid() const noexcept {
    return PQbackendPID(conn_.get());
  }

private:
  friend class pipeline;

  /// A command sent in pipeline mode whose result has not been read yet.
  struct pending {
    const char* sql;
    /// Non-empty for a PQsendPrepare: the statement's name, remembered as
    /// prepared once the server confirmed it.
    std::string prepare;
  };

  void enter_pipeline();

  void leave_pipeline();

  /// Reads what is pending after a failure and leaves pipeline mode; the
  /// connection is then either dead or out of pipeline mode.
  void abort_pipeline_noexcept() noexcept;

  /// Queues `sql` (preparing it first if this connection has not yet).
  void send(const char* sql, const std::vector<param>& params);

  /// Sends a sync point and reads every pending result up to it; returns
  /// the last statement's result, throws the first failure.
  result sync();

  /// Throws the storage_error for a failed `res` (which may be nullptr).
  [[noreturn]] void fail(const PGresult* res, const char* sql) const;

  /// Checks the status of `res`, throwing on failure.
  result check(PGresult* res, const char* sql) const;

  void rollback_noexcept() noexcept;

  /// The name of `sql`'s prepared statement; prepares it on first use.
  const std::string& prepared(const char* sql, int params);

  struct deleter {
    void operator()(PGconn* conn) const noexcept {
      PQfinish(conn);
    }
  };

  std::unique_ptr<PGconn, deleter> conn_;
  /// Statement text -> prepared statement name (not transactional: a
  /// prepared statement outlives a rolled back transaction).
  std::unordered_map<std::string, std::string> prepared_;
  /// Statement names sent for preparation in the current pipeline (not in
  /// `prepared_` until confirmed), by statement text.
  std::unordered_map<std::string, std::string> preparing_;
  std::vector<pending> pending_;
};

inline void pipeline::send(const char* sql, const std::vector<param>& params) {
  conn_.send(sql, params);
}

inline result pipeline::sync() {
  return conn_.sync();
}

// -- schemas ------------------------------------------------------------------

/// Whether `name` is one of the four service schemas (users, billing, orders,
/// notifications): the only names ever put into SQL text.
bool is_service_schema(const std::string& name) noexcept;

/// `sql` with every "{schema}" replaced by `schema`, which must be a service
/// schema (else storage_error(other)). For the tables every schema has
/// (storage/sql/reliability.sql): one SQL text, four schemas.
std::string with_schema(const char* sql, const std::string& schema);

/// Applies storage/sql/reliability.sql for schema `name` and then
/// storage/sql/<name>.sql (both embedded; the latter defines `name`.events
/// over the former's outbox) in one transaction, under a
/// transaction-scoped advisory lock shared by all schemas, so that services
/// starting at once do not race on CREATE SCHEMA IF NOT EXISTS. `name` must be
/// a service schema.
void apply_schema(connection& conn, const char* name);

/// Connects and applies the schema `name`: what every repository factory does.
connection open_service(const std::string& conninfo, const char* name);

} // namespace shop::pg
