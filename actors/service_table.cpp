#include "actors/service_table.hpp"

#include <caf/actor_cast.hpp>

#include "actors/billing.hpp"
#include "actors/notifications.hpp"
#include "actors/orders.hpp"
#include "actors/system.hpp"
#include "actors/topics.hpp"
#include "actors/users.hpp"
#include "storage/pg/pg_repositories.hpp"

namespace shop {

namespace {

/// The table's functions for the service whose repository factory is
/// `repos.*Factory` and whose handle is `svc.*Handle`.
template <auto Factory, auto Handle>
struct slots {
  static void use_pg(repository_factories& out, const std::string& conninfo) {
    out.*Factory = make_pg_repositories(conninfo).*Factory;
  }
  static void probe(const repository_factories& repos) {
    if (repos.*Factory)
      (repos.*Factory)();
  }
  static caf::actor handle(const services& svc) {
    return caf::actor_cast<caf::actor>(svc.*Handle);
  }
  static void bind(services& svc, caf::actor hdl) {
    using handle_type = std::decay_t<decltype(svc.*Handle)>;
    svc.*Handle = caf::actor_cast<handle_type>(std::move(hdl));
  }
};

template <auto Factory, auto Handle>
service_entry entry(std::string name, std::vector<std::string> publishes,
                    std::vector<std::string> consumes,
                    caf::actor (*spawn)(caf::actor_system&,
                                        const service_context&)) {
  using s = slots<Factory, Handle>;
  auto schema = name;
  auto option = name + "-db-url";
  return {std::move(name),     std::move(schema),
          std::move(option),   std::move(publishes),
          std::move(consumes), spawn,
          s::use_pg,           s::probe,
          s::handle,           s::bind};
}

} // namespace

const std::vector<service_entry>& service_table() {
  static const std::vector<service_entry> table{
    entry<&repository_factories::users, &services::users>(users_state::name,
                                                          {user_created_topic},
                                                          {},
                                                          spawn_users_worker),
    entry<&repository_factories::billing,
          &services::billing>(billing_state::name, {order_processed_topic},
                              {user_created_topic, order_created_topic},
                              spawn_billing_worker),
    entry<&repository_factories::orders,
          &services::orders>(orders_state::name, {order_created_topic},
                             {user_created_topic, order_processed_topic},
                             spawn_orders_worker),
    entry<&repository_factories::notifications,
          &services::notifications>(notifications_state::name, {},
                                    {user_created_topic, order_processed_topic},
                                    spawn_notifications_worker),
  };
  return table;
}

const service_entry* find_service(std::string_view name) {
  for (auto& x : service_table())
    if (x.name == name)
      return &x;
  return nullptr;
}

} // namespace shop
