#pragma once

// Turns message types into bytes and back with CAF's binary format: what the
// outbox stores as an event's payload and the idempotency table as a request
// and its reply. Storage treats the bytes as opaque.

#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace shop {

template <class T>
std::string encode(const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto copy = x; // CAF 0.17's inspectors take non-const references
  if (auto err = sink(copy))
    throw std::runtime_error("cannot serialize a message");
  return std::string{buf.begin(), buf.end()};
}

/// Returns false if `bytes` is not a serialized T.
template <class T>
bool decode(const std::string& bytes, T& x) {
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  return !source(x) && source.remaining() == 0;
}

} // namespace shop
