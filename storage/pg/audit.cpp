#include "storage/pg/audit.hpp"

#include <tuple>

#include <fmt/format.h>

#include "storage/pg/connection.hpp"
#include "storage/pg/rows.hpp"
#include "storage/schema.hpp"

namespace shop::pg {

namespace {

constexpr const char* snapshot_sql
  = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

constexpr const char* counts_sql = R"(
SELECT
  (SELECT count(*) FROM users.users),
  (SELECT count(*) FROM billing.accounts),
  (SELECT count(*) FROM billing.ledger WHERE kind = 'deposit'),
  (SELECT coalesce(sum(amount), 0)::bigint FROM billing.ledger
   WHERE kind = 'deposit'),
  (SELECT count(*) FROM billing.ledger WHERE kind = 'payment'),
  (SELECT coalesce(sum(amount), 0)::bigint FROM billing.ledger
   WHERE kind = 'payment'),
  (SELECT count(*) FROM billing.ledger WHERE kind = 'order_charge'),
  (SELECT coalesce(sum(amount), 0)::bigint FROM billing.ledger
   WHERE kind = 'order_charge'),
  (SELECT coalesce(sum(balance), 0)::bigint FROM billing.accounts),
  (SELECT count(*) FROM orders.orders),
  (SELECT count(*) FROM orders.orders WHERE status = 'pending'),
  (SELECT count(*) FROM orders.orders WHERE status = 'paid'),
  (SELECT count(*) FROM orders.orders WHERE status = 'rejected'),
  (SELECT count(*) FROM billing.order_charges),
  (SELECT count(*) FROM notifications.messages))";

/// What every service schema holds besides its own tables
/// (storage/sql/reliability.sql), summed over service_schemas().
/// The backlog: events some subscriber has not acknowledged, wherever they
/// are kept ({schema}.events: the outbox and the service's own rows).
constexpr const char* reliability_counts_sql = R"(
SELECT (SELECT count(*) FROM {schema}.events
        WHERE seq > (SELECT coalesce(min(acked_seq), 0)
                     FROM {schema}.outbox_cursors)),
       (SELECT count(*) FROM {schema}.idempotency_keys))";

/// One invariant: a query returning one row per violation, each row being a
/// text describing it and the total number of violating rows (count(*) OVER
/// ()), limited to a few examples.
struct check {
  const char* name;
  const char* sql;
  /// Holds only once no work is in flight.
  bool quiescent_only;
};

// The examples each check prints at most.
#define AUDIT_LIMIT " LIMIT 5"

