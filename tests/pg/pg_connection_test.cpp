// What only PostgreSQL has: error mapping, lost connections, the schema set-up.

#include <boost/test/unit_test.hpp>

#include <future>
#include <string>
#include <vector>

#include "pg/pg_fixture.hpp"
#include "storage/pg/connection.hpp"
#include "support/storage_contract.hpp"

using namespace shop;
using shop::contract::check_throws;
using kind = shop::storage_error::kind;

BOOST_AUTO_TEST_SUITE(pg_connection)

BOOST_AUTO_TEST_CASE(classify_maps_sqlstates) {
  auto is = [](const char* state, bool ok, kind want) {
    BOOST_CHECK_MESSAGE(pg::classify(state, ok) == want,
                        "wrong kind for " << (state ? state : "(none)"));
  };
  is("23505", true, kind::unique_violation);
  is("40001", true, kind::serialization_failure);
  is("40P01", true, kind::serialization_failure);
  is("23514", true, kind::constraint_violation);
  is("23503", true, kind::constraint_violation);
  is("23502", true, kind::constraint_violation);
  is("08006", true, kind::connection_lost);
  is("08001", true, kind::connection_lost);
  is("57P01", true, kind::connection_lost);
  is("42P01", true, kind::other);
  is("22P02", true, kind::other);
  is(nullptr, true, kind::other);
  is("", true, kind::other);
  // A broken connection wins over whatever the server said last.
  is("23505", false, kind::connection_lost);
  is(nullptr, false, kind::connection_lost);
}

BOOST_AUTO_TEST_CASE(unreachable_server_is_connection_lost) {
  check_throws(
    [] { make_pg_users_repository("host=/nonexistent-actorshop port=1"); },
    kind::connection_lost);
}

BOOST_AUTO_TEST_CASE(malformed_conninfo_is_other) {
  check_throws([] { make_pg_users_repository("no_such_option=1"); },
               kind::other);
  check_throws([] { make_pg_users_repository("postgresql://[::1"); },
               kind::other);
}

BOOST_AUTO_TEST_CASE(with_database_rewrites_urls) {
  auto str = pg::with_database("postgresql://me@/old?host=/tmp/x%20y&port=5",
                               "new_db");
  BOOST_TEST(str.find("user='me'") != std::string::npos, str);
  BOOST_TEST(str.find("host='/tmp/x y'") != std::string::npos, str);
  BOOST_TEST(str.find("port='5'") != std::string::npos, str);
  BOOST_TEST(str.find("old") == std::string::npos, str);
  BOOST_TEST(str.find("dbname=new_db") != std::string::npos, str);
  check_throws([] { pg::with_database("host=/tmp", "Bad;Name"); }, kind::other);
}

BOOST_FIXTURE_TEST_CASE(errors_carry_sqlstate_and_message,
                        shop::test::pg_database) {
  auto repo = make_pg_users_repository(conninfo);
  repo->commit(users_changes{{user{1, "a@example.com", "A"}}, {}});
  try {
    repo->commit(users_changes{{user{2, "A@example.com", "B"}}, {}});
    BOOST_ERROR("expected a unique violation");
  } catch (const storage_error& e) {
    BOOST_TEST(e.sqlstate() == "23505");
    std::string what = e.what();
    BOOST_TEST(what.find("23505") != std::string::npos, what);
    BOOST_TEST(what.find("email_key") != std::string::npos, what);
  }
}

BOOST_FIXTURE_TEST_CASE(array_literals_keep_every_character,
                        shop::test::pg_database) {
  // Quotes and backslashes are escaped inside a text array element; braces,
  // commas, spaces and NULL-looking text are not special once quoted.
  std::vector<std::string> texts{"plain",  "a\"b",  "back\\slash", "\\\"",
                                 "",       "{x,y}", " spaced ",    "NULL",
                                 "\"\"\"", "\\"};
  pg::array xs;
  for (auto& t : texts)
    xs.add(t);
  pg::connection conn{conninfo};
  auto res = conn.exec("SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS "
                       "u(x, n) ORDER BY n",
                       xs);
  BOOST_REQUIRE_EQUAL(res.rows(), static_cast<int>(texts.size()));
  for (size_t i = 0; i < texts.size(); ++i)
    BOOST_TEST(res.text(static_cast<int>(i), 0) == texts[i], "element " << i);
}

