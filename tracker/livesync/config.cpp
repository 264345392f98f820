#include "tracker/livesync/config.hpp"

#include "common/units.hpp"

namespace aciswarm::livesync {
namespace {

Status read_duration(const ParsedOptions& o, const char* name, std::chrono::milliseconds& out) {
    if (auto v = o.get(name)) {
        auto d = parse_duration_option(std::string("--") + name, *v);
        if (!d) return std::move(d).error();
        out = *d;
    }
    return {};
}

}  // namespace

std::vector<OptionSpec> option_specs() {
    using K = OptionSpec::Kind;
    return {
        {"sync-group", K::value,
         "livesync multicast group (IPv4 or IPv6) [default 224.0.42.5:9696]", "ADDR:PORT"},
        {"sync-iface", K::value,
         "local address of the interface for livesync multicast (enables it)", "ADDR"},
        {"sync-peer", K::list, "unicast livesync peer (enables unicast)", "HOST:PORT"},
        {"sync-bind", K::value, "address to receive unicast livesync on [default 0.0.0.0:9696]",
         "ADDR:PORT"},
        {"sync-key", K::value, "file with the shared livesync key (HMAC-SHA256 tags)", "FILE"},
        {"sync-allow", K::list, "accept livesync only from this range (required without a key)",
         "CIDR"},
        {"sync-flush-delay", K::value, "longest a peer change waits before it is sent [500ms]",
         "DURATION"},
        {"sync-resync-interval", K::value, "re-send an unchanged peer after this long [5m]",
         "DURATION"},
        {"sync-max-age", K::value, "drop packets whose timestamp is further off than this [30s]",
         "DURATION"},
        {"sync-max-packet", K::value, "largest livesync datagram [1400]", "SIZE"},
        {"sync-beacon-after", K::value, "uptime before the first scrape beacon [30m]", "DURATION"},
        {"sync-beacon-interval", K::value, "time between scrape beacons [5m]", "DURATION"},
        {"sync-inquire-wait", K::value, "beacon collection time before an inquire [6m]",
         "DURATION"},
        {"sync-tell-backoff", K::value, "quiet time after seeing a scrape tell [5m]", "DURATION"},
    };
}

Result<std::optional<LiveSyncConfig>> config_from_options(const ParsedOptions& o) {
    LiveSyncConfig c;
    c.iface = o.get("sync-iface");
    c.peers = o.get_all("sync-peer");
    if (!c.multicast() && !c.unicast()) {
        for (const char* name : {"sync-group", "sync-key", "sync-allow", "sync-bind"}) {
            if (o.has(name)) {
                return make_error(Errc::invalid_argument,
                                  std::string("--") + name +
                                      " needs --sync-iface (multicast) or --sync-peer (unicast)");
            }
        }
        return std::optional<LiveSyncConfig>();
    }
    if (auto g = o.get("sync-group")) {
        auto group = PeerEndpoint::parse(*g);
        if (!group) return with_context("--sync-group", std::move(group).error());
        const auto& b = group->address_bytes();
        const bool is_mcast = group->is_v6() ? b[0] == 0xff : (b[0] & 0xf0) == 0xe0;
        if (!is_mcast) {
            return make_error(Errc::invalid_argument,
                              "--sync-group '" + *g + "': not a multicast address");
        }
        c.group = *group;
    }
    if (c.iface) {
        auto a = PeerEndpoint::parse_address(*c.iface, 0);
        if (!a) return with_context("--sync-iface", std::move(a).error());
        if (a->is_v6() != c.group.is_v6()) {
            return make_error(Errc::invalid_argument, "--sync-iface '" + *c.iface +
                                                          "': address family differs from "
                                                          "--sync-group " +
                                                          c.group.to_string());
        }
    }
    if (auto b = o.get("sync-bind")) {
        auto bind = PeerEndpoint::parse(*b);
        if (!bind) return with_context("--sync-bind", std::move(bind).error());
        c.bind = *bind;
    }
    if (auto k = o.get("sync-key")) {
        auto key = SyncKey::load(*k);
        if (!key) return with_context("--sync-key", std::move(key).error());
        c.key = std::move(*key);
        if (auto exposed = key_file_exposure(*k); !exposed.empty()) {
            c.warnings.push_back(std::move(exposed));
        }
    }
    for (const auto& a : o.get_all("sync-allow")) {
        auto cidr = Cidr::parse(a);
        if (!cidr) return with_context("--sync-allow", std::move(cidr).error());
        c.allow.push_back(*cidr);
    }
    if (!c.key && c.allow.empty()) {
        return make_error(Errc::invalid_argument,
                          "livesync without --sync-key needs --sync-allow=CIDR (who may send)");
    }
    if (auto m = o.get("sync-max-packet")) {
        auto n = parse_size_option("--sync-max-packet", *m, min_max_datagram, max_max_datagram);
        if (!n) return std::move(n).error();
        c.max_datagram = static_cast<std::size_t>(*n);
    }
    for (auto [name, field] :
         std::initializer_list<std::pair<const char*, std::chrono::milliseconds*>>{
             {"sync-flush-delay", &c.flush_delay},
             {"sync-resync-interval", &c.resync_interval},
             {"sync-max-age", &c.max_age},
             {"sync-beacon-after", &c.scrape.beacon_after},
             {"sync-beacon-interval", &c.scrape.beacon_interval},
             {"sync-inquire-wait", &c.scrape.inquire_wait},
             {"sync-tell-backoff", &c.scrape.tell_backoff}}) {
        if (auto st = read_duration(o, name, *field); !st) return std::move(st).error();
    }
    if (c.scrape.beacon_interval.count() <= 0) {
        return make_error(Errc::invalid_argument, "--sync-beacon-interval: must be positive");
    }
    return std::optional<LiveSyncConfig>(std::move(c));
}

}  // namespace aciswarm::livesync
