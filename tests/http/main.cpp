// The HTTP suite's entry point: end-to-end tests against the real actorshop
// binary on a real PostgreSQL (see server_fixture.hpp).
#define BOOST_TEST_MODULE http
#include <boost/test/unit_test.hpp>
