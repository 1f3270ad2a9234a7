#pragma once

// What an address says about who can reach it.

#include <string>

namespace shop {

/// Whether `host` only reaches this machine: an IPv4 address in 127.0.0.0/8,
/// ::1 (also as the IPv4-mapped ::ffff:127.x.y.z), or "localhost". Anything
/// else, names included, may reach further.
bool is_loopback_host(const std::string& host) noexcept;

} // namespace shop
