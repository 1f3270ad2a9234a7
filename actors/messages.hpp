#pragma once

// The one vocabulary of the actor system: every atom and every type that
// travels in a message, registered in ONE type-ID block. A type missing here
// fails to compile in message-sending code (CAF_ENABLE_TYPE_ID_CHECKS) and
// fails to cross a node boundary at run time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "actors/errors.hpp"
#include "domain/types.hpp"

// -- atoms (at most 10 characters in CAF 0.17) --------------------------------

CAF_ADD_ATOM(shop, shop::atom, get, "get")
CAF_ADD_ATOM(shop, shop::atom, list, "list")
CAF_ADD_ATOM(shop, shop::atom, balance, "balance")
CAF_ADD_ATOM(shop, shop::atom, open, "open")
CAF_ADD_ATOM(shop, shop::atom, flush, "flush")
CAF_ADD_ATOM(shop, shop::atom, start, "start")
CAF_ADD_ATOM(shop, shop::atom, restart, "restart")
CAF_ADD_ATOM(shop, shop::atom, ledger, "ledger")
CAF_ADD_ATOM(shop, shop::atom, retry, "retry")
CAF_ADD_ATOM(shop, shop::atom, worker, "worker")
CAF_ADD_ATOM(shop, shop::atom, status, "status")
CAF_ADD_ATOM(shop, shop::atom, ping, "ping")
CAF_ADD_ATOM(shop, shop::atom, join, "join")
CAF_ADD_ATOM(shop, shop::atom, hash, "hash")
CAF_ADD_ATOM(shop, shop::atom, verify, "verify")
CAF_ADD_ATOM(shop, shop::atom, peer, "peer")

namespace shop {

/// What a publisher's relay delivers in one request: consecutive events of
/// one topic, in seq order (actors/outbox.hpp, actors/inbox.hpp).
template <class Event>
using event_batch = std::vector<Event>;

/// The most events one delivery carries. A relay never sends more at once
/// (nor more than its window); a subscriber refuses a larger delivery as
/// invalid, since it would be one transaction of unbounded size.
inline constexpr size_t max_event_batch = 4096;

} // namespace shop

// -- type IDs -----------------------------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(shop, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(shop, (shop::money))
  CAF_ADD_TYPE_ID(shop, (shop::payment_result))
  CAF_ADD_TYPE_ID(shop, (shop::order_status))
  CAF_ADD_TYPE_ID(shop, (shop::ledger_kind))
  CAF_ADD_TYPE_ID(shop, (shop::user))
  CAF_ADD_TYPE_ID(shop, (shop::account))
  CAF_ADD_TYPE_ID(shop, (shop::ledger_entry))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::ledger_entry>))
  CAF_ADD_TYPE_ID(shop, (shop::item))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::item>))
  CAF_ADD_TYPE_ID(shop, (shop::order))
  CAF_ADD_TYPE_ID(shop, (shop::notification))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::notification>))
  CAF_ADD_TYPE_ID(shop, (shop::notification_filter))
  CAF_ADD_TYPE_ID(shop, (shop::user_created))
  CAF_ADD_TYPE_ID(shop, (shop::order_created))
  CAF_ADD_TYPE_ID(shop, (shop::order_processed))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::user_created>))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::order_created>))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::order_processed>))
  CAF_ADD_TYPE_ID(shop, (shop::register_user))
  CAF_ADD_TYPE_ID(shop, (shop::credentials))
  CAF_ADD_TYPE_ID(shop, (shop::set_password))
  CAF_ADD_TYPE_ID(shop, (shop::deposit))
  CAF_ADD_TYPE_ID(shop, (shop::payment))
  CAF_ADD_TYPE_ID(shop, (shop::payment_outcome))
  CAF_ADD_TYPE_ID(shop, (shop::create_order))
  CAF_ADD_TYPE_ID(shop, (shop::service_status))
  CAF_ADD_TYPE_ID(shop, (std::vector<shop::service_status>))

CAF_END_TYPE_ID_BLOCK(shop)
