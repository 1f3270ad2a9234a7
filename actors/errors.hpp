#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace shop {

/// Errors the services answer with. The HTTP front maps each code to a status
/// in exactly one place (http/errors.cpp); nothing else interprets them.
enum class errc : uint8_t {
  /// Not an error; required by CAF's convention that 0 means success.
  none = 0,
  /// A command field is out of range; the error context holds the message.
  invalid_argument,
  /// No user with the given id (Users, Orders).
  user_not_found,
  /// Another user already registered this email (case-insensitive).
  email_taken,
  /// No billing account for the given user.
  account_not_found,
  /// No catalog item with the given id.
  item_not_found,
  /// No order with the given id.
  order_not_found,
  /// The operation would push a balance above money::max_cents.
  amount_too_large,
  /// The service is restarting or its storage is unreachable; retry later.
  service_unavailable,
  /// Storage failed in a way that is not the client's fault.
  storage_failure,
  /// An Idempotency-Key was reused with a different request.
  idempotency_key_reused,
  /// An event arrived beyond the next expected sequence number; the
  /// publisher's relay resends from the gap.
  out_of_order,
  /// Login: no user with this email, or the wrong password (the same error
  /// for both, so the answer does not reveal which emails exist).
  invalid_credentials,
  /// A bounded queue (the password hashing pool) is full; retry later.
  overloaded,
};

/// The stable snake_case name of an error code, e.g. "email_taken".
const char* to_string(errc x) noexcept;

/// Renders errors of the "shop" category for CAF's error printing.
std::string render_shop_error(uint8_t code, const caf::message& context);

/// Registers with `cfg` what every actor system of actorshop needs: the
/// message types of the type-ID block (actors/messages.hpp) and this "shop"
/// error category, rendered by render_shop_error. The one place the
/// process, the actor tests and the simulation take them from.
void register_types(caf::actor_system_config& cfg);

} // namespace shop

CAF_ERROR_CODE_ENUM(shop::errc, "shop")
