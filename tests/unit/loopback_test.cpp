// is_loopback_host: which listen addresses get the start-up warning that
// passwords and tokens travel in clear (docs/security.md).

#include <boost/test/unit_test.hpp>

#include "common/address.hpp"

using shop::is_loopback_host;

BOOST_AUTO_TEST_SUITE(loopback)

BOOST_AUTO_TEST_CASE(loopback_addresses) {
  for (auto host :
       {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"})
    BOOST_TEST(is_loopback_host(host), host);
}

BOOST_AUTO_TEST_CASE(other_addresses) {
  for (auto host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.2",
                    "::ffff:10.0.0.1", "2001:db8::1", "example.com", "",
                    "128.0.0.1", "127.0.0.1 ", "localhost.evil"})
    BOOST_TEST(!is_loopback_host(host), host);
}

BOOST_AUTO_TEST_SUITE_END()
