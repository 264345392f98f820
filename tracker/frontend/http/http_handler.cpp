#include "tracker/frontend/http/http_handler.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "tracker/frontend/announce_log.hpp"
#include "tracker/frontend/http/http_reply.hpp"

namespace aciswarm::tracker::http {
namespace {

Response area_response(RequestKind kind, std::size_t size, bool failed = false) {
    Response r;
    r.kind = kind;
    r.failed = failed;
    r.in_area = true;
    r.area_size = size;
    return r;
}

Response failure(RequestKind kind, std::span<char> body_area, std::string_view reason) {
    return area_response(kind, encode_failure(body_area, reason), true);
}

Response announce(const RequestHead& head, const PeerEndpoint& source, std::span<char> body_area,
                  Context& context) {
    auto params = parse_announce_query(head.query);
    if (!params) {
        if (context.verbose_log) {
            context.verbose_log->debug("http announce from ", source.to_string(), ": ",
                                       params.error().message);
        }
        return failure(RequestKind::announce, body_area, params.error().message);
    }
    AnnounceRequest req;
    req.info_hash = params->info_hash;
    req.peer = source;
    req.peer.set_port(params->port);
    req.event = params->event;
    req.left = params->left;
    req.numwant = params->numwant;
    req.families = Families::both;
    req.zone = params->zone;
    const AnnounceReply reply = context.tracker.announce(req, context.peers, context.rng);
    if (context.verbose_log) {
        log_announce(*context.verbose_log, "http", req, reply.status, context.peers, &reply.zone);
    }
    if (reply.status != AnnounceStatus::ok) {
        return failure(RequestKind::announce, body_area, announce_status_message(reply.status));
    }
    return area_response(RequestKind::announce,
                         encode_announce(body_area, reply, context.peers, params->compact));
}

// GET /zone: the requester's role and leaders, read-only (docs/zones.md).
Response zone(const RequestHead& head, const PeerEndpoint& source, std::span<char> body_area,
              Context& context) {
    auto params = parse_zone_query(head.query);
    if (!params) return failure(RequestKind::other, body_area, params.error().message);
    PeerEndpoint peer = source;
    peer.set_port(params->port);
    const ZoneReply reply = context.tracker.zone_of(params->info_hash, peer, context.peers);
    return area_response(RequestKind::other, encode_zone(body_area, reply, context.peers));
}

Response full_scrape(const Tracker& tracker) {
    std::vector<ScrapeEntry> all;
    tracker.scrape_all([&](const ScrapeEntry& e) { all.push_back(e); });
    std::sort(all.begin(), all.end(),
              [](const ScrapeEntry& a, const ScrapeEntry& b) { return a.info_hash < b.info_hash; });
    std::string body(32 + all.size() * 90, '\0');
    body.resize(encode_scrape(std::span(body.data(), body.size()), all));
    Response r = text_response(200, "text/plain", std::move(body));
    r.kind = RequestKind::scrape;
    return r;
}

Response scrape(const RequestHead& head, const PeerEndpoint& source, std::span<char> body_area,
                Context& context) {
    std::array<InfoHash, kMaxScrapeHashes> hashes;
    auto count = parse_scrape_query(head.query, hashes);
    if (!count) return failure(RequestKind::scrape, body_area, count.error().message);
    if (context.verbose_log) {
        context.verbose_log->debug("http scrape of ", *count, " from ", source.to_string());
    }
    if (*count == 0) {
        if (!context.tracker.settings().full_scrape) {
            return failure(RequestKind::scrape, body_area,
                           "full scrape is disabled: name info_hash");
        }
        return full_scrape(context.tracker);
    }
    const std::size_t unique = sort_unique(std::span(hashes.data(), *count));
    std::array<ScrapeEntry, kMaxScrapeHashes> entries;
    for (std::size_t i = 0; i < unique; ++i)
        entries[i] = context.tracker.scrape(hashes[i]);
    return area_response(RequestKind::scrape,
                         encode_scrape(body_area, std::span(entries.data(), unique)));
}

}  // namespace

Response text_response(int status, std::string_view content_type, std::string body) {
    Response r;
    r.status = status;
    r.content_type = content_type;
    r.owned_body = std::move(body);
    return r;
}

Response handle_request(const RequestHead& head, const PeerEndpoint& source,
                        std::span<char> body_area, Context& context) {
    if ((head.path == "/announce" || head.path == "/scrape" || head.path == "/zone") &&
        !context.tracker.keys().admits_query(head.query)) {
        return failure(head.path == "/announce" ? RequestKind::announce
                       : head.path == "/scrape" ? RequestKind::scrape
                                                : RequestKind::other,
                       body_area, kKeyRefusal);
    }
    if (head.path == "/announce") return announce(head, source, body_area, context);
    if (head.path == "/scrape") return scrape(head, source, body_area, context);
    if (head.path == "/zone") return zone(head, source, body_area, context);
    for (const Route& route : context.routes) {
        if (auto served = route(head, source)) return std::move(*served);
    }
    return text_response(404, "text/plain",
                         "not found: use /announce, /scrape, /zone, /stats or /metrics");
}

}  // namespace aciswarm::tracker::http
