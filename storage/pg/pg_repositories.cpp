#include "storage/pg/pg_repositories.hpp"

namespace shop {

repository_factories make_pg_repositories(std::string conninfo) {
  repository_factories result;
  result.users = [conninfo] { return make_pg_users_repository(conninfo); };
  result.billing = [conninfo] { return make_pg_billing_repository(conninfo); };
  result.orders = [conninfo] { return make_pg_orders_repository(conninfo); };
  result.notifications
    = [conninfo] { return make_pg_notifications_repository(conninfo); };
  return result;
}

} // namespace shop
