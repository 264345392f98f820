#include "agent/engine/zone_role.hpp"

#include <libtorrent/bdecode.hpp>

#include <tuple>

#include "common/text.hpp"
#include "common/url.hpp"

namespace aciswarm::engine {
namespace {

// Small replies only: a zone dict with at most 16 leaders per family.
constexpr int kDepthLimit = 8;
constexpr int kTokenLimit = 64;

// A string value of `dict` ("" when absent or not a string).
std::string_view string_of(const lt::bdecode_node& dict, const char* key) {
    const lt::string_view v = dict.dict_find_string_value(key);
    return {v.data(), v.size()};
}

Result<ZoneRole> parse_role(std::string_view text) {
    if (text == "leader") return ZoneRole::leader;
    if (text == "follower") return ZoneRole::follower;
    if (text == "none") return ZoneRole::none;
    return make_error(Errc::protocol, "zone reply: role '" + escape_control(text, 32) +
                                          "' is not leader, "
                                          "follower or none");
}

// The compact peers of `key` (leaders, leaders6, members, members6) appended to out.
Status append_compact(const lt::bdecode_node& zone, const char* key, std::size_t record_size,
                      std::vector<PeerEndpoint>& out) {
    const std::string_view compact = string_of(zone, key);
    if (compact.size() % record_size != 0) {
        return make_error(Errc::protocol, std::string("zone reply: ") + key + " of " +
                                              std::to_string(compact.size()) +
                                              " bytes, not a multiple of " +
                                              std::to_string(record_size));
    }
    for (std::size_t at = 0; at < compact.size(); at += record_size) {
        auto ep = PeerEndpoint::from_compact(
            std::span(reinterpret_cast<const std::uint8_t*>(compact.data() + at), record_size));
        if (!ep) return std::move(ep).error();
        out.push_back(*ep);
    }
    return {};
}

}  // namespace

const char* zone_role_name(ZoneRole role) {
    switch (role) {
        case ZoneRole::unknown:
            return "unknown";
        case ZoneRole::none:
            return "none";
        case ZoneRole::follower:
            return "follower";
        case ZoneRole::leader:
            return "leader";
    }
    return "unknown";
}

Result<ZoneView> parse_zone_reply(std::string_view body) {
    lt::error_code ec;
    int error_pos = 0;
    const lt::bdecode_node root =
        lt::bdecode(lt::span<const char>(body.data(), static_cast<std::ptrdiff_t>(body.size())), ec,
                    &error_pos, kDepthLimit, kTokenLimit);
    if (ec) {
        return make_error(Errc::protocol, "zone reply: not bencode (" + ec.message() + " at byte " +
                                              std::to_string(error_pos) + ")");
    }
    if (root.type() != lt::bdecode_node::dict_t) {
        return make_error(Errc::protocol, "zone reply: not a dictionary");
    }
    if (const auto failure = string_of(root, "failure reason"); !failure.empty()) {
        return make_error(Errc::protocol,
                          "zone reply: tracker says '" + escape_control(failure, 200) + "'");
    }
    const lt::bdecode_node zone = root.dict_find_dict("zone");
    if (!zone) return make_error(Errc::protocol, "zone reply: no zone dictionary");
    ZoneView view;
    auto role = parse_role(string_of(zone, "role"));
    if (!role) return std::move(role).error();
    view.role = *role;
    view.zone = std::string(string_of(zone, "name"));
    for (const auto& [key, size, out] :
         {std::tuple{"leaders", PeerEndpoint::compact_v4_size, &view.leaders},
          std::tuple{"leaders6", PeerEndpoint::compact_v6_size, &view.leaders},
          std::tuple{"members", PeerEndpoint::compact_v4_size, &view.members},
          std::tuple{"members6", PeerEndpoint::compact_v6_size, &view.members}}) {
        if (auto ok = append_compact(zone, key, size, *out); !ok) return std::move(ok).error();
    }
    return view;
}

Result<std::string> zone_query_url(std::string_view announce_url, const InfoHash& info_hash,
                                   std::uint16_t port) {
    const auto refuse = [&] {
        return make_error(Errc::invalid_argument,
                          "tracker " + redact_url_secrets(announce_url) +
                              ": not an HTTP(S) URL whose path ends in /announce");
    };
    const std::size_t scheme_end = announce_url.find("://");
    const std::string_view scheme = announce_url.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
        return refuse();
    }
    const std::size_t path = announce_url.find('/', scheme_end + 3);
    const std::size_t query =
        std::min(announce_url.find_first_of("?#", scheme_end + 3), announce_url.size());
    if (path == std::string_view::npos || path > query) return refuse();
    const std::size_t segment = announce_url.rfind('/', query - 1) + 1;
    constexpr std::string_view announce = "announce";
    if (!announce_url.substr(segment, query - segment).starts_with(announce)) return refuse();
    std::string url(announce_url.substr(0, segment));
    url += "zone";
    url += announce_url.substr(segment + announce.size());
    // An announce URL may carry parameters of its own (a passkey); any info_hash
    // or port in it would shadow ours, so those go.
    url = without_query_param(without_query_param(url, "info_hash"), "port");
    const QueryParam keys[] = {{"info_hash", percent_encode(info_hash.bytes())},
                               {"port", std::to_string(port)}};
    return with_query_params(url, keys);
}

void ZoneRoleWatch::ask(Clock::SteadyTime now, const std::vector<std::string>& urls,
                        const Query& query) {
    asked_ = now;
    ++asks_;
    std::string errors;
    for (const std::string& url : urls) {
        auto body = query(url);
        auto view = body ? parse_zone_reply(*body) : Result<ZoneView>(std::move(body).error());
        if (view) {
            if (!view->same_role(view_)) ++changes_;
            view_ = std::move(*view);
            error_.clear();
            return;
        }
        if (!errors.empty()) errors += "; ";
        errors += view.error().message;
    }
    error_ = urls.empty() ? "no HTTP tracker to ask" : errors;
}

}  // namespace aciswarm::engine
