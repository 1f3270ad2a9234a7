#include <algorithm>
#include <map>

#include "storage/pg/pg_repositories.hpp"
#include "storage/pg/reliability.hpp"
#include "storage/pg/rows.hpp"

namespace shop {

namespace {

constexpr const char* load_recipients_sql = R"(
SELECT user_id, email, name FROM notifications.recipients ORDER BY user_id)";

constexpr const char* max_notification_id_sql = R"(
SELECT coalesce(max(id), 0) FROM notifications.messages)";

constexpr const char* max_notified_order_sql = R"(
SELECT coalesce(max(order_id), 0) FROM notifications.messages)";

// $1 user id or 0 for any, $2 order id or 0 for any, $3 limit. The planner
// sees the parameters of an unnamed statement, so "$1 = 0 OR ..." folds away
// and the indexes apply.
constexpr const char* list_messages_sql = R"(
SELECT id, user_id, order_id, email, subject, body,
       (extract(epoch FROM sent_at) * 1000)::bigint
FROM notifications.messages
WHERE ($1::bigint = 0 OR user_id = $1::bigint)
  AND ($2::bigint = 0 OR order_id = $2::bigint)
ORDER BY id DESC
LIMIT $3::integer)";

// $1 user ids, $2 emails, $3 names (each user at most once).
constexpr const char* upsert_recipients_sql = R"(
INSERT INTO notifications.recipients (user_id, email, name)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name)";

// $1 ids, $2 user ids, $3 order ids, $4 emails, $5 subjects, $6 bodies,
// $7 times (ms since the epoch). At most one message per order: later ones
// for the same order are dropped silently.
constexpr const char* insert_messages_sql = R"(
INSERT INTO notifications.messages
  (id, user_id, order_id, email, subject, body, sent_at)
SELECT id, user_id, order_id, email, subject, body,
       to_timestamp(sent_ms / 1000.0)
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],
            $6::text[], $7::bigint[])
  WITH ORDINALITY AS t(id, user_id, order_id, email, subject, body, sent_ms, n)
ORDER BY n
ON CONFLICT (order_id) DO NOTHING)";

class pg_notifications_repository
  : public pg::repository_base<notifications_repository> {
public:
  explicit pg_notifications_repository(const std::string& conninfo)
    : repository_base(conninfo, "notifications") {
  }

  std::vector<user> load_recipients() override {
    auto res = conn().exec(load_recipients_sql);
    return res.map_rows([&](int row) { return pg::to_user(res, row); });
  }

  notification_id max_notification_id() override {
    return conn().exec(max_notification_id_sql).int64(0, 0);
  }

  order_id max_notified_order() override {
    return conn().exec(max_notified_order_sql).int64(0, 0);
  }

  std::vector<notification> list(const notification_filter& filter) override {
    auto limit = std::max(filter.limit, int32_t{0});
    auto res = conn().exec(list_messages_sql, filter.user, filter.order, limit);
    return res.map_rows([&](int row) {
      notification x;
      x.id = res.int64(row, 0);
      x.user = res.int64(row, 1);
      x.order = res.int64(row, 2);
      x.email = res.text(row, 3);
      x.subject = res.text(row, 4);
      x.body = res.text(row, 5);
      x.sent_at = res.int64(row, 6);
      return x;
    });
  }

  void commit(const notifications_changes& changes) override {
    if (changes.empty())
      return;
    commit_with(changes.reliable, [&](pg::pipeline& p, pg::row_events&) {
      if (!changes.recipients.empty())
        upsert_recipients(p, changes.recipients);
      if (!changes.sent.empty())
        insert_messages(p, changes.sent);
    });
  }

private:
  void upsert_recipients(pg::pipeline& p, const std::vector<user>& xs) {
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement; the
    // last address of a user in the batch is the one that counts.
    std::map<user_id, const user*> last;
    for (auto& x : xs)
      last[x.id] = &x;
    pg::array ids, emails, names;
    for (auto& [id, x] : last) {
      ids.add(id);
      emails.add(x->email);
      names.add(x->name);
    }
    p.exec(upsert_recipients_sql, ids, emails, names);
  }

  void insert_messages(pg::pipeline& p, const std::vector<notification>& xs) {
    pg::array ids, users, orders, emails, subjects, bodies, times;
    for (auto& x : xs) {
      ids.add(x.id);
      users.add(x.user);
      orders.add(x.order);
      emails.add(x.email);
      subjects.add(x.subject);
      bodies.add(x.body);
      times.add(x.sent_at);
    }
    p.exec(insert_messages_sql, ids, users, orders, emails, subjects, bodies,
           times);
  }
};

} // namespace

std::unique_ptr<notifications_repository>
make_pg_notifications_repository(const std::string& conninfo) {
  return std::make_unique<pg_notifications_repository>(conninfo);
}

} // namespace shop
