// The storage contract on the PostgreSQL repositories, and the migration of
// a database from before passwords.

#include <boost/test/unit_test.hpp>

#include "pg/pg_fixture.hpp"
#include "storage/pg/admin.hpp"
#include "support/storage_contract.hpp"

using shop::test::pg_database;
using shop::test::pg_fixture;

BOOST_AUTO_TEST_SUITE(pg_storage)

SHOP_STORAGE_CONTRACT_TESTS(pg_fixture)

BOOST_FIXTURE_TEST_CASE(users_from_before_passwords_migrate_in_place,
                        pg_database) {
  using namespace shop;
  using namespace shop::contract;
  auto before = std::vector<user>{user{1, "Old@Example.com", "Old"},
                                  user{2, "older@example.com", "Older"}};
  pg::create_users_before_passwords(conninfo, before);
  // Opening the repository applies users.sql, which adds the column.
  auto repo = make_pg_users_repository(conninfo);
  BOOST_TEST(describe(repo->load_users()) == describe(before));
  BOOST_TEST(repo->load_password_hashes().empty()); // NULL: no password
  // The old rows take a password; new users register with one.
  repo->commit(
    new_users({user{3, "new@example.com", "New"}}, {{1, hash_a}, {3, hash_b}}));
  auto reopened = make_pg_users_repository(conninfo);
  BOOST_TEST(
    describe(reopened->load_password_hashes())
    == describe(std::map<user_id, std::string>{{1, hash_a}, {3, hash_b}}));
  BOOST_TEST(reopened->load_users().size() == 3u);
  // The email key still guards the old rows.
  check_throws(
    [&] {
      reopened->commit(new_users({user{4, "OLD@example.com", "Again"}}));
    },
    storage_error::kind::unique_violation);
}

BOOST_AUTO_TEST_SUITE_END()
