// libFuzzer: request targets routed by the tracker's web interface, against a
// source whose swarm, zone and leader names are the input too. Invariants: the input never
// appears unescaped in an HTML page, and a JSON reply always parses.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tracker/web/web.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker::web;

namespace {

class InputSource : public WebSource {
  public:
    explicit InputSource(std::string name) : name_(std::move(name)) {}
    Totals totals() const override { return {1, 1, 0, 0, 0, name_, 1, 1, 1, 0}; }
    std::vector<SwarmRow> swarms() const override {
        return {SwarmRow{InfoHash{}, name_, name_, name_, name_, 1, 0, 1, 1, 0, zones()}};
    }
    std::optional<SwarmDetail> swarm(const InfoHash& hash, bool) const override {
        return SwarmDetail{SwarmRow{hash, name_, "", "", "", 0, 0, 0, 0, 0, zones()},
                           true,
                           {PeerRow{name_, 1, true, 0, name_, name_}}};
    }
    ClusterView cluster() const override { return {true, {{name_, name_}}, {}}; }
    std::vector<RateSample> history() const override { return {}; }

  private:
    // A zone and a leader named by the input (real zone names are restricted; the
    // pages must not rely on that).
    std::vector<ZoneRow> zones() const { return {ZoneRow{name_, 1, 1, {name_}}}; }
    std::string name_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    // \x01 never occurs in the pages' own markup: between two of them, the input
    // can only appear verbatim if it was not escaped.
    const std::string marked = "\x01" + input + "\x01";
    const InputSource source(marked);
    const std::string targets[] = {input,
                                   "/",
                                   "/cluster",
                                   "/torrent/" + input,
                                   "/torrent/" + std::string(40, '0'),
                                   "/web/swarms.json"};
    for (const std::string& target : targets) {
        const auto reply = handle(target, source, WebOptions{});
        if (!reply) continue;
        if (reply->content_type.starts_with("text/html") &&
            input.find_first_of("<>\"'&") != std::string::npos &&
            reply->body.find(marked) != std::string::npos) {
            __builtin_trap();  // the input reached the page unescaped
        }
        if (reply->content_type == "application/json" &&
            nlohmann::json::parse(reply->body, nullptr, false).is_discarded()) {
            __builtin_trap();
        }
    }
    return 0;
}
