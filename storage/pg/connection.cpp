#include "storage/pg/connection.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/text.hpp"
#include "storage/schema.hpp"

namespace shop::pg {

namespace {

/// Serializes schema changes of all services of one database. The value is
/// arbitrary ("actorsho" in ASCII); it only has to be the same everywhere.
constexpr const char* schema_lock_key = "7017580666383722607";

constexpr const char* schema_lock_sql
  = "SELECT pg_advisory_xact_lock($1::bigint)";

/// Keeps the "already exists, skipping" notices of the idempotent schema out
/// of stderr.
constexpr const char* quiet_notices_sql
  = "SET LOCAL client_min_messages = warning";

/// Drops a trailing newline from libpq's messages.
std::string trimmed(const char* msg) {
  std::string str = msg != nullptr ? msg : "";
  while (!str.empty() && (str.back() == '\n' || str.back() == ' '))
    str.pop_back();
  return str;
}

/// The first line of a SQL statement, to say which one failed.
std::string first_line(const char* sql) {
  std::string str = sql;
  if (auto pos = str.find('\n'); pos != std::string::npos)
    str.erase(pos);
  constexpr size_t max_len = 80;
  if (str.size() > max_len)
    str = str.substr(0, max_len) + "...";
  return str;
}

} // namespace

storage_error::kind classify(const char* sqlstate,
                             bool connection_ok) noexcept {
  using kind = storage_error::kind;
  if (!connection_ok)
    return kind::connection_lost;
  if (sqlstate == nullptr || *sqlstate == '\0')
    return kind::other;
  auto is
    = [sqlstate](const char* code) { return std::strcmp(sqlstate, code) == 0; };
  // Class 08: connection exception. 57P01-57P03: the server is shutting down
  // or not accepting connections yet; the connection is gone either way.
  if (std::strncmp(sqlstate, "08", 2) == 0 || is("57P01") || is("57P02")
      || is("57P03"))
    return kind::connection_lost;
  if (is("23505"))
    return kind::unique_violation;
  if (is("40001") || is("40P01"))
    return kind::serialization_failure;
  if (is("23514") || is("23503") || is("23502"))
    return kind::constraint_violation;
  return kind::other;
}

// -- array --------------------------------------------------------------------

void array::add_param(const param& x) {
  if (size_++ > 0)
    text_ += ',';
  if (!x) {
    text_ += "NULL";
    return;
  }
  text_ += '"';
  for (char c : *x) {
    if (c == '"' || c == '\\')
      text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

// -- hex ----------------------------------------------------------------------

std::string to_hex(const std::string& bytes) {
  constexpr const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    hex += digits[byte >> 4];
    hex += digits[byte & 0x0f];
  }
  return hex;
}

std::string from_hex(const std::string& hex) {
  auto value = [&hex](char c) -> int {
    if (auto v = text::hex_digit_value(c); v >= 0)
      return v;
    throw storage_error(storage_error::kind::other, "",
                        "storage: invalid hex string '" + hex + "'");
  };
  if (hex.size() % 2 != 0)
    throw storage_error(storage_error::kind::other, "",
                        "storage: odd-length hex string '" + hex + "'");
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2)
    bytes += static_cast<char>(value(hex[i]) * 16 + value(hex[i + 1]));
  return bytes;
}

// -- result -------------------------------------------------------------------

int64_t result::int64(int row, int col) const {
  const char* str = PQgetvalue(res_.get(), row, col);
  auto len = std::strlen(str);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(str, str + len, value);
  if (ec != std::errc{} || end != str + len || len == 0)
    throw storage_error(storage_error::kind::other, "",
                        std::string{"storage: expected an integer, got '"} + str
                          + "'");
  return value;
}

int32_t result::int32(int row, int col) const {
  auto value = int64(row, col);
  if (value < INT32_MIN || value > INT32_MAX)
    throw storage_error(storage_error::kind::other, "",
                        "storage: integer out of range: "
                          + std::to_string(value));
  return static_cast<int32_t>(value);
}

// -- connection ---------------------------------------------------------------

connection::connection(const std::string& conninfo) {
  // Reject a malformed conninfo up front: retrying would not help, so it is
  // not a lost connection.
  char* parse_error = nullptr;
  if (auto* opts = PQconninfoParse(conninfo.c_str(), &parse_error)) {
    PQconninfoFree(opts);
  } else {
    auto msg = trimmed(parse_error);
    PQfreemem(parse_error);
    throw storage_error(storage_error::kind::other, "",
                        "storage: invalid connection string: " + msg);
  }
  // Later keywords override earlier ones, so the caller's conninfo (expanded
  // from "dbname") wins over these defaults.
  const char* keywords[]
    = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "actorshop", conninfo.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keywords, values, 1));
  if (!conn_)
    throw storage_error(storage_error::kind::connection_lost, "",
                        "storage: out of memory while connecting");
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    throw storage_error(storage_error::kind::connection_lost, "",
                        "storage: cannot connect to PostgreSQL: "
                          + trimmed(PQerrorMessage(conn_.get())));
  // Error messages without DETAIL, HINT and CONTEXT: a constraint's DETAIL
  // quotes the failing row ("Failing row contains (...)"), which may hold a
  // password hash, and these messages end up in the log.
  PQsetErrorVerbosity(conn_.get(), PQERRORS_TERSE);
  // Statements are prepared and planned once (see custom_plan).
  exec_script(pipeline::force_generic_plan_sql);
}

