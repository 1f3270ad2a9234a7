#include <map>
#include <set>
#include <string>

#include "storage/pg/pg_repositories.hpp"
#include "storage/pg/reliability.hpp"
#include "storage/pg/rows.hpp"

namespace shop {

namespace {

constexpr const char* load_users_sql = R"(
SELECT id, email, name FROM users.users ORDER BY id)";

constexpr const char* load_password_hashes_sql = R"(
SELECT id, password_hash FROM users.users
WHERE password_hash IS NOT NULL ORDER BY id)";

// One statement for the whole batch: $1 ids, $2 emails, $3 email keys,
// $4 names, $5 password hashes (NULL: none), as parallel arrays.
constexpr const char* insert_users_sql = R"(
INSERT INTO users.users (id, email, email_key, name, password_hash)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                     $5::text[]))";

// $1 ids, $2 hashes; answers how many rows it changed, so that a hash for
// a user who does not exist fails the commit instead of vanishing.
constexpr const char* update_password_hashes_sql = R"(
WITH changed AS (
  UPDATE users.users AS u SET password_hash = p.hash
  FROM unnest($1::bigint[], $2::text[]) AS p (id, hash)
  WHERE u.id = p.id
  RETURNING u.id)
SELECT count(*) FROM changed)";

class pg_users_repository : public pg::repository_base<users_repository> {
public:
  explicit pg_users_repository(const std::string& conninfo)
    : repository_base(conninfo, "users") {
  }

  std::vector<user> load_users() override {
    auto res = conn().exec(load_users_sql);
    return res.map_rows([&](int row) { return pg::to_user(res, row); });
  }

  std::map<user_id, std::string> load_password_hashes() override {
    auto res = conn().exec(load_password_hashes_sql);
    std::map<user_id, std::string> result;
    for (int row = 0; row < res.rows(); ++row)
      result.emplace(res.int64(row, 0), res.text(row, 1));
    return result;
  }

  void commit(const users_changes& changes) override {
    if (changes.empty())
      return;
    commit_with(changes.reliable, [&](pg::pipeline& p, pg::row_events&) {
      if (!changes.created.empty())
        insert_users(p, changes.created, changes.passwords);
      update_password_hashes(p, changes);
    });
  }

private:
  void insert_users(pg::pipeline& p, const std::vector<user>& xs,
                    const std::map<user_id, std::string>& passwords) {
    pg::array ids, emails, keys, names, hashes;
    for (auto& x : xs) {
      ids.add(x.id);
      emails.add(x.email);
      keys.add(email_key(x.email));
      names.add(x.name);
      auto i = passwords.find(x.id);
      hashes.add(i != passwords.end() ? pg::param{i->second} : pg::param{});
    }
    p.exec(insert_users_sql, ids, emails, keys, names, hashes);
  }

  /// The hashes of users not created in this batch.
  void update_password_hashes(pg::pipeline& p, const users_changes& changes) {
    std::set<user_id> created;
    for (auto& x : changes.created)
      created.insert(x.id);
    pg::array ids, hashes;
    for (auto& [id, hash] : changes.passwords) {
      if (created.count(id) > 0)
        continue;
      ids.add(id);
      hashes.add(hash);
    }
    if (ids.size() == 0)
      return;
    // Its count decides whether the batch may commit: a round trip of its
    // own (rare: only set and rehashed passwords).
    auto res = p.query(update_password_hashes_sql, ids, hashes);
    if (res.int64(0, 0) != static_cast<int64_t>(ids.size()))
      throw storage_error(storage_error::kind::constraint_violation, "",
                          "storage: a password hash for an unknown user");
  }
};

} // namespace

std::unique_ptr<users_repository>
make_pg_users_repository(const std::string& conninfo) {
  return std::make_unique<pg_users_repository>(conninfo);
}

} // namespace shop
