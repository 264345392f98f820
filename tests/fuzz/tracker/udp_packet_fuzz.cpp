// libFuzzer: BEP 15 request packets, and the encoders fed with what was parsed.
#include <array>
#include <cstdint>
#include <span>

#include "tracker/frontend/udp/udp_packet.hpp"

using namespace aciswarm::tracker;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed = udp::parse_request(std::span(data, size));
    std::array<std::uint8_t, 2048> out;
    switch (parsed.state) {
        case udp::Parse::State::drop:
            if (size >= udp::kConnectSize && size <= udp::kMaxPacket) __builtin_trap();
            break;
        case udp::Parse::State::error:
            udp::encode_error(out, parsed.request.transaction_id, parsed.error_message());
            break;
        case udp::Parse::State::ok: {
            const auto& r = parsed.request;
            if (r.action == udp::Action::scrape) {
                if (r.scrape_count() == 0 || r.scrape_count() > kMaxScrapeHashes) __builtin_trap();
                std::array<ScrapeEntry, kMaxScrapeHashes> entries{};
                udp::encode_scrape(out, r.transaction_id,
                                   std::span(entries.data(), r.scrape_count()));
            } else if (r.action == udp::Action::announce) {
                if (size < udp::kAnnounceSize) __builtin_trap();
                udp::encode_announce(out, r.transaction_id, AnnounceReply{}, nullptr, 0);
            } else {
                udp::encode_connect(out, r.transaction_id, 1);
            }
            break;
        }
    }
    return 0;
}
