// What the tracker's and the agent's read-only pages share: the page frame,
// table cells, number and duration text, JSON text, the embedded common
// assets and the security headers. Every string that came from outside (a
// .torrent, an image manifest, a peer, a request) goes through html_escape()
// (common/text.hpp) here or through the JSON encoder; the pages hold no inline
// script or style, so security_headers()'s Content-Security-Policy forbids both.
//
// Thread-safety: stateless functions, callable from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace aciswarm::web {

inline constexpr std::string_view content_type_html = "text/html; charset=utf-8";
inline constexpr std::string_view content_type_json = "application/json";
inline constexpr std::string_view content_type_js = "text/javascript; charset=utf-8";
inline constexpr std::string_view content_type_css = "text/css; charset=utf-8";
// Prometheus text exposition format 0.0.4.
inline constexpr std::string_view content_type_metrics = "text/plain; version=0.0.4; charset=utf-8";

// One answer of a page handler; the server adds security_headers().
struct Response {
    int status = 200;
    std::string_view content_type;
    std::string body;
};

// "Content-Security-Policy: ...\r\nX-Content-Type-Options: nosniff\r\n": only the
// server's own script, style, images and fetches; no frames, forms or base URL.
std::string_view security_headers();

// /web/common.js and /web/style.css; nullopt for any other path.
std::optional<Response> common_asset(std::string_view path);

// The frame around a page's body. `nav` and `summary` are HTML the caller built
// (escaped); `script` is the page's own script path, loaded after /web/common.js;
// `page` names the page for that script (body data-page).
struct PageFrame {
    std::string_view app;    // "aciswarm tracker": the heading and the title's suffix
    std::string_view page;   // "swarms", "node", ...
    std::string_view title;  // escaped here
    std::string_view script;
    std::string nav;
    std::string summary;
};
std::string render_page(const PageFrame& frame, const std::string& body);

// <td data-field="FIELD">escaped text</td>
std::string cell(std::string_view field, std::string_view text);
std::string cell(std::string_view field, std::uint64_t value);

// <dl id="totals"> items, one per call of summary_item(key, label, value): the
// numbers a page's script refreshes (data-total="KEY").
std::string summary_item(std::string_view key, std::string_view label, std::string_view value);
std::string summary_bar(const std::string& items);

std::string fixed1(double value);                 // "12.5"
std::string duration_text(std::int64_t seconds);  // "1h 2m 5s"
std::string bytes_text(std::uint64_t bytes);      // "1.5 MiB"

// Compact JSON; strings that are not UTF-8 (names in a .torrent need not be)
// have their invalid bytes replaced by U+FFFD instead of throwing.
std::string json_text(const nlohmann::json& value);

}  // namespace aciswarm::web
