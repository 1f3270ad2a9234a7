#pragma once

// The result of every request parser (http/request_parsing.hpp): a value or
// the client error that explains why there is none.

#include <optional>
#include <utility>

#include "http/errors.hpp"

namespace shop::http {

/// Either a parsed value or the client error explaining why there is none.
template <class T>
class parsed {
public:
  parsed(T value) : value_(std::move(value)) {
    // nop
  }

  parsed(api_error err) : error_(std::move(err)) {
    // nop
  }

  explicit operator bool() const noexcept {
    return value_.has_value();
  }

  T& operator*() {
    return *value_;
  }

  const T& operator*() const {
    return *value_;
  }

  T* operator->() {
    return &*value_;
  }

  const T* operator->() const {
    return &*value_;
  }

  /// @pre `!*this`
  const api_error& error() const noexcept {
    return error_;
  }

private:
  std::optional<T> value_;
  api_error error_;
};

} // namespace shop::http
