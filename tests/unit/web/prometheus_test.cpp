#include "web/prometheus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace aciswarm::web {
namespace {

TEST(Prometheus, FamiliesAndSamplesInTextFormat) {
    PrometheusText m;
    m.family("x_total", "counter", "Things.\nwith a \\ newline")
        .sample("x_total", std::uint64_t{7}, {{"kind", "a"}, {"b", "c"}});
    EXPECT_EQ(m.text(),
              "# HELP x_total Things.\\nwith a \\\\ newline\n"
              "# TYPE x_total counter\n"
              "x_total{kind=\"a\",b=\"c\"} 7\n");
}

TEST(Prometheus, HostileLabelValuesCannotEndTheLineOrTheLabel) {
    PrometheusText m;
    m.sample("r", 0.5, {{"name", "a\"} 1\nevil 2 \\"}});
    EXPECT_EQ(m.text(), "r{name=\"a\\\"} 1\\nevil 2 \\\\\"} 0.5\n");
    EXPECT_EQ(std::count(m.text().begin(), m.text().end(), '\n'), 1);
}

TEST(Prometheus, ValuesAreExactOrShortestRoundTrip) {
    EXPECT_EQ(metric_value(3), "3");
    EXPECT_EQ(metric_value(0.1), "0.1");
    EXPECT_EQ(metric_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(metric_value(std::nan("")), "NaN");
}

TEST(Prometheus, HistogramBucketsAreCumulativeAndEndWithInf) {
    Histogram h({10, 1, 5});  // sorted on construction
    for (double v : {0.5, 1.0, 3.0, 7.0, 100.0})
        h.observe(v);
    EXPECT_EQ(h.count, 5u);
    EXPECT_DOUBLE_EQ(h.sum, 111.5);
    PrometheusText m;
    m.histogram("d_seconds", "Durations.", h);
    EXPECT_EQ(m.text(),
              "# HELP d_seconds Durations.\n"
              "# TYPE d_seconds histogram\n"
              "d_seconds_bucket{le=\"1\"} 2\n"  // le is inclusive: 1.0 counts here
              "d_seconds_bucket{le=\"5\"} 3\n"
              "d_seconds_bucket{le=\"10\"} 4\n"
              "d_seconds_bucket{le=\"+Inf\"} 5\n"
              "d_seconds_sum 111.5\n"
              "d_seconds_count 5\n");
}

}  // namespace
}  // namespace aciswarm::web
