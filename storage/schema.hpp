#pragma once

#include <string>
#include <vector>

namespace shop {

/// The text of storage/sql/<name>.sql embedded at build time (for example
/// schema_sql("billing")), or nullptr for an unknown name.
const char* schema_sql(const char* name) noexcept;

/// The names of storage/sql/*.sql, sorted, ending with nullptr.
const char* const* schema_names() noexcept;

/// The service schemas: one per storage/sql/<service>.sql, sorted; all but
/// reliability.sql, which every service schema also gets (its outbox,
/// inbox and Idempotency-Keys).
const std::vector<std::string>& service_schemas();

} // namespace shop