const check checks[] = {
  // -- money ------------------------------------------------------------------
  {"balance_equals_ledger", R"(
SELECT format('account %s: balance %s, ledger sum %s', a.user_id, a.balance,
              coalesce(l.total, 0)), count(*) OVER ()
FROM billing.accounts a
LEFT JOIN (SELECT user_id, sum(amount) AS total FROM billing.ledger
           GROUP BY user_id) l USING (user_id)
WHERE a.balance <> coalesce(l.total, 0)
ORDER BY a.user_id)" AUDIT_LIMIT,
   false},
  {"ledger_running_balance", R"(
SELECT format('ledger entry %s (account %s): balance_after %s, running sum %s',
              id, user_id, balance_after, running), count(*) OVER ()
FROM (SELECT id, user_id, balance_after,
             sum(amount) OVER (PARTITION BY user_id ORDER BY id) AS running
      FROM billing.ledger) t
WHERE balance_after <> running
ORDER BY id)" AUDIT_LIMIT,
   false},
  {"no_negative_balance", R"(
SELECT format('%s', what), count(*) OVER ()
FROM (SELECT format('account %s has balance %s', user_id, balance) AS what
      FROM billing.accounts WHERE balance < 0
      UNION ALL
      SELECT format('ledger entry %s leaves balance %s', id, balance_after)
      FROM billing.ledger WHERE balance_after < 0) t)" AUDIT_LIMIT,
   false},
  {"ledger_entries_well_formed", R"(
SELECT format('ledger entry %s: %s of %s, order %s', id, kind, amount,
              order_id), count(*) OVER ()
FROM billing.ledger
WHERE (kind = 'deposit' AND (amount <= 0 OR order_id IS NOT NULL))
   OR (kind = 'payment' AND (amount >= 0 OR order_id IS NOT NULL))
   OR (kind = 'order_charge' AND (amount >= 0 OR order_id IS NULL))
ORDER BY id)" AUDIT_LIMIT,
   false},
  {"totals_balance", R"(
SELECT format('balances sum to %s, the ledger to %s', b.total, l.total), 1
FROM (SELECT coalesce(sum(balance), 0) AS total FROM billing.accounts) b,
     (SELECT coalesce(sum(amount), 0) AS total FROM billing.ledger) l
WHERE b.total <> l.total)",
   false},
  // -- orders and charges -----------------------------------------------------
  {"decision_matches_order", R"(
SELECT format('decision for order %s (user %s, sum %s): order %s', c.order_id,
              c.user_id, c.sum,
              CASE WHEN o.id IS NULL THEN 'missing'
                   ELSE format('has user %s, sum %s', o.user_id, o.sum) END),
       count(*) OVER ()
FROM billing.order_charges c LEFT JOIN orders.orders o ON o.id = c.order_id
WHERE o.id IS NULL OR o.user_id <> c.user_id OR o.sum <> c.sum
ORDER BY c.order_id)" AUDIT_LIMIT,
   false},
  {"one_charge_per_paid_order", R"(
SELECT format('order %s decided %s over %s: %s ledger charges summing %s',
              c.order_id, c.result, c.sum, coalesce(l.n, 0),
              coalesce(l.total, 0)), count(*) OVER ()
FROM billing.order_charges c
LEFT JOIN (SELECT order_id, count(*) AS n, sum(amount) AS total
           FROM billing.ledger WHERE kind = 'order_charge'
           GROUP BY order_id) l USING (order_id)
WHERE (c.result = 'paid' AND (coalesce(l.n, 0) <> 1 OR l.total <> -c.sum))
   OR (c.result <> 'paid' AND coalesce(l.n, 0) <> 0)
ORDER BY c.order_id)" AUDIT_LIMIT,
   false},
  {"charge_has_decision", R"(
SELECT format('ledger entry %s charges order %s, which Billing never decided',
              l.id, l.order_id), count(*) OVER ()
FROM billing.ledger l
WHERE l.kind = 'order_charge'
  AND NOT EXISTS (SELECT 1 FROM billing.order_charges c
                  WHERE c.order_id = l.order_id)
ORDER BY l.id)" AUDIT_LIMIT,
   false},
  {"status_matches_decision", R"(
SELECT format('order %s is %s, Billing decided %s', o.id, o.status,
              coalesce(c.result, 'nothing')), count(*) OVER ()
FROM orders.orders o LEFT JOIN billing.order_charges c ON c.order_id = o.id
WHERE o.status <> 'pending'
  AND (c.order_id IS NULL OR (o.status = 'paid') <> (c.result = 'paid'))
ORDER BY o.id)" AUDIT_LIMIT,
   false},
  {"records_have_users", R"(
SELECT format('%s', what), count(*) OVER ()
FROM (SELECT format('account %s', a.user_id) AS what
      FROM billing.accounts a
      WHERE NOT EXISTS (SELECT 1 FROM users.users u WHERE u.id = a.user_id)
      UNION ALL
      SELECT format('order %s of user %s', o.id, o.user_id)
      FROM orders.orders o
      WHERE NOT EXISTS (SELECT 1 FROM users.users u WHERE u.id = o.user_id)
      UNION ALL
      SELECT format('message %s to user %s', m.id, m.user_id)
      FROM notifications.messages m
      WHERE NOT EXISTS (SELECT 1 FROM users.users u WHERE u.id = m.user_id)
     ) t)" AUDIT_LIMIT,
   false},
  {"notification_matches_decision", R"(
SELECT format('message %s for order %s (user %s): %s', m.id, m.order_id,
              m.user_id,
              CASE WHEN c.order_id IS NULL THEN 'no decision'
                   ELSE format('decided for user %s', c.user_id) END),
       count(*) OVER ()
FROM notifications.messages m
LEFT JOIN billing.order_charges c ON c.order_id = m.order_id
WHERE c.order_id IS NULL OR c.user_id <> m.user_id
ORDER BY m.id)" AUDIT_LIMIT,
   false},
  // -- once idle ----------------------------------------------------------------
  {"no_pending_order", R"(
SELECT format('order %s is still pending', id), count(*) OVER ()
FROM orders.orders WHERE status = 'pending'
ORDER BY id)" AUDIT_LIMIT,
   true},
  {"every_order_decided", R"(
SELECT format('order %s has no decision', o.id), count(*) OVER ()
FROM orders.orders o
WHERE NOT EXISTS (SELECT 1 FROM billing.order_charges c
                  WHERE c.order_id = o.id)
ORDER BY o.id)" AUDIT_LIMIT,
   true},
  {"one_notification_per_order", R"(
SELECT format('order %s has %s notifications', o.id, coalesce(m.n, 0)),
       count(*) OVER ()
FROM orders.orders o
LEFT JOIN (SELECT order_id, count(*) AS n FROM notifications.messages
           GROUP BY order_id) m ON m.order_id = o.id
WHERE coalesce(m.n, 0) <> 1
ORDER BY o.id)" AUDIT_LIMIT,
   true},
  {"every_user_known", R"(
SELECT format('user %s: %s', u.id, what), count(*) OVER ()
FROM users.users u,
LATERAL (SELECT 'no billing account' AS what
         WHERE NOT EXISTS (SELECT 1 FROM billing.accounts a
                           WHERE a.user_id = u.id)
         UNION ALL
         SELECT 'unknown to orders'
         WHERE NOT EXISTS (SELECT 1 FROM orders.known_users k
                           WHERE k.user_id = u.id)
         UNION ALL
         SELECT 'unknown to notifications'
         WHERE NOT EXISTS (SELECT 1 FROM notifications.recipients r
                           WHERE r.user_id = u.id)) t
ORDER BY u.id)" AUDIT_LIMIT,
   true},
  {"paid_orders_charged", R"(
SELECT format('paid orders sum to %s, order charges to %s', o.total,
              -l.total), 1
FROM (SELECT coalesce(sum(sum), 0) AS total FROM orders.orders
      WHERE status = 'paid') o,
     (SELECT coalesce(sum(amount), 0) AS total FROM billing.ledger
      WHERE kind = 'order_charge') l
WHERE o.total <> -l.total)",
   true},
};