BOOST_FIXTURE_TEST_CASE(pipelined_transactions_commit_all_or_nothing,
                        shop::test::pg_database) {
  pg::connection conn{conninfo};
  conn.exec_script("CREATE TABLE t (id integer PRIMARY KEY)");
  constexpr const char* insert = "INSERT INTO t VALUES ($1::integer)";
  constexpr const char* count = "SELECT count(*) FROM t";
  auto rows = [&] { return conn.exec(count).int64(0, 0); };
  conn.pipelined([&](pg::pipeline& p) {
    p.exec(insert, 1);
    p.exec(insert, 2);
    // A query inside sees the transaction's own rows.
    BOOST_TEST(p.query(count).int64(0, 0) == 2);
    p.exec(insert, 3);
  });
  BOOST_TEST(rows() == 3);
  // A failing statement in the middle: nothing of the batch stays, whether
  // queued before or after it, and the statement prepared before the failure
  // (the UPDATE) and the one queued after it (never prepared) both work on the
  // same connection afterwards.
  constexpr const char* touch = "UPDATE t SET id = id WHERE id = $1::integer";
  constexpr const char* insert_select = "INSERT INTO t SELECT $1::integer";
  check_throws(
    [&] {
      conn.pipelined([&](pg::pipeline& p) {
        p.exec(insert, 4);
        p.exec(touch, 1);
        p.exec(insert, 1); // Duplicate key.
        p.exec(insert_select, 5);
      });
    },
    kind::unique_violation);
  BOOST_TEST(rows() == 3);
  conn.pipelined([&](pg::pipeline& p) {
    p.exec(touch, 2);
    p.exec(insert_select, 6);
    p.exec(insert, 7);
  });
  BOOST_TEST(rows() == 5);
  // The body throwing before anything was synchronized: rolled back too.
  BOOST_CHECK_THROW(conn.pipelined([&](pg::pipeline& p) {
    p.exec(insert, 8);
    throw std::runtime_error("body failed");
  }),
                    std::runtime_error);
  BOOST_TEST(rows() == 5);
  // A failing COMMIT (a deferred constraint checked only then).
  conn.exec_script("CREATE TABLE d (id integer UNIQUE DEFERRABLE INITIALLY "
                   "DEFERRED)");
  check_throws(
    [&] {
      conn.pipelined([&](pg::pipeline& p) {
        p.exec("INSERT INTO d VALUES (1), (1)");
        p.exec(insert, 9);
      });
    },
    kind::unique_violation);
  BOOST_TEST(rows() == 5);
  BOOST_TEST(conn.exec("SELECT count(*) FROM d").int64(0, 0) == 0);
}

BOOST_FIXTURE_TEST_CASE(terminated_connection_is_connection_lost,
                        shop::test::pg_fixture) {
  auto repo = factories.users();
  repo->commit(users_changes{{user{1, "a@example.com", "A"}}, {}});
  BOOST_TEST(pg::terminate_connections(admin, name) >= 1);
  check_throws([&] { repo->load_users(); }, kind::connection_lost);
  check_throws(
    [&] {
      repo->commit(users_changes{{user{2, "b@example.com", "B"}}, {}});
    },
    kind::connection_lost);
  // A restarted service reconnects and finds what was committed.
  BOOST_TEST(factories.users()->load_users().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(services_set_up_their_schemas_concurrently,
                        shop::test::pg_fixture) {
  // Two instances of every service starting at once on an empty database:
  // without the advisory lock, CREATE SCHEMA/TABLE IF NOT EXISTS can collide.
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<void>> done;
  for (int i = 0; i < 8; ++i)
    done.push_back(std::async(std::launch::async, [&, i] {
      start.wait();
      switch (i % 4) {
        case 0:
          factories.users()->load_users();
          break;
        case 1:
          factories.billing()->load_accounts();
          break;
        case 2:
          factories.orders()->load_pending();
          break;
        default:
          factories.notifications()->load_recipients();
      }
    }));
  go.set_value();
  int failures = 0;
  for (auto& x : done) {
    try {
      x.get();
    } catch (const std::exception& e) {
      ++failures;
      BOOST_TEST_MESSAGE("schema set-up failed: " << e.what());
    }
  }
  BOOST_TEST(failures == 0);
}

BOOST_FIXTURE_TEST_CASE(schema_survives_reapplying, shop::test::pg_database) {
  // The schema scripts run at every start: the second run must keep the data.
  orders_changes changes;
  changes.known_users = {1, 2};
  make_pg_orders_repository(conninfo)->commit(changes);
  for (int i = 0; i < 2; ++i)
    BOOST_TEST(make_pg_orders_repository(conninfo)->load_known_users().size()
               == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
