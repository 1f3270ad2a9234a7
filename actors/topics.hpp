#pragma once

// The event topics, as stored in outboxes and inbox marks and listed in the
// service table (actors/service_table.hpp). Renaming one orphans what storage
// holds under the old name.

namespace shop {

constexpr const char* user_created_topic = "user_created";
constexpr const char* order_created_topic = "order_created";
constexpr const char* order_processed_topic = "order_processed";

} // namespace shop
