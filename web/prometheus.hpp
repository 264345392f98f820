// Prometheus text exposition format 0.0.4, written by hand because it is a few
// lines of text (no Debian-packaged C++ client exists for it):
//
//   # HELP <name> <help, \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, \ " and newline escaped>",...} <value>
//
// A histogram is <name>_bucket{le="<bound>"} (cumulative, ending with le="+Inf"),
// <name>_sum and <name>_count. Label values may come from outside (image
// names): escaped here, so no input can end a line or a label early.
//
// Thread-safety: one writer per thread; Histogram is a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aciswarm::web {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Observations counted into fixed buckets (upper bounds, ascending).
struct Histogram {
    std::vector<double> bounds;
    std::vector<std::uint64_t> counts;  // per bucket, not cumulative; one more for +Inf
    double sum = 0;
    std::uint64_t count = 0;

    explicit Histogram(std::vector<double> upper_bounds = {});
    void observe(double value);
    friend bool operator==(const Histogram&, const Histogram&) = default;
};

class PrometheusText {
  public:
    // Starts a family: its HELP and TYPE lines.
    PrometheusText& family(std::string_view name, std::string_view type, std::string_view help);
    PrometheusText& sample(std::string_view name, double value, const MetricLabels& labels = {});
    PrometheusText& sample(std::string_view name, std::uint64_t value,
                           const MetricLabels& labels = {});
    // A whole histogram family (HELP, TYPE, buckets, sum, count).
    PrometheusText& histogram(std::string_view name, std::string_view help,
                              const Histogram& histogram);
    const std::string& text() const { return text_; }

  private:
    void line(std::string_view name, const MetricLabels& labels, std::string_view value);
    std::string text_;
};

std::string escape_label_value(std::string_view value);
// A sample value: integers exactly, others shortest round-trip, +Inf, -Inf, NaN.
std::string metric_value(double value);

}  // namespace aciswarm::web
