// Fuzzes the local API's wire format (agent/daemon/protocol.hpp) with one
// line: as a request (parse_api_request, the daemon's hostile-input parser)
// and as each reply the CLI decodes. No crash and no exception; whatever
// decodes re-encodes (to_json) and decodes to the same message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/daemon/protocol.hpp"

namespace {

using namespace aciswarm;
using namespace aciswarm::agent;

template <class Message>
void round_trip(const nlohmann::json& j) {
    auto m = from_json<Message>(j);
    if (!m) return;
    auto again = from_json<Message>(nlohmann::json::parse(to_json(*m).dump()));
    if (!again || !(*again == *m)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
        if (parse_api_request(line)) std::abort();  // not JSON is never a request
        return 0;
    }
    round_trip<ApiRequest>(j);
    round_trip<ListReply>(j);
    round_trip<StatusReply>(j);
    round_trip<MirrorReport>(j);
    round_trip<SeedReply>(j);
    round_trip<RemoveReply>(j);
    round_trip<GcReply>(j);
    round_trip<FetchReply>(j);
    round_trip<fetch::FetchProgress>(j);
    // Whatever a refusal holds, its kind comes back as one of ours.
    if (api_reply_error(j).code > Errc::untrusted) std::abort();
    return 0;
}
