#pragma once

// The services of actorshop, in one table: what each is called, where its
// tables live, which option names its own database, which topics it
// publishes and consumes, how its worker is spawned and how its PostgreSQL
// repositories are made. Placement (--services, --peers), the configuration
// (--<name>-db-url), main (repositories, start-up probe) and the system
// wiring (supervisors, subscriptions, the node directory) all derive from
// it; docs/architecture.md "Adding a service" lists what else a new service
// touches.

#include <string>
#include <string_view>
#include <vector>

#include <caf/fwd.hpp>

#include "storage/repositories.hpp"

namespace shop {

struct services;
struct service_context;

struct service_entry {
  /// "billing": --services, --peers, logs, metric labels, subscriber names.
  std::string name;
  /// Its PostgreSQL schema (storage/sql/<schema>.sql).
  std::string schema;
  /// The option naming its own database; unset, it uses --db-url.
  std::string db_url_option;
  /// The topics it publishes (through its outbox) and consumes (through its
  /// inbox). A publisher's events go to every service that consumes them.
  std::vector<std::string> publishes;
  std::vector<std::string> consumes;
  /// Spawns one worker; its supervisor calls this on every (re)start.
  caf::actor (*spawn)(caf::actor_system& sys, const service_context& ctx);
  /// Makes its repositories on PostgreSQL at `conninfo`, in `out`.
  void (*use_pg)(repository_factories& out, const std::string& conninfo);
  /// Opens its repository once if `repos` can make it (start-up check).
  void (*probe)(const repository_factories& repos);
  /// Its handle (supervisor or proxy) in `services`, and setting it.
  caf::actor (*handle)(const services& svc);
  void (*bind)(services& svc, caf::actor hdl);
};

/// Every service, in the order the system lists them (users first: the
/// others ask it about users).
const std::vector<service_entry>& service_table();

/// The entry named `name`, or nullptr.
const service_entry* find_service(std::string_view name);

} // namespace shop
