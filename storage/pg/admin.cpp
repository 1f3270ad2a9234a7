#include "storage/pg/admin.hpp"

#include <algorithm>

#include <libpq-fe.h>

#include "storage/pg/connection.hpp"

namespace shop::pg {

namespace {

// CREATE/DROP DATABASE take no parameters: the name is an identifier, so it is
// validated (see checked_name) and quoted instead.
constexpr const char* create_database_sql = "CREATE DATABASE ";

constexpr const char* drop_database_sql = "DROP DATABASE IF EXISTS ";

constexpr const char* drop_database_suffix_sql = " WITH (FORCE)";

constexpr const char* terminate_sql = R"(
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid())";

// users.sql before passwords existed.
constexpr const char* users_before_passwords_sql = R"(
CREATE SCHEMA users;
CREATE TABLE users.users (
  id         bigint      PRIMARY KEY,
  email      text        NOT NULL,
  email_key  text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);)";

// $1 ids, $2 emails, $3 email keys, $4 names.
constexpr const char* insert_users_before_passwords_sql = R"(
INSERT INTO users.users (id, email, email_key, name)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]))";

/// `name` as a quoted identifier, or a storage_error when it holds anything
/// but [a-z0-9_].
std::string checked_name(const std::string& name) {
  auto valid = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (name.empty() || name.size() > 63
      || !std::all_of(name.begin(), name.end(), valid))
    throw storage_error(storage_error::kind::other, "",
                        "storage: invalid database name '" + name + "'");
  return '"' + name + '"';
}

} // namespace

void create_database(const std::string& conninfo, const std::string& name) {
  connection conn{conninfo};
  auto sql = create_database_sql + checked_name(name);
  conn.exec(sql.c_str());
}

void drop_database(const std::string& conninfo, const std::string& name) {
  connection conn{conninfo};
  auto sql = drop_database_sql + checked_name(name) + drop_database_suffix_sql;
  conn.exec(sql.c_str());
}

int terminate_connections(const std::string& conninfo,
                          const std::string& name) {
  connection conn{conninfo};
  return static_cast<int>(conn.exec(terminate_sql, name).int64(0, 0));
}

void create_users_before_passwords(const std::string& conninfo,
                                   const std::vector<user>& users) {
  connection conn{conninfo};
  conn.exec_script(users_before_passwords_sql);
  if (users.empty())
    return;
  array ids, emails, keys, names;
  for (auto& x : users) {
    ids.add(x.id);
    emails.add(x.email);
    keys.add(email_key(x.email));
    names.add(x.name);
  }
  conn.exec(insert_users_before_passwords_sql, ids, emails, keys, names);
}

std::string with_database(const std::string& conninfo,
                          const std::string& name) {
  checked_name(name);
  // Parse (key=value or URL) and rebuild as key=value, replacing dbname.
  char* error = nullptr;
  auto* opts = PQconninfoParse(conninfo.c_str(), &error);
  if (opts == nullptr) {
    std::string msg = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    throw storage_error(storage_error::kind::other, "",
                        "storage: invalid connection string: " + msg);
  }
  std::string result;
  for (auto* opt = opts; opt->keyword != nullptr; ++opt) {
    std::string key = opt->keyword;
    if (key == "dbname" || opt->val == nullptr)
      continue;
    result += key + "='";
    for (const char* c = opt->val; *c != '\0'; ++c) {
      if (*c == '\'' || *c == '\\')
        result += '\\';
      result += *c;
    }
    result += "' ";
  }
  PQconninfoFree(opts);
  return result + "dbname=" + name;
}

} // namespace shop::pg
