#include <set>

#include "storage/pg/pg_repositories.hpp"
#include "storage/pg/reliability.hpp"
#include "storage/pg/rows.hpp"

namespace shop {

namespace {

constexpr const char* load_known_users_sql = R"(
SELECT user_id FROM orders.known_users ORDER BY user_id)";

// A scan: at most a few orders are pending, and no index on status keeps
// their update HOT (see storage/sql/orders.sql).
constexpr const char* load_pending_sql = R"(
SELECT id, user_id, item_id, quantity, sum, status,
       (extract(epoch FROM created_at) * 1000)::bigint,
       (extract(epoch FROM updated_at) * 1000)::bigint
FROM orders.orders WHERE status = 'pending' ORDER BY id)";

constexpr const char* max_order_id_sql = R"(
SELECT coalesce(max(id), 0) FROM orders.orders)";

constexpr const char* find_order_sql = R"(
SELECT id, user_id, item_id, quantity, sum, status,
       (extract(epoch FROM created_at) * 1000)::bigint,
       (extract(epoch FROM updated_at) * 1000)::bigint
FROM orders.orders WHERE id = $1::bigint)";

// $1 user ids.
constexpr const char* insert_known_users_sql = R"(
INSERT INTO orders.known_users (user_id)
SELECT * FROM unnest($1::bigint[])
ON CONFLICT (user_id) DO NOTHING)";

// $1 ids, $2 user ids, $3 item ids, $4 quantities, $5 sums, $6 statuses,
// $7 creation times, $8 update times (ms since the epoch), $9 event seqs,
// $10 events (hex; NULL for none).
constexpr const char* insert_orders_sql = R"(
INSERT INTO orders.orders
  (id, user_id, item_id, quantity, sum, status, created_at, updated_at,
   event_seq, event)
SELECT id, user_id, item_id, quantity, sum, status,
       to_timestamp(created_ms / 1000.0), to_timestamp(updated_ms / 1000.0),
       event_seq, decode(event, 'hex')
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::integer[],
            $5::bigint[], $6::text[], $7::bigint[], $8::bigint[],
            $9::bigint[], $10::text[])
  AS t(id, user_id, item_id, quantity, sum, status, created_ms, updated_ms,
       event_seq, event))";

// $1 ids, $2 statuses, $3 times (each order at most once). Only pending
// orders move: a late or repeated ORDER_PROCESSED changes nothing.
constexpr const char* update_orders_sql = R"(
UPDATE orders.orders AS o
SET status = t.status, updated_at = to_timestamp(t.at_ms / 1000.0)
FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(id, status, at_ms)
WHERE o.id = t.id AND o.status = 'pending')";

class pg_orders_repository : public pg::repository_base<orders_repository> {
public:
  explicit pg_orders_repository(const std::string& conninfo)
    : repository_base(conninfo, "orders") {
  }

  std::vector<user_id> load_known_users() override {
    auto res = conn().exec(load_known_users_sql);
    return res.map_rows([&](int row) { return res.int64(row, 0); });
  }

  std::vector<order> load_pending() override {
    auto res = conn().exec(load_pending_sql);
    return res.map_rows([&](int row) { return pg::to_order(res, row); });
  }

  order_id max_order_id() override {
    return conn().exec(max_order_id_sql).int64(0, 0);
  }

  std::optional<order> find_order(order_id id) override {
    auto res = conn().exec(find_order_sql, id);
    if (res.rows() == 0)
      return std::nullopt;
    return pg::to_order(res, 0);
  }

  void commit(const orders_changes& changes) override {
    if (changes.empty())
      return;
    commit_with(changes.reliable, [&](pg::pipeline& p, pg::row_events& events) {
      if (!changes.known_users.empty())
        insert_known_users(p, changes.known_users);
      if (!changes.created.empty())
        insert_orders(p, changes.created, events);
      update_orders(p, changes.updated);
    });
  }

private:
  void insert_known_users(pg::pipeline& p, const std::vector<user_id>& xs) {
    pg::array users;
    for (auto x : xs)
      users.add(x);
    p.exec(insert_known_users_sql, users);
  }

  /// The orders with their ORDER_CREATED events (orders.events).
  void insert_orders(pg::pipeline& p, const std::vector<order>& xs,
                     pg::row_events& events) {
    pg::array ids, users, items, quantities, sums, statuses, created, updated,
      event_seqs, payloads;
    for (auto& x : xs) {
      auto* e = events.take(x.id);
      event_seqs.add(e != nullptr ? pg::param{std::to_string(e->seq)}
                                  : pg::param{});
      payloads.add(e != nullptr ? pg::param{pg::to_hex(e->payload)}
                                : pg::param{});
      ids.add(x.id);
      users.add(x.user);
      items.add(x.item);
      quantities.add(x.quantity);
      sums.add(x.sum);
      statuses.add(to_string(x.status));
      created.add(x.created_at);
      updated.add(x.updated_at);
    }
    p.exec(insert_orders_sql, ids, users, items, quantities, sums, statuses,
           created, updated, event_seqs, payloads);
  }

  void update_orders(pg::pipeline& p, const std::vector<order_update>& xs) {
    // Applied in order, the first update of an order moves it off pending and
    // any later one in the batch changes nothing; a single UPDATE would pick
    // an arbitrary one, so keep only the first. An "update" to pending is no
    // transition at all and is ignored.
    std::set<order_id> seen;
    pg::array ids, statuses, times;
    for (auto& x : xs) {
      if (x.status == order_status::pending || !seen.insert(x.id).second)
        continue;
      ids.add(x.id);
      statuses.add(to_string(x.status));
      times.add(x.at);
    }
    if (ids.size() > 0)
      p.exec(pg::custom_plan{update_orders_sql}, ids, statuses, times);
  }
};

} // namespace

std::unique_ptr<orders_repository>
make_pg_orders_repository(const std::string& conninfo) {
  return std::make_unique<pg_orders_repository>(conninfo);
}

} // namespace shop
