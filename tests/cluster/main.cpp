// The cluster suite's entry point: the real actorshop binary as five and six
// processes (one node per service, HTTP fronts) on a real PostgreSQL, nodes
// killed and restarted, then audited (storage/pg/audit.hpp).
#define BOOST_TEST_MODULE cluster
#include <boost/test/unit_test.hpp>
