#include "storage/pg/pg_repositories.hpp"
#include "storage/pg/reliability.hpp"
#include "storage/pg/rows.hpp"

namespace shop {

namespace {

constexpr const char* load_users_sql = R"(
SELECT id, email, name FROM users.users ORDER BY id)";

// One statement for the whole batch: $1 ids, $2 emails, $3 email keys,
// $4 names, as parallel arrays.
constexpr const char* insert_users_sql = R"(
INSERT INTO users.users (id, email, email_key, name)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]))";

class pg_users_repository : public pg::repository_base<users_repository> {
public:
  explicit pg_users_repository(const std::string& conninfo)
    : repository_base(conninfo, "users") {
  }

  std::vector<user> load_users() override {
    auto res = conn().exec(load_users_sql);
    return res.map_rows([&](int row) { return pg::to_user(res, row); });
  }

  void commit(const users_changes& changes) override {
    if (changes.empty())
      return;
    commit_with(changes.reliable, [&] {
      if (!changes.created.empty())
        insert_users(changes.created);
    });
  }

private:
  void insert_users(const std::vector<user>& xs) {
    pg::array ids, emails, keys, names;
    for (auto& x : xs) {
      ids.add(x.id);
      emails.add(x.email);
      keys.add(email_key(x.email));
      names.add(x.name);
    }
    conn().exec(insert_users_sql, ids, emails, keys, names);
  }
};

} // namespace

std::unique_ptr<users_repository>
make_pg_users_repository(const std::string& conninfo) {
  return std::make_unique<pg_users_repository>(conninfo);
}

} // namespace shop
