// Fuzzes the agent's /zone reply parser and /zone URL builder
// (agent/engine/zone_role.hpp): no crash; a parsed reply has a known role and no
// more leaders than its bytes can hold; a built URL asks /zone... with the hash and port.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/engine/zone_role.hpp"

using namespace aciswarm;
using namespace aciswarm::engine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto view = parse_zone_reply(text)) {
        if (view->role == ZoneRole::unknown) std::abort();
        if (view->leaders.size() * PeerEndpoint::compact_v4_size > size) std::abort();
    }
    if (auto url = zone_query_url(text, InfoHash{}, 6881)) {
        if (url->find("zone") == std::string::npos ||
            url->find("info_hash=") == std::string::npos ||
            url->find("port=6881") == std::string::npos) {
            std::abort();
        }
    }
    return 0;
}
