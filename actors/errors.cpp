#include "actors/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

#include "actors/messages.hpp"

namespace shop {

const char* to_string(errc x) noexcept {
  switch (x) {
    case errc::none:
      return "none";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::user_not_found:
      return "user_not_found";
    case errc::email_taken:
      return "email_taken";
    case errc::account_not_found:
      return "account_not_found";
    case errc::item_not_found:
      return "item_not_found";
    case errc::order_not_found:
      return "order_not_found";
    case errc::amount_too_large:
      return "amount_too_large";
    case errc::service_unavailable:
      return "service_unavailable";
    case errc::storage_failure:
      return "storage_failure";
    case errc::idempotency_key_reused:
      return "idempotency_key_reused";
    case errc::out_of_order:
      return "out_of_order";
    case errc::invalid_credentials:
      return "invalid_credentials";
    case errc::overloaded:
      return "overloaded";
  }
  return "unknown";
}

std::string render_shop_error(uint8_t code, const caf::message& context) {
  // Same shape as CAF's own renderers: "shop: email_taken (context)". A lone
  // string context (the usual case) is printed without CAF's quoting.
  std::string result = "shop: ";
  result += to_string(static_cast<errc>(code));
  if (context.empty())
    return result;
  result += " (";
  if (context.match_elements<std::string>())
    result += context.get_as<std::string>(0);
  else
    result += caf::to_string(context);
  result += ')';
  return result;
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::shop>();
  cfg.add_error_category(caf::atom("shop"), [](uint8_t code, caf::atom_value,
                                               const caf::message& ctx) {
    return render_shop_error(code, ctx);
  });
}

} // namespace shop