result connection::exec_params(const char* sql,
                               const std::vector<param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& x : params)
    values.push_back(x ? x->c_str() : nullptr);
  auto n = static_cast<int>(values.size());
  auto& name = prepared(sql, n);
  auto* res = PQexecPrepared(conn_.get(), name.c_str(), n, values.data(),
                             nullptr, nullptr, 0);
  return check(res, sql);
}

const std::string& connection::prepared(const char* sql, int params) {
  if (auto i = prepared_.find(sql); i != prepared_.end())
    return i->second;
  auto name = "actorshop_" + std::to_string(prepared_.size());
  check(PQprepare(conn_.get(), name.c_str(), sql, params, nullptr), sql);
  return prepared_.emplace(sql, std::move(name)).first->second;
}

// -- pipeline mode ------------------------------------------------------------

void connection::enter_pipeline() {
  if (PQenterPipelineMode(conn_.get()) != 1)
    fail(nullptr, "(entering pipeline mode)");
}

void connection::leave_pipeline() {
  if (PQexitPipelineMode(conn_.get()) != 1)
    fail(nullptr, "(leaving pipeline mode)");
}

void connection::send(const char* sql, const std::vector<param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& x : params)
    values.push_back(x ? x->c_str() : nullptr);
  auto n = static_cast<int>(values.size());
  const std::string* name = nullptr;
  if (auto i = prepared_.find(sql); i != prepared_.end()) {
    name = &i->second;
  } else if (auto j = preparing_.find(sql); j != preparing_.end()) {
    name = &j->second;
  } else {
    // Statements that failed to prepare leave no name behind on the server,
    // so counting both maps never reuses a name that exists there.
    auto fresh
      = "actorshop_" + std::to_string(prepared_.size() + preparing_.size());
    if (PQsendPrepare(conn_.get(), fresh.c_str(), sql, n, nullptr) != 1)
      fail(nullptr, sql);
    pending_.push_back(pending{sql, fresh});
    name = &preparing_.emplace(sql, std::move(fresh)).first->second;
  }
  if (PQsendQueryPrepared(conn_.get(), name->c_str(), n, values.data(), nullptr,
                          nullptr, 0)
      != 1)
    fail(nullptr, sql);
  pending_.push_back(pending{sql, {}});
}

