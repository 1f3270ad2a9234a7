// The pg suite: storage against a real PostgreSQL. ctest starts a throwaway
// cluster first (scripts/pg-cluster.sh start-temp) and passes its state
// directory in ACTORSHOP_TEST_PG_STATE.
#define BOOST_TEST_MODULE pg
#include <boost/test/unit_test.hpp>
