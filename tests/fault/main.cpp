// The fault suite's entry point: the real actorshop binary on a real
// PostgreSQL, killed, starved of its database and flooded with duplicates
// and garbage, and then audited (storage/pg/audit.hpp).
#define BOOST_TEST_MODULE fault
#include <boost/test/unit_test.hpp>
