#pragma once

#include <stdexcept>
#include <string>

namespace shop {

/// Everything a repository can throw. `kind` is derived from the SQLSTATE (or
/// the connection status) in exactly one place: storage/pg/connection.cpp.
class storage_error : public std::runtime_error {
public:
  enum class kind {
    /// The connection is gone or could not be made (SQLSTATE class 08, or
    /// PQstatus != CONNECTION_OK). Retrying after reconnecting may succeed.
    connection_lost,
    /// 23505: a unique constraint rejected a row.
    unique_violation,
    /// 40001 / 40P01: the transaction lost a race; retrying may succeed.
    serialization_failure,
    /// 23514 / 23503 / 23502: a CHECK, foreign key or NOT NULL constraint.
    constraint_violation,
    /// Anything else: a bug or a broken schema.
    other,
  };

  storage_error(kind k, std::string sqlstate, const std::string& what)
    : std::runtime_error(what), kind_(k), sqlstate_(std::move(sqlstate)) {
  }

  kind error_kind() const noexcept {
    return kind_;
  }

  /// The five-character SQLSTATE, empty when not from the server.
  const std::string& sqlstate() const noexcept {
    return sqlstate_;
  }

private:
  kind kind_;
  std::string sqlstate_;
};

} // namespace shop
