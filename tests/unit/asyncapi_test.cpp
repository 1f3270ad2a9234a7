// docs/asyncapi.yaml against the code: every event type is documented on
// its topic's channel, under its C++ type name and that of a delivery, with as
// many payload fields as the type serializes (a field added to an event without
// documenting it fails here).

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <caf/meta/annotation.hpp>

#include "actors/messages.hpp"
#include "actors/service_table.hpp"
#include "actors/topics.hpp"
#include "support/contract.hpp"

using namespace shop;
using namespace shop::test;

namespace {

/// Counts the fields an inspect() overload visits (annotations aside).
struct field_counter {
  using result_type = void;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;
  size_t fields = 0;

  template <class... Ts>
  void operator()(Ts&&... xs) {
    (count(xs), ...);
  }

  template <class T>
  void count(const T&) {
    if constexpr (!caf::meta::is_annotation<T>::value)
      ++fields;
  }
};

template <class Event>
size_t fields_of() {
  Event x;
  field_counter f;
  inspect(f, x);
  return f.fields;
}

template <class Event>
void check_event(const YAML::Node& doc, const char* topic,
                 const std::string& type_name) {
  auto channel = doc["channels"][topic];
  BOOST_TEST_REQUIRE(static_cast<bool>(channel),
                     "no channel " << topic << " in docs/asyncapi.yaml");
  auto ref = channel["subscribe"]["message"]["$ref"].as<std::string>();
  auto message = doc["components"]["messages"][ref.substr(ref.rfind('/') + 1)];
  BOOST_TEST_REQUIRE(static_cast<bool>(message), "dangling " << ref);
  BOOST_TEST(message["x-type"].as<std::string>() == type_name);
  // What one request carries, under the name CAF registers it with.
  BOOST_TEST(message["x-delivery"].as<std::string>()
             == caf::type_name<event_batch<Event>>::value);
  auto schema_ref = message["payload"]["$ref"].as<std::string>();
  auto schema = doc["components"]["schemas"]
                   [schema_ref.substr(schema_ref.rfind('/') + 1)];
  BOOST_TEST(schema["properties"].size() == fields_of<Event>(),
             topic << ": " << schema["properties"].size()
                   << " documented fields, the type has "
                   << fields_of<Event>());
  BOOST_TEST(schema["required"].size() == schema["properties"].size(),
             topic << ": every field is always present");
  BOOST_TEST(static_cast<bool>(schema["properties"]["seq"]),
             topic << ": seq is documented");
}

} // namespace

BOOST_AUTO_TEST_SUITE(asyncapi_contract)

BOOST_AUTO_TEST_CASE(every_event_is_documented) {
  auto doc = load_contract("asyncapi.yaml");
  BOOST_TEST(doc["asyncapi"].as<std::string>().rfind("2.", 0) == 0);
  check_event<user_created>(doc, user_created_topic, "shop::user_created");
  check_event<order_created>(doc, order_created_topic, "shop::order_created");
  check_event<order_processed>(doc, order_processed_topic,
                               "shop::order_processed");
  // Three events, three channels: nothing documented that does not exist.
  BOOST_TEST(doc["channels"].size() == 3u);
}

// Who publishes and who consumes each topic, as documented (x-publisher,
// x-subscribers), is what the service table wires.
BOOST_AUTO_TEST_CASE(channels_name_the_services_of_the_table) {
  auto doc = load_contract("asyncapi.yaml");
  for (auto it = doc["channels"].begin(); it != doc["channels"].end(); ++it) {
    auto topic = it->first.as<std::string>();
    std::vector<std::string> publishers;
    std::vector<std::string> consumers;
    for (auto& x : service_table()) {
      for (auto& t : x.publishes)
        if (t == topic)
          publishers.push_back(x.name);
      for (auto& t : x.consumes)
        if (t == topic)
          consumers.push_back(x.name);
    }
    BOOST_TEST_REQUIRE(publishers.size() == 1u,
                       topic << ": one publisher in the service table");
    BOOST_TEST(it->second["x-publisher"].as<std::string>() == publishers[0],
               topic << ": documented publisher");
    auto documented
      = it->second["x-subscribers"].as<std::vector<std::string>>();
    BOOST_TEST(documented == consumers, topic << ": documented subscribers");
  }
}

BOOST_AUTO_TEST_SUITE_END()