result connection::sync() {
  auto commands = std::move(pending_);
  pending_.clear();
  auto prepares = std::move(preparing_);
  preparing_.clear();
  if (PQpipelineSync(conn_.get()) != 1)
    fail(nullptr, "(pipeline sync)");
  result last{nullptr};
  std::optional<result> error;
  const char* error_sql = nullptr;
  for (auto& cmd : commands) {
    auto* res = PQgetResult(conn_.get());
    if (res == nullptr) // Only when the connection broke.
      fail(nullptr, cmd.sql);
    result owned{res};
    // Each command's results end with a null result.
    while (auto* extra = PQgetResult(conn_.get()))
      PQclear(extra);
    auto status = PQresultStatus(res);
    bool good = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (good && !cmd.prepare.empty())
      prepared_.emplace(cmd.sql, cmd.prepare);
    else if (good)
      last = std::move(owned);
    else if (!error) {
      // The first failure; the ones after it are PGRES_PIPELINE_ABORTED.
      error.emplace(std::move(owned));
      error_sql = cmd.sql;
    }
  }
  result synced{PQgetResult(conn_.get())};
  if (error)
    fail(error->get(), error_sql);
  if (synced.get() == nullptr
      || PQresultStatus(synced.get()) != PGRES_PIPELINE_SYNC)
    fail(synced.get(), "(pipeline sync)");
  return last;
}

void connection::abort_pipeline_noexcept() noexcept {
  try {
    if (!pending_.empty() && ok())
      sync();
  } catch (...) {
    // The failure that got us here is the one the caller reports.
  }
  pending_.clear();
  preparing_.clear();
  PQexitPipelineMode(conn_.get());
  rollback_noexcept();
}

void connection::exec_script(const char* sql) {
  check(PQexec(conn_.get(), sql), sql);
}

result connection::check(PGresult* res, const char* sql) const {
  result owned{res};
  auto status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(res, sql);
  return owned;
}

void connection::fail(const PGresult* res, const char* sql) const {
  const char* sqlstate
    = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string state = sqlstate != nullptr ? sqlstate : "";
  auto msg = trimmed(res != nullptr ? PQresultErrorMessage(res) : "");
  if (msg.empty())
    msg = trimmed(PQerrorMessage(conn_.get()));
  auto kind = classify(sqlstate, ok());
  std::string what = "storage: ";
  if (!state.empty())
    what += "SQLSTATE " + state + ": ";
  what += msg;
  what += " [in: " + first_line(sql) + "]";
  throw storage_error(kind, std::move(state), what);
}

void connection::rollback_noexcept() noexcept {
  // After a failed COMMIT or a lost connection there is nothing to roll back.
  if (!ok() || PQtransactionStatus(conn_.get()) == PQTRANS_IDLE)
    return;
  PQclear(PQexec(conn_.get(), "ROLLBACK"));
}

// -- schemas ------------------------------------------------------------------

bool is_service_schema(const std::string& name) noexcept {
  auto& names = service_schemas();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string with_schema(const char* sql, const std::string& schema) {
  if (!is_service_schema(schema))
    throw storage_error(storage_error::kind::other, "",
                        "storage: no service schema named '" + schema + "'");
  constexpr std::string_view placeholder = "{schema}";
  std::string result;
  std::string_view rest = sql;
  for (auto pos = rest.find(placeholder); pos != std::string_view::npos;
       pos = rest.find(placeholder)) {
    result += rest.substr(0, pos);
    result += schema;
    rest.remove_prefix(pos + placeholder.size());
  }
  result += rest;
  return result;
}

void apply_schema(connection& conn, const char* name) {
  const char* sql = is_service_schema(name) ? schema_sql(name) : nullptr;
  const char* reliability_sql = schema_sql("reliability");
  if (sql == nullptr || reliability_sql == nullptr)
    throw storage_error(storage_error::kind::other, "",
                        std::string{"storage: no schema named "} + name);
  auto reliability = with_schema(reliability_sql, name);
  conn.transaction([&] {
    conn.exec(quiet_notices_sql);
    conn.exec(schema_lock_sql, schema_lock_key);
    conn.exec_script(reliability.c_str());
    conn.exec_script(sql);
  });
}

connection open_service(const std::string& conninfo, const char* name) {
  connection conn{conninfo};
  apply_schema(conn, name);
  return conn;
}

} // namespace shop::pg