#undef AUDIT_LIMIT

/// Per service schema: every subscriber acknowledged the last event, and
/// every acknowledged event was pruned from the outbox.
constexpr const char* events_delivered_sql = R"(
SELECT format('{schema}: %s', what), count(*) OVER ()
FROM (SELECT format('subscriber %s acknowledged #%s of #%s', c.subscriber,
                    c.acked_seq, h.max_seq) AS what
      FROM {schema}.outbox_cursors c CROSS JOIN {schema}.outbox_head h
      WHERE c.acked_seq <> h.max_seq
      UNION ALL
      SELECT format('%s events still in the outbox (#%s..#%s)', count(*),
                    min(seq), max(seq))
      FROM {schema}.outbox HAVING count(*) > 0) t LIMIT 5)";

/// Runs one check; adds a violation when it finds rows.
void run_check(connection& conn, const std::string& name, const char* sql,
               audit_report& report) {
  report.checks.push_back(name);
  auto res = conn.exec(sql);
  if (res.rows() == 0)
    return;
  audit_violation v;
  v.check = name;
  v.rows = res.int64(0, 1);
  auto examples = res.map_rows([&](int row) { return res.text(row, 0); });
  v.examples = fmt::format("{}", fmt::join(examples, "\n"));
  report.violations.push_back(std::move(v));
}

audit_counts read_counts(connection& conn) {
  auto res = conn.exec(counts_sql);
  int col = 0;
  auto next = [&] { return res.int64(0, col++); };
  auto next_money = [&] { return res.cents(0, col++); };
  audit_counts c;
  c.users = next();
  c.accounts = next();
  c.deposits = next();
  c.deposited = next_money();
  c.payments = next();
  c.paid = next_money();
  c.order_charges = next();
  c.charged = next_money();
  c.total_balance = next_money();
  c.orders = next();
  c.orders_pending = next();
  c.orders_paid = next();
  c.orders_rejected = next();
  c.decisions = next();
  c.notifications = next();
  for (auto& schema : service_schemas()) {
    auto rel = conn.exec(with_schema(reliability_counts_sql, schema).c_str());
    c.outbox_backlog += rel.int64(0, 0);
    c.idempotency_keys += rel.int64(0, 1);
  }
  return c;
}

constexpr const char* ledger_sql = R"(
SELECT id, user_id, amount, kind, coalesce(order_id, 0), balance_after,
       (extract(epoch FROM at) * 1000)::bigint
FROM billing.ledger ORDER BY id)";

