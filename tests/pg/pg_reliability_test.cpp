// What only the PostgreSQL side of the reliability tables needs: the hex
// transport of binary values, the fixed list of schema names, and databases
// created by an earlier version (before the reliability tables existed).

#include <boost/test/unit_test.hpp>

#include <string>

#include "pg/pg_fixture.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema.hpp"
#include "support/storage_contract.hpp"

using namespace shop;
using shop::contract::check_throws;
using kind = shop::storage_error::kind;

BOOST_AUTO_TEST_SUITE(pg_reliability)

BOOST_AUTO_TEST_CASE(hex_round_trips_every_byte) {
  auto bytes = contract::all_bytes();
  auto hex = pg::to_hex(bytes);
  BOOST_TEST(hex.size() == 512u);
  BOOST_TEST(hex.substr(0, 8) == "00010203");
  BOOST_TEST(hex.substr(504) == "fcfdfeff");
  BOOST_TEST(pg::from_hex(hex) == bytes);
  BOOST_TEST(pg::from_hex("DEADbeef") == std::string("\xde\xad\xbe\xef"));
  BOOST_TEST(pg::from_hex("").empty());
  check_throws([] { pg::from_hex("abc"); }, kind::other);
  check_throws([] { pg::from_hex("zz"); }, kind::other);
  check_throws([] { pg::from_hex("\\x00"); }, kind::other);
}

BOOST_AUTO_TEST_CASE(only_service_schemas_go_into_sql) {
  BOOST_TEST(pg::with_schema("SELECT 1 FROM {schema}.a, {schema}.b", "billing")
             == "SELECT 1 FROM billing.a, billing.b");
  BOOST_TEST(pg::with_schema("no placeholder", "users") == "no placeholder");
  for (auto name :
       {"public", "reliability", "", "users; DROP TABLE x", "Users", "users "})
    BOOST_CHECK_MESSAGE(!pg::is_service_schema(name),
                        "accepted '" << name << "'");
  check_throws([] { pg::with_schema("{schema}.outbox", "public"); },
               kind::other);
}

BOOST_FIXTURE_TEST_CASE(apply_schema_rejects_other_names,
                        shop::test::pg_database) {
  pg::connection conn{conninfo};
  // reliability.sql is embedded like the service schemas, but it is no
  // schema of its own.
  check_throws([&] { pg::apply_schema(conn, "reliability"); }, kind::other);
  check_throws([&] { pg::apply_schema(conn, "public"); }, kind::other);
}

BOOST_FIXTURE_TEST_CASE(earlier_databases_gain_the_reliability_tables,
                        shop::test::pg_database) {
  // A database as an earlier version left it: the service schema files
  // without the views over the outbox (which came with the reliability
  // tables), none of the reliability tables.
  {
    pg::connection conn{conninfo};
    for (auto name : contract::services()) {
      std::string sql = schema_sql(name.c_str());
      auto view = sql.find("CREATE OR REPLACE VIEW");
      BOOST_REQUIRE(view != std::string::npos);
      conn.exec_script(sql.erase(view).c_str());
    }
  }
  auto factories = make_pg_repositories(conninfo);
  // Opening a repository adds the tables, whatever the service.
  for (auto& name : contract::services()) {
    BOOST_TEST_CONTEXT("service " << name) {
      auto view = contract::open_reliable(factories, name);
      BOOST_TEST(view.repo->load_reliability().outbox.empty());
      reliability_changes x;
      x.outbox = {contract::event(1)};
      x.idempotency = {contract::key_record("deposit", "k")};
      view.commit(x);
      // Applying the schema again keeps what is there.
      auto again = contract::open_reliable(factories, name);
      BOOST_TEST(again.repo->load_reliability().max_outbox_seq == 1);
      BOOST_TEST(again.repo->find_idempotency("deposit", "k").has_value());
    }
  }
}

BOOST_FIXTURE_TEST_CASE(idempotency_keys_are_unique_across_connections,
                        shop::test::pg_fixture) {
  // Two instances of a service (two connections) storing the same key: the
  // database decides, not a check made before the insert.
  auto first = factories.billing();
  auto second = factories.billing();
  BOOST_TEST(!second->find_idempotency("deposit", "k").has_value());
  billing_changes a;
  a.opened = {account{1, money{}}};
  a.reliable.idempotency = {contract::key_record("deposit", "k", "a", "a")};
  first->commit(a);
  billing_changes b;
  b.opened = {account{2, money{}}};
  b.reliable.idempotency = {contract::key_record("deposit", "k", "b", "b")};
  check_throws([&] { second->commit(b); }, kind::unique_violation);
  BOOST_TEST(second->load_accounts().size() == 1u);
  BOOST_TEST(second->find_idempotency("deposit", "k")->request == "a");
}

BOOST_AUTO_TEST_SUITE_END()
