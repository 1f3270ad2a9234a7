// The storage contract on the PostgreSQL repositories.

#include <boost/test/unit_test.hpp>

#include "pg/pg_fixture.hpp"
#include "support/storage_contract.hpp"

using shop::test::pg_fixture;

BOOST_AUTO_TEST_SUITE(pg_storage)

SHOP_STORAGE_CONTRACT_TESTS(pg_fixture)

BOOST_AUTO_TEST_SUITE_END()