constexpr const char* orders_sql = R"(
SELECT id, user_id, item_id, quantity, sum, status,
       (extract(epoch FROM created_at) * 1000)::bigint,
       (extract(epoch FROM updated_at) * 1000)::bigint
FROM orders.orders ORDER BY id)";

constexpr const char* users_sql = R"(
SELECT id, email, name FROM users.users ORDER BY id)";

constexpr const char* notified_orders_sql = R"(
SELECT count(*) FROM notifications.messages WHERE order_id >= $1::bigint)";

constexpr const char* order_timings_sql = R"(
SELECT o.id, (extract(epoch FROM o.created_at) * 1000)::bigint,
       CASE WHEN o.status = 'pending' THEN 0
            ELSE (extract(epoch FROM o.updated_at) * 1000)::bigint END,
       coalesce((extract(epoch FROM m.sent_at) * 1000)::bigint, 0)
FROM orders.orders o LEFT JOIN notifications.messages m ON m.order_id = o.id
WHERE o.id >= $1 ORDER BY o.id)";

} // namespace

bool operator==(const audit_counts& x, const audit_counts& y) {
  auto tie = [](const audit_counts& c) {
    return std::tie(c.users, c.accounts, c.deposits, c.deposited, c.payments,
                    c.paid, c.order_charges, c.charged, c.total_balance,
                    c.orders, c.orders_pending, c.orders_paid,
                    c.orders_rejected, c.decisions, c.notifications,
                    c.outbox_backlog, c.idempotency_keys);
  };
  return tie(x) == tie(y);
}

audit_report audit_database(const std::string& conninfo, audit_options opts) {
  connection conn{conninfo};
  audit_report report;
  conn.transaction([&] {
    conn.exec(snapshot_sql);
    report.counts = read_counts(conn);
    for (const auto& c : checks)
      if (opts.quiescent || !c.quiescent_only)
        run_check(conn, c.name, c.sql, report);
    if (opts.quiescent)
      for (auto& schema : service_schemas())
        run_check(conn, std::string{"events_delivered_"} + schema,
                  with_schema(events_delivered_sql, schema).c_str(), report);
  });
  return report;
}

std::string to_string(const audit_counts& c) {
  return fmt::format(
    "users {}, accounts {}, deposits {} ({}), payments {} ({}), order charges "
    "{} ({}), total balance {}, orders {} (pending {}, paid {}, rejected {}), "
    "decisions {}, notifications {}, outbox backlog {}, idempotency keys {}",
    c.users, c.accounts, c.deposits, to_string(c.deposited), c.payments,
    to_string(c.paid), c.order_charges, to_string(c.charged),
    to_string(c.total_balance), c.orders, c.orders_pending, c.orders_paid,
    c.orders_rejected, c.decisions, c.notifications, c.outbox_backlog,
    c.idempotency_keys);
}

std::string to_string(const audit_report& report) {
  auto result = fmt::format("{}\n{} of {} checks passed",
                            to_string(report.counts), report.passed(),
                            report.checks.size());
  for (const auto& v : report.violations)
    result += fmt::format("\nVIOLATED {} ({} rows):\n{}", v.check, v.rows,
                          v.examples);
  return result;
}

std::vector<ledger_entry> audit_ledger(const std::string& conninfo) {
  connection conn{conninfo};
  auto res = conn.exec(ledger_sql);
  return res.map_rows([&](int row) { return to_ledger_entry(res, row); });
}

std::vector<order> audit_orders(const std::string& conninfo) {
  connection conn{conninfo};
  auto res = conn.exec(orders_sql);
  return res.map_rows([&](int row) { return to_order(res, row); });
}

std::vector<user> audit_users(const std::string& conninfo) {
  connection conn{conninfo};
  auto res = conn.exec(users_sql);
  return res.map_rows([&](int row) { return to_user(res, row); });
}

int64_t audit_notified_orders(const std::string& conninfo,
                              int64_t first_order) {
  connection conn{conninfo};
  return conn.exec(notified_orders_sql, first_order).int64(0, 0);
}

std::vector<order_timing> audit_order_timings(const std::string& conninfo,
                                              int64_t first_order) {
  connection conn{conninfo};
  auto res = conn.exec(order_timings_sql, first_order);
  return res.map_rows([&](int row) {
    return order_timing{res.int64(row, 0), res.int64(row, 1), res.int64(row, 2),
                        res.int64(row, 3)};
  });
}

} // namespace shop::pg
