// The service table (actors/service_table.hpp) against what derives from it
// and what it must agree with: storage's schema files, placement, the topics.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "actors/placement.hpp"
#include "actors/service_table.hpp"
#include "actors/topics.hpp"
#include "storage/schema.hpp"

using namespace shop;

BOOST_AUTO_TEST_SUITE(service_table_checks)

BOOST_AUTO_TEST_CASE(names_are_unique_and_placement_lists_them) {
  std::vector<std::string> names;
  std::set<std::string> distinct;
  for (auto& x : service_table()) {
    BOOST_TEST(!x.name.empty());
    names.push_back(x.name);
    distinct.insert(x.name);
    BOOST_TEST(find_service(x.name) == &x);
    BOOST_TEST(x.db_url_option == x.name + "-db-url");
    BOOST_TEST((x.spawn && x.use_pg && x.probe && x.handle && x.bind),
               x.name << ": every function of the entry is set");
  }
  BOOST_TEST(distinct.size() == names.size());
  BOOST_TEST(service_names() == names);
  BOOST_TEST(find_service("shipping") == nullptr);
}

// Each service has one storage/sql/<schema>.sql, and each such file belongs
// to a service: storage checks schema names against its files.
BOOST_AUTO_TEST_CASE(schemas_match_the_sql_files) {
  std::vector<std::string> schemas;
  for (auto& x : service_table())
    schemas.push_back(x.schema);
  std::sort(schemas.begin(), schemas.end());
  BOOST_TEST(schemas == service_schemas());
}

// Every topic has exactly one publisher and at least one consumer, and no
// service consumes what it publishes.
BOOST_AUTO_TEST_CASE(every_topic_has_one_publisher_and_consumers) {
  for (auto topic :
       {user_created_topic, order_created_topic, order_processed_topic}) {
    size_t publishers = 0;
    size_t consumers = 0;
    for (auto& x : service_table()) {
      auto pub = std::count(x.publishes.begin(), x.publishes.end(), topic);
      auto con = std::count(x.consumes.begin(), x.consumes.end(), topic);
      BOOST_TEST(!(pub > 0 && con > 0),
                 x.name << " consumes its own " << topic);
      publishers += static_cast<size_t>(pub);
      consumers += static_cast<size_t>(con);
    }
    BOOST_TEST(publishers == 1u, topic);
    BOOST_TEST(consumers >= 1u, topic);
  }
  std::set<std::string> known{user_created_topic, order_created_topic,
                              order_processed_topic};
  for (auto& x : service_table()) {
    for (auto& t : x.publishes)
      BOOST_TEST(known.count(t) == 1u, x.name << " publishes unknown " << t);
    for (auto& t : x.consumes)
      BOOST_TEST(known.count(t) == 1u, x.name << " consumes unknown " << t);
  }
}

BOOST_AUTO_TEST_SUITE_END()
