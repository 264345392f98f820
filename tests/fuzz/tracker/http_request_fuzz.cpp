// libFuzzer: HTTP request heads, announce and scrape query strings, and the
// reply encoders fed with what was parsed.
#include <array>
#include <cstdint>
#include <string_view>

#include "tracker/frontend/http/http_reply.hpp"
#include "tracker/frontend/http/http_request.hpp"

using namespace aciswarm::tracker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parsed = http::parse_request_head(input);
    std::array<char, 2048> out;
    if (parsed.state == http::HeadParse::State::error) {
        http::encode_failure(out, parsed.error.reason);
        return 0;
    }
    // Queries from a complete head, or the whole input as a query.
    const std::string_view query =
        parsed.state == http::HeadParse::State::complete ? parsed.head.query : input;
    if (parsed.state == http::HeadParse::State::complete && parsed.head.head_size > size) {
        __builtin_trap();
    }
    if (auto a = http::parse_announce_query(query); a) {
        if (a->info_hash.is_zero() && a->port == 0) __builtin_trap();  // port is required
        AnnounceReply reply;
        PeerListBuffer peers;
        http::encode_announce(out, reply, peers, a->compact);
    } else {
        http::encode_failure(out, a.error().message);
    }
    std::array<aciswarm::InfoHash, 8> hashes;
    if (auto n = http::parse_scrape_query(query, hashes); n) {
        if (*n > hashes.size()) __builtin_trap();
        const std::size_t unique = http::sort_unique(std::span(hashes.data(), *n));
        std::array<ScrapeEntry, 8> entries;
        for (std::size_t i = 0; i < unique; ++i)
            entries[i].info_hash = hashes[i];
        http::encode_scrape(out, std::span(entries.data(), unique));
    }
    return 0;
}
