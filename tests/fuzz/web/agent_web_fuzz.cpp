// libFuzzer: the agent's web page, JSON and /metrics rendered from a node whose
// image name, labels, signer and fetch source are the input. Invariants: the
// input never appears unescaped in the HTML page, the JSON always parses, and
// the input adds no line to /metrics (label values are escaped).
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/web/render.hpp"
#include "agent/web/web.hpp"

using namespace aciswarm::agent::web;

namespace {

NodeSnapshot node_named(const std::string& text) {
    NodeSnapshot s;
    s.node.store = text;
    s.node.default_policy = text;
    ImageRow image;
    image.id = text;
    image.display = text;
    image.name = text;
    image.version = text;
    image.os = text;
    image.arch = text;
    image.verified_by = text;
    image.state = text;
    image.policy = text;
    s.images = {image};
    FetchRow fetch;
    fetch.source = text;
    s.fetches.running = {fetch};
    return s;
}

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    // \x01 never occurs in the page's own markup: between two of them, the input
    // can only appear verbatim if it was not escaped.
    const std::string marked = "\x01" + input + "\x01";
    const NodeSnapshot node = node_named(marked);
    const std::string page = render_node_page(node);
    if (input.find_first_of("<>\"'&") != std::string::npos &&
        page.find(marked) != std::string::npos) {
        __builtin_trap();  // the input reached the page unescaped
    }
    if (nlohmann::json::parse(node_json(node), nullptr, false).is_discarded()) __builtin_trap();
    if (lines(metrics_text(node)) != lines(metrics_text(node_named("x")))) __builtin_trap();
    return 0;
}
