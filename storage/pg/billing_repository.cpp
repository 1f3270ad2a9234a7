#include <map>

#include "storage/pg/pg_repositories.hpp"
#include "storage/pg/reliability.hpp"
#include "storage/pg/rows.hpp"

namespace shop {

namespace {

constexpr const char* load_accounts_sql = R"(
SELECT user_id, balance FROM billing.accounts ORDER BY user_id)";

constexpr const char* max_ledger_id_sql = R"(
SELECT coalesce(max(id), 0) FROM billing.ledger)";

constexpr const char* find_charge_sql = R"(
SELECT order_id, user_id, sum, result FROM billing.order_charges
WHERE order_id = $1::bigint)";

constexpr const char* max_decided_order_sql = R"(
SELECT coalesce(max(order_id), 0) FROM billing.order_charges)";

constexpr const char* ledger_sql = R"(
SELECT id, user_id, amount, kind, coalesce(order_id, 0), balance_after,
       (extract(epoch FROM at) * 1000)::bigint
FROM billing.ledger WHERE user_id = $1::bigint ORDER BY id)";

// $1 user ids, $2 balances.
constexpr const char* insert_accounts_sql = R"(
INSERT INTO billing.accounts (user_id, balance)
SELECT * FROM unnest($1::bigint[], $2::bigint[]))";

// $1 ids, $2 user ids, $3 amounts, $4 kinds, $5 order ids (0 for none),
// $6 balances after, $7 times (ms since the epoch).
constexpr const char* insert_entries_sql = R"(
INSERT INTO billing.ledger
  (id, user_id, amount, kind, order_id, balance_after, at)
SELECT id, user_id, amount, kind, nullif(order_id, 0), balance_after,
       to_timestamp(at_ms / 1000.0)
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[],
            $5::bigint[], $6::bigint[], $7::bigint[])
  AS t(id, user_id, amount, kind, order_id, balance_after, at_ms))";

// $1 user ids, $2 new balances (each user at most once).
constexpr const char* update_balances_sql = R"(
UPDATE billing.accounts AS a SET balance = t.balance
FROM unnest($1::bigint[], $2::bigint[]) AS t(user_id, balance)
WHERE a.user_id = t.user_id)";

// $1 order ids, $2 user ids, $3 sums, $4 results, $5 event seqs, $6 events
// (hex; NULL for none).
constexpr const char* insert_charges_sql = R"(
INSERT INTO billing.order_charges
  (order_id, user_id, sum, result, event_seq, event)
SELECT order_id, user_id, sum, result, event_seq, decode(event, 'hex')
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[],
            $5::bigint[], $6::text[])
  AS t(order_id, user_id, sum, result, event_seq, event))";

class pg_billing_repository : public pg::repository_base<billing_repository> {
public:
  explicit pg_billing_repository(const std::string& conninfo)
    : repository_base(conninfo, "billing") {
  }

  std::vector<account> load_accounts() override {
    auto res = conn().exec(load_accounts_sql);
    return res.map_rows([&](int row) {
      return account{res.int64(row, 0), res.cents(row, 1)};
    });
  }

  int64_t max_ledger_id() override {
    return conn().exec(max_ledger_id_sql).int64(0, 0);
  }

  // The charge's seq is not stored: it comes back as 0 (see the interface).
  order_id max_decided_order() override {
    return conn().exec(max_decided_order_sql).int64(0, 0);
  }

  std::optional<order_processed> find_charge(order_id id) override {
    auto res = conn().exec(find_charge_sql, id);
    if (res.rows() == 0)
      return std::nullopt;
    order_processed x;
    x.order = res.int64(0, 0);
    x.user = res.int64(0, 1);
    x.sum = res.cents(0, 2);
    x.result = pg::parse_enum<payment_result>(res.text(0, 3));
    return x;
  }

  std::vector<ledger_entry> ledger(user_id user) override {
    auto res = conn().exec(ledger_sql, user);
    return res.map_rows([&](int row) { return pg::to_ledger_entry(res, row); });
  }

  void commit(const billing_changes& changes) override {
    if (changes.empty())
      return;
    commit_with(changes.reliable, [&](pg::pipeline& p, pg::row_events& events) {
      if (!changes.opened.empty())
        insert_accounts(p, changes.opened);
      if (!changes.entries.empty()) {
        insert_entries(p, changes.entries);
        update_balances(p, changes.entries);
      }
      if (!changes.charges.empty())
        insert_charges(p, changes.charges, events);
    });
  }

private:
  void insert_accounts(pg::pipeline& p, const std::vector<account>& xs) {
    pg::array users, balances;
    for (auto& x : xs) {
      users.add(x.user);
      balances.add(x.balance);
    }
    p.exec(insert_accounts_sql, users, balances);
  }

  void insert_entries(pg::pipeline& p, const std::vector<ledger_entry>& xs) {
    pg::array ids, users, amounts, kinds, orders, balances, times;
    for (auto& x : xs) {
      ids.add(x.id);
      users.add(x.user);
      amounts.add(x.amount);
      kinds.add(to_string(x.kind));
      orders.add(x.order);
      balances.add(x.balance_after);
      times.add(x.at);
    }
    p.exec(insert_entries_sql, ids, users, amounts, kinds, orders, balances,
           times);
  }

  /// Sets each touched account to the balance after its last entry.
  void update_balances(pg::pipeline& p, const std::vector<ledger_entry>& xs) {
    std::map<user_id, money> last;
    for (auto& x : xs)
      last[x.user] = x.balance_after;
    pg::array users, balances;
    for (auto& [user, balance] : last) {
      users.add(user);
      balances.add(balance);
    }
    p.exec(pg::custom_plan{update_balances_sql}, users, balances);
  }

  /// The decisions with their ORDER_PROCESSED events (billing.events).
  void insert_charges(pg::pipeline& p, const std::vector<order_processed>& xs,
                      pg::row_events& events) {
    pg::array orders, users, sums, results, event_seqs, payloads;
    for (auto& x : xs) {
      auto* e = events.take(x.order);
      event_seqs.add(e != nullptr ? pg::param{std::to_string(e->seq)}
                                  : pg::param{});
      payloads.add(e != nullptr ? pg::param{pg::to_hex(e->payload)}
                                : pg::param{});
      orders.add(x.order);
      users.add(x.user);
      sums.add(x.sum);
      results.add(to_string(x.result));
    }
    p.exec(insert_charges_sql, orders, users, sums, results, event_seqs,
           payloads);
  }
};

} // namespace

std::unique_ptr<billing_repository>
make_pg_billing_repository(const std::string& conninfo) {
  return std::make_unique<pg_billing_repository>(conninfo);
}

} // namespace shop
