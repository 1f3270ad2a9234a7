#pragma once

namespace shop {

/// The text of storage/sql/<name>.sql embedded at build time (for example
/// schema_sql("billing")), or nullptr for an unknown name.
const char* schema_sql(const char* name) noexcept;

} // namespace shop
