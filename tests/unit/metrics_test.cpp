// The metrics registry and its Prometheus text exposition.

#include <boost/test/unit_test.hpp>

#include <string>

#include "common/metrics.hpp"
#include "http/metrics_text.hpp"

using namespace shop;

BOOST_AUTO_TEST_SUITE(metrics_registry)

BOOST_AUTO_TEST_CASE(same_name_and_labels_is_the_same_metric) {
  metrics::registry r;
  auto& a = r.get_counter("t_total", "help", {{"x", "1"}});
  auto& b = r.get_counter("t_total", "help", {{"x", "1"}});
  auto& c = r.get_counter("t_total", "help", {{"x", "2"}});
  BOOST_TEST(&a == &b);
  BOOST_TEST(&a != &c);
  a.inc();
  b.inc(2);
  BOOST_TEST(a.value() == 3u);
  BOOST_TEST(c.value() == 0u);
  BOOST_CHECK_THROW(r.get_gauge("t_total", "help"), std::logic_error);
}

BOOST_AUTO_TEST_CASE(exposition_groups_families_and_escapes) {
  metrics::registry r;
  r.get_counter("b_total", "B things.", {{"route", "/x"}, {"status", "200"}})
    .inc(5);
  r.get_counter("b_total", "B things.", {{"route", "/x"}, {"status", "404"}})
    .inc();
  r.get_gauge("a_gauge", "A \\ gauge\nwith two lines.", {{"v", "q\"uote"}})
    .set(1.5);
  auto text = http::to_prometheus(r.collect());
  auto expected = std::string{"# HELP a_gauge A \\\\ gauge\\nwith two lines.\n"
                              "# TYPE a_gauge gauge\n"
                              "a_gauge{v=\"q\\\"uote\"} 1.5\n"
                              "# HELP b_total B things.\n"
                              "# TYPE b_total counter\n"
                              "b_total{route=\"/x\",status=\"200\"} 5\n"
                              "b_total{route=\"/x\",status=\"404\"} 1\n"};
  BOOST_TEST(text == expected);
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_with_sum_and_count) {
  metrics::registry r;
  auto& h = r.get_histogram("d_seconds", "D.");
  h.observe(0.0003); // first bucket (0.0005)
  h.observe(0.003);  // 0.005
  h.observe(0.003);
  h.observe(60); // only +Inf
  auto text = http::to_prometheus(r.collect());
  BOOST_TEST(text.find("d_seconds_bucket{le=\"0.0005\"} 1\n")
               != std::string::npos,
             text);
  BOOST_TEST(text.find("d_seconds_bucket{le=\"0.0025\"} 1\n")
               != std::string::npos,
             text);
  BOOST_TEST(text.find("d_seconds_bucket{le=\"0.005\"} 3\n")
               != std::string::npos,
             text);
  BOOST_TEST(text.find("d_seconds_bucket{le=\"10\"} 3\n") != std::string::npos,
             text);
  BOOST_TEST(text.find("d_seconds_bucket{le=\"+Inf\"} 4\n")
               != std::string::npos,
             text);
  BOOST_TEST(text.find("d_seconds_count 4\n") != std::string::npos, text);
  BOOST_TEST(h.sum() > 60.006);
  BOOST_TEST(h.sum() < 60.007);
}

BOOST_AUTO_TEST_CASE(collect_runs_the_hooks_once_per_key) {
  metrics::registry r;
  auto& g = r.get_gauge("g", "G.");
  int calls = 0;
  r.on_collect("k", [&] { g.set(++calls); });
  r.on_collect("k", [&] { g.set(100 + ++calls); }); // replaces the first
  r.collect();
  BOOST_TEST(calls == 1);
  BOOST_TEST(g.value() == 101);
}

BOOST_AUTO_TEST_SUITE_END()
