#include "web/prometheus.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace aciswarm::web {
namespace {

std::string escape_help(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {
    std::sort(bounds.begin(), bounds.end());
}

void Histogram::observe(double value) {
    const auto at = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
    ++counts[static_cast<std::size_t>(at)];
    sum += value;
    ++count;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    std::array<char, 64> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
    return ec == std::errc() ? std::string(buf.data(), end) : "NaN";
}

PrometheusText& PrometheusText::family(std::string_view name, std::string_view type,
                                       std::string_view help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += escape_help(help);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
    return *this;
}

void PrometheusText::line(std::string_view name, const MetricLabels& labels,
                          std::string_view value) {
    text_ += name;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i) text_ += ',';
            text_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
        }
        text_ += '}';
    }
    text_ += ' ';
    text_ += value;
    text_ += '\n';
}

PrometheusText& PrometheusText::sample(std::string_view name, double value,
                                       const MetricLabels& labels) {
    line(name, labels, metric_value(value));
    return *this;
}

PrometheusText& PrometheusText::sample(std::string_view name, std::uint64_t value,
                                       const MetricLabels& labels) {
    line(name, labels, std::to_string(value));
    return *this;
}

PrometheusText& PrometheusText::histogram(std::string_view name, std::string_view help,
                                          const Histogram& h) {
    family(name, "histogram", help);
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
        cumulative += h.counts[i];
        sample(bucket, cumulative, {{"le", metric_value(h.bounds[i])}});
    }
    sample(bucket, h.count, {{"le", "+Inf"}});
    sample(std::string(name) + "_sum", h.sum);
    sample(std::string(name) + "_count", h.count);
    return *this;
}

}  // namespace aciswarm::web
