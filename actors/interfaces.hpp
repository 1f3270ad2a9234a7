#pragma once

// The typed interfaces of the four services and of their event subscribers.
// Clients (the HTTP front, other services, tests) only ever see these aliases.

#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace shop {

// -- event subscribers --------------------------------------------------------

/// Anything that consumes USER_CREATED. A delivery carries consecutive
/// events (event_batch); the reply (empty) acknowledges that the effects of
/// all of them are committed.
using user_created_subscriber
  = caf::typed_actor<caf::reacts_to<event_batch<user_created>>>;

/// Anything that consumes ORDER_CREATED.
using order_created_subscriber
  = caf::typed_actor<caf::reacts_to<event_batch<order_created>>>;

/// Anything that consumes ORDER_PROCESSED.
using order_processed_subscriber
  = caf::typed_actor<caf::reacts_to<event_batch<order_processed>>>;

// -- services -----------------------------------------------------------------

/// What every service answers.
using service_actor = caf::typed_actor<
  // Checks that the service's storage answers: true, or service_unavailable.
  caf::replies_to<atom::ping>::with<bool>>;

/// Users: registration and user info; publishes USER_CREATED.
using users_actor = service_actor::extend<
  // Registers a user; fails with email_taken or invalid_argument.
  caf::replies_to<register_user>::with<user>,
  // Looks up a user; fails with user_not_found.
  caf::replies_to<atom::get, user_id>::with<user>,
  // Checks a password; fails with invalid_credentials (unknown email, no
  // password set, wrong password: one error) or overloaded.
  caf::replies_to<credentials>::with<user>,
  // Sets a user's password (operators); fails with user_not_found,
  // invalid_argument or overloaded.
  caf::replies_to<set_password>::with<user>>;

/// Billing: one account per user, deposits, payments and order charges;
/// consumes USER_CREATED and ORDER_CREATED, publishes ORDER_PROCESSED.
using billing_actor = service_actor::
  extend_with<user_created_subscriber, order_created_subscriber>::extend<
    // Opens an account (idempotent); the bool says whether it is new.
    caf::replies_to<atom::open, user_id>::with<account, bool>,
    // Returns the account; fails with account_not_found.
    caf::replies_to<atom::balance, user_id>::with<account>,
    // Adds money; fails with account_not_found or amount_too_large.
    caf::replies_to<deposit>::with<account>,
    // Takes money if the balance covers it; fails with account_not_found.
    caf::replies_to<payment>::with<payment_outcome>,
    // Every balance movement of an account, oldest first.
    caf::replies_to<atom::ledger, user_id>::with<std::vector<ledger_entry>>>;

/// Orders: the catalog and the orders; consumes USER_CREATED and
/// ORDER_PROCESSED, publishes ORDER_CREATED.
using orders_actor = service_actor::
  extend_with<user_created_subscriber, order_processed_subscriber>::extend<
    // The catalog, sorted by item id.
    caf::replies_to<atom::list>::with<std::vector<item>>,
    // Places an order; fails with user_not_found, item_not_found,
    // invalid_argument or amount_too_large.
    caf::replies_to<create_order>::with<order>,
    // Looks up an order; fails with order_not_found.
    caf::replies_to<atom::get, order_id>::with<order>>;

/// Notifications: stores an "email" for every processed order; consumes
/// USER_CREATED (for addresses) and ORDER_PROCESSED.
using notifications_actor = service_actor::
  extend_with<user_created_subscriber, order_processed_subscriber>::extend<
    // Sent messages matching the filter, newest first.
    caf::replies_to<atom::list,
                    notification_filter>::with<std::vector<notification>>>;

// -- what workers send themselves ----------------------------------------------
// Not part of the interfaces above: only the worker itself may send these.

/// Commits the pending batch (actors/unit_of_work.hpp).
using batching = caf::typed_actor<caf::reacts_to<atom::flush>>;

/// Also resends events to a subscriber after a failed delivery
/// (actors/outbox.hpp).
using publishing = batching::extend<caf::reacts_to<atom::retry, std::string>>;

using users_worker_actor = users_actor::extend_with<publishing>;
using billing_worker_actor = billing_actor::extend_with<publishing>;
using orders_worker_actor = orders_actor::extend_with<publishing>;
using notifications_worker_actor = notifications_actor::extend_with<batching>;

} // namespace shop
