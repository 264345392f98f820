#include "web/html.hpp"

#include <array>
#include <cstdio>

#include "common/text.hpp"
#include "web/assets.hpp"

namespace aciswarm::web {

std::string_view security_headers() {
    return "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
           "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'\r\n"
           "X-Content-Type-Options: nosniff\r\n";
}

std::optional<Response> common_asset(std::string_view path) {
    if (path == "/web/common.js") {
        return Response{200, content_type_js, std::string(assets::common_js)};
    }
    if (path == "/web/style.css") {
        return Response{200, content_type_css, std::string(assets::style_css)};
    }
    return std::nullopt;
}

std::string render_page(const PageFrame& frame, const std::string& body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>" +
           html_escape(frame.title) + " - " + html_escape(frame.app) +
           "</title>"
           "<link rel=\"stylesheet\" href=\"/web/style.css\">"
           "<script src=\"/web/common.js\" defer></script>"
           "<script src=\"" +
           html_escape(frame.script) + "\" defer></script></head><body data-page=\"" +
           html_escape(frame.page) + "\"><header><h1>" + html_escape(frame.app) + "</h1><nav>" +
           frame.nav + "</nav></header>" + frame.summary + "<main>" + body +
           "</main></body></html>\n";
}

std::string cell(std::string_view field, std::string_view text) {
    return "<td data-field=\"" + html_escape(field) + "\">" + html_escape(text) + "</td>";
}

std::string cell(std::string_view field, std::uint64_t value) {
    return cell(field, std::to_string(value));
}

std::string summary_item(std::string_view key, std::string_view label, std::string_view value) {
    return "<div><dt>" + html_escape(label) + "</dt><dd data-total=\"" + html_escape(key) + "\">" +
           html_escape(value) + "</dd></div>";
}

std::string summary_bar(const std::string& items) {
    return "<dl id=\"totals\">" + items + "</dl>";
}

std::string fixed1(double value) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.1f", value);
    return buf.data();
}

std::string duration_text(std::int64_t seconds) {
    const std::int64_t d = seconds / 86400;
    const std::int64_t h = seconds % 86400 / 3600;
    const std::int64_t m = seconds % 3600 / 60;
    std::string out;
    if (d) out += std::to_string(d) + "d ";
    if (d || h) out += std::to_string(h) + "h ";
    return out + std::to_string(m) + "m " + std::to_string(seconds % 60) + "s";
}

std::string bytes_text(std::uint64_t bytes) {
    static constexpr std::array<const char*, 5> units = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    return fixed1(value) + " " + units[unit];
}

std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace aciswarm::web
