#pragma once

// Database administration for test suites and tools: creating and dropping
// whole databases, and cutting connections (fault tests). Services never call
// these.

#include <string>
#include <vector>

#include "domain/types.hpp"

namespace shop::pg {

/// Creates the database `name` (lower-case letters, digits and '_' only) on
/// the server `conninfo` points to. Throws storage_error.
void create_database(const std::string& conninfo, const std::string& name);

/// Drops the database `name` if it exists, closing its connections first.
void drop_database(const std::string& conninfo, const std::string& name);

/// Terminates every other connection to the database `name`, as a server
/// restart or a network failure would; returns how many it terminated.
int terminate_connections(const std::string& conninfo, const std::string& name);

/// Creates the schema users in the database `conninfo` points to as an
/// actorshop from before passwords left it (users.users without its
/// password_hash column), holding `users`: for the test of the migration
/// that storage/sql/users.sql applies in place.
void create_users_before_passwords(const std::string& conninfo,
                                   const std::vector<user>& users);

/// `conninfo` (key=value or URL) as key=value with its database replaced by
/// `name`.
std::string with_database(const std::string& conninfo, const std::string& name);

} // namespace shop::pg
