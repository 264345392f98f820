#include "tracker/frontend/udp/udp_handler.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "tracker/frontend/announce_log.hpp"
#include "tracker/frontend/udp/udp_packet.hpp"

namespace aciswarm::tracker::udp {
namespace {

// Before a valid connection id the source address may be forged: an error reply is
// cut to the request's size (the message is truncated; under 8 bytes nothing is sent),
// so the tracker never amplifies a reflection attack (BEP 15 connect replies are 16
// bytes, as their requests).
std::span<std::uint8_t> pre_auth_area(std::span<std::uint8_t> reply,
                                      std::span<const std::uint8_t> packet) {
    return reply.first(std::min(reply.size(), packet.size()));
}

Handled announce(const Request& r, const PeerEndpoint& from, bool v6, std::span<std::uint8_t> reply,
                 Context& context) {
    AnnounceRequest req;
    req.info_hash = r.info_hash;
    req.peer = from;
    req.peer.set_port(r.port);
    req.event = r.event;
    req.left = r.left;
    req.numwant = r.numwant;
    req.families = v6 ? Families::v6 : Families::v4;
    PeerListBuffer& peers = context.peers;
    const AnnounceReply a = context.tracker.announce(req, peers, context.rng);
    if (context.verbose_log) log_announce(*context.verbose_log, "udp", req, a.status, peers);
    const std::uint32_t txid = r.transaction_id;
    if (a.status != AnnounceStatus::ok) {
        return {RequestKind::announce, true,
                encode_error(reply, txid, announce_status_message(a.status))};
    }
    const std::size_t size =
        v6 ? encode_announce(reply, txid, a, peers.v6, peers.n6 * kCompactPeerV6)
           : encode_announce(reply, txid, a, peers.v4, peers.n4 * kCompactPeerV4);
    return {RequestKind::announce, false, size};
}

Handled scrape(const Request& r, std::span<std::uint8_t> reply, Context& context) {
    std::array<ScrapeEntry, kMaxScrapeHashes> entries;
    const std::size_t count = r.scrape_count();
    for (std::size_t i = 0; i < count; ++i) {
        InfoHash h;
        std::memcpy(h.data(), r.scrape_hashes.data() + i * InfoHash::size_bytes,
                    InfoHash::size_bytes);
        entries[i] = context.tracker.scrape(h);
    }
    return {RequestKind::scrape, false,
            encode_scrape(reply, r.transaction_id, std::span(entries.data(), count))};
}

}  // namespace

Handled handle(std::span<const std::uint8_t> datagram, const PeerEndpoint& from, bool v6,
               std::span<std::uint8_t> reply, Context& context) {
    const Parse parsed = parse_request(datagram);
    const std::uint32_t txid = parsed.request.transaction_id;
    if (parsed.state == Parse::State::drop) return {RequestKind::invalid, true, 0};
    if (parsed.state == Parse::State::error) {
        if (context.verbose_log) {
            context.verbose_log->debug("udp from ", from.to_string(), ": ", parsed.error_message());
        }
        return {RequestKind::invalid, true,
                encode_error(pre_auth_area(reply, datagram), txid, parsed.error_message())};
    }
    const Request& r = parsed.request;
    const std::uint32_t now = context.tracker.store().now_seconds();
    if (r.action == Action::connect) {
        return {RequestKind::connect, false,
                encode_connect(reply, txid, context.connection_ids.issue(from, now))};
    }
    if (!context.connection_ids.valid(r.connection_id, from, now)) {
        if (context.verbose_log) {
            context.verbose_log->debug("udp from ", from.to_string(), ": bad connection id");
        }
        return {RequestKind::invalid, true,
                encode_error(pre_auth_area(reply, datagram), txid,
                             "connection id is invalid or expired")};
    }
    // --keys: an announce's key comes in BEP 41 URL data; a scrape carries none.
    const auto options = r.action == Action::announce && datagram.size() > kAnnounceSize
                             ? datagram.subspan(kAnnounceSize)
                             : std::span<const std::uint8_t>{};
    if (context.tracker.keys().enabled() && !context.tracker.keys().admits_udp_options(options)) {
        const auto kind =
            r.action == Action::announce ? RequestKind::announce : RequestKind::scrape;
        return {kind, true, encode_error(reply, txid, kKeyRefusal)};
    }
    if (r.action == Action::announce) return announce(r, from, v6, reply, context);
    return scrape(r, reply, context);
}

}  // namespace aciswarm::tracker::udp
