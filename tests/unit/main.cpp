// The unit suite's entry point: no database, no socket, no other process;
// actors only on CAF's test coordinator. Every other tests/unit/*.cpp only
// includes <boost/test/unit_test.hpp>.
#define BOOST_TEST_MODULE unit
#include <boost/test/unit_test.hpp>
