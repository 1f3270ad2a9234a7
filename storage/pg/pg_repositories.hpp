#pragma once

// The PostgreSQL repositories. Each factory opens its own connection and
// applies its service's schema (storage/sql/<service>.sql) idempotently, so a
// service that (re)starts also reconnects and migrates. libpq stays out of
// this header.

#include <memory>
#include <string>

#include "storage/repositories.hpp"

namespace shop {

/// Opens the Users repository on `conninfo` (anything PQconnectdb accepts:
/// "host=/tmp/x port=5432 dbname=shop" or "postgresql://user@host/db").
/// Throws storage_error.
std::unique_ptr<users_repository>
make_pg_users_repository(const std::string& conninfo);

/// Opens the Billing repository; see make_pg_users_repository.
std::unique_ptr<billing_repository>
make_pg_billing_repository(const std::string& conninfo);

/// Opens the Orders repository; see make_pg_users_repository.
std::unique_ptr<orders_repository>
make_pg_orders_repository(const std::string& conninfo);

/// Opens the Notifications repository; see make_pg_users_repository.
std::unique_ptr<notifications_repository>
make_pg_notifications_repository(const std::string& conninfo);

/// Factories that each open a new connection to `conninfo` when called.
repository_factories make_pg_repositories(std::string conninfo);

} // namespace shop
