// The unit suite's entry point: pure functions, no actors, no database.
// Every other tests/unit/*.cpp only includes <boost/test/unit_test.hpp>.
#define BOOST_TEST_MODULE unit
#include <boost/test/unit_test.hpp>
