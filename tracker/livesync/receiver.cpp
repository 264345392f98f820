#include "tracker/livesync/receiver.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <sstream>

namespace aciswarm::livesync {

Result<Cidr> Cidr::parse(std::string_view text) {
    std::string_view addr = text;
    std::optional<unsigned> prefix;
    if (const auto slash = text.find('/'); slash != std::string_view::npos) {
        addr = text.substr(0, slash);
        const auto ptext = text.substr(slash + 1);
        unsigned p = 0;
        auto [end, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), p);
        if (ptext.empty() || ec != std::errc() || end != ptext.data() + ptext.size()) {
            return make_error(Errc::invalid_argument,
                              "CIDR '" + std::string(text) + "': bad prefix length");
        }
        prefix = p;
    }
    auto network = PeerEndpoint::parse_address(addr, 0);
    if (!network) {
        return make_error(Errc::invalid_argument, "CIDR '" + std::string(text) + "': bad address");
    }
    const unsigned max_prefix = network->is_v6() ? 128 : 32;
    Cidr c;
    c.prefix_ = prefix.value_or(max_prefix);
    if (c.prefix_ > max_prefix) {
        return make_error(
            Errc::invalid_argument,
            "CIDR '" + std::string(text) + "': prefix longer than " + std::to_string(max_prefix));
    }
    c.network_ = *network;
    return c;
}

bool Cidr::contains(const PeerEndpoint& address) const {
    const PeerEndpoint a = address.normalized();
    if (a.is_v6() != network_.is_v6()) return false;
    const auto& x = a.address_bytes();
    const auto& n = network_.address_bytes();
    unsigned left = prefix_;
    for (std::size_t i = 0; left > 0; ++i) {
        const unsigned bits = std::min(left, 8u);
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((x[i] & mask) != (n[i] & mask)) return false;
        left -= bits;
    }
    return true;
}

std::string Cidr::to_string() const {
    return network_.address_string() + "/" + std::to_string(prefix_);
}

std::string Counters::prometheus(std::string_view prefix) const {
    std::ostringstream out;
    const auto line = [&](std::string_view name, const std::atomic<std::uint64_t>& v) {
        out << prefix << name << ' ' << v.load(std::memory_order_relaxed) << '\n';
    };
    line("accepted_total", accepted);
    line("sent_total", sent);
    line("send_errors_total", send_errors);
    line("own_total", own);
    line("rejected_bad_tag_total", rejected_bad_tag);
    line("rejected_replay_total", rejected_replay);
    line("rejected_stale_total", rejected_stale);
    line("rejected_malformed_total", rejected_malformed);
    line("rejected_not_allowed_total", rejected_not_allowed);
    line("peers_applied_total", peers_applied);
    line("peers_refused_total", peers_refused);
    line("peers_queued_total", peers_queued);
    line("peers_suppressed_total", peers_suppressed);
    line("tells_applied_total", tells_applied);
    return out.str();
}

namespace {

// Per verdict, in enum order: its name in logs and the counter a rejection with it adds to.
struct VerdictRow {
    Verdict verdict;
    std::string_view name;
    std::atomic<std::uint64_t> Counters::*counter;
};
constexpr VerdictRow kVerdicts[] = {
    {Verdict::accepted, "accepted", &Counters::accepted},
    {Verdict::own, "own", &Counters::own},
    {Verdict::not_allowed, "not_allowed", &Counters::rejected_not_allowed},
    {Verdict::malformed, "malformed", &Counters::rejected_malformed},
    {Verdict::bad_tag, "bad_tag", &Counters::rejected_bad_tag},
    {Verdict::stale, "stale", &Counters::rejected_stale},
    {Verdict::replay, "replay", &Counters::rejected_replay},
};

constexpr bool verdicts_in_enum_order() {
    for (std::size_t i = 0; i < std::size(kVerdicts); ++i) {
        if (static_cast<std::size_t>(kVerdicts[i].verdict) != i) return false;
    }
    return std::size(kVerdicts) == static_cast<std::size_t>(Verdict::replay) + 1;
}
static_assert(verdicts_in_enum_order(), "kVerdicts: one row per Verdict, in enum order");

const VerdictRow* verdict_row(Verdict verdict) {
    const auto i = static_cast<std::size_t>(verdict);
    if (i >= std::size(kVerdicts)) return nullptr;
    return &kVerdicts[i];
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
    const VerdictRow* row = verdict_row(verdict);
    return row ? row->name : "unknown";
}

ReceiveFilter::ReceiveFilter(ReceiveConfig config, const Clock& clock, Counters& counters)
    : config_(std::move(config)), clock_(clock), counters_(counters) {}

bool ReceiveFilter::allowed(const PeerEndpoint& source) const {
    if (config_.allow.empty()) return config_.key.has_value();
    return std::any_of(config_.allow.begin(), config_.allow.end(),
                       [&](const Cidr& c) { return c.contains(source); });
}

Received ReceiveFilter::reject(Verdict verdict, std::string reason) {
    // check() counts the accepted ones itself, once the packet is through.
    if (const VerdictRow* row = verdict_row(verdict); row && verdict != Verdict::accepted) {
        (counters_.*row->counter).fetch_add(1, std::memory_order_relaxed);
    }
    return Received{verdict, std::nullopt, std::move(reason)};
}

std::size_t ReceiveFilter::SenderKeyHash::operator()(const SenderKey& k) const noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, k.address.data(), 8);
    std::memcpy(&b, k.address.data() + 8, 8);
    std::uint64_t x = k.instance ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x);
}

std::string synced_peer_refusal(const PeerEndpoint& peer_in, const PeerEndpoint& sender) {
    const PeerEndpoint peer = peer_in.normalized();
    const auto& b = peer.address_bytes();
    if (peer.port() == 0) return "port 0";
    if (peer.is_v4()) {
        if (b[0] == 0) return "unspecified address (0.0.0.0/8)";
        if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255) return "broadcast address";
        if ((b[0] & 0xf0) == 0xe0) return "multicast address";
        if ((b[0] & 0xf0) == 0xf0) return "reserved address (240.0.0.0/4)";
        if (b[0] == 169 && b[1] == 254) return "link-local address";
    } else {
        if (std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; })) {
            return "unspecified address (::)";
        }
        if (b[0] == 0xff) return "multicast address";
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local address";
    }
    if (peer.is_loopback() && !sender.is_loopback()) {
        return "loopback address from a sender that is not on loopback";
    }
    return {};
}

bool ReceiveFilter::accept_sequence(InstanceId sender, const PeerEndpoint& source,
                                    std::uint64_t sequence) {
    const auto now = clock_.now();
    const SenderKey key{sender, source.normalized().address_bytes()};
    auto it = windows_.find(key);
    if (it == windows_.end()) {
        if (windows_.size() >= config_.max_senders) {
            auto oldest = std::min_element(windows_.begin(), windows_.end(),
                                           [](const auto& a, const auto& b) {
                                               return a.second.last_seen < b.second.last_seen;
                                           });
            windows_.erase(oldest);
        }
        windows_.emplace(key, Window{sequence, 1, now});
        return true;
    }
    Window& w = it->second;
    if (sequence > w.highest) {
        const std::uint64_t shift = sequence - w.highest;
        // A far jump would make every real packet of this sender look replayed.
        if (shift > config_.max_sequence_jump && now - w.last_seen < config_.max_age) {
            return false;
        }
        w.seen = shift >= window_bits ? 0 : w.seen << shift;
        w.seen |= 1;
        w.highest = sequence;
        w.last_seen = now;
        return true;
    }
    const std::uint64_t age = w.highest - sequence;
    if (age >= window_bits) return false;
    const std::uint64_t bit = std::uint64_t{1} << age;
    if ((w.seen & bit) != 0) return false;
    w.seen |= bit;
    w.last_seen = now;
    return true;
}

Received ReceiveFilter::check(std::span<const std::uint8_t> datagram, const PeerEndpoint& source,
                              std::size_t max_datagram) {
    if (!allowed(source)) {
        return reject(Verdict::not_allowed,
                      "sender " + source.address_string() + " is not in --sync-allow");
    }
    auto packet = parse_packet(datagram, max_datagram);
    if (!packet) return reject(Verdict::malformed, packet.error().message);
    const Header& h = packet->header;
    if (h.instance == config_.self) return reject(Verdict::own, "own packet");
    if (config_.key) {
        if (!h.tagged) return reject(Verdict::bad_tag, "packet has no tag");
        if (!config_.key->verify(datagram.first(packet->signed_size), packet->tag)) {
            return reject(Verdict::bad_tag, "tag does not verify");
        }
    } else if (h.tagged) {
        return reject(Verdict::bad_tag, "packet is tagged but no --sync-key is configured");
    }
    const auto now_ms = static_cast<std::int64_t>(wall_ms(clock_));
    const auto sent_ms =
        static_cast<std::int64_t>(std::min<std::uint64_t>(h.timestamp_ms, std::uint64_t{1} << 62));
    const auto skew = now_ms > sent_ms ? now_ms - sent_ms : sent_ms - now_ms;
    if (skew > config_.max_age.count()) {
        return reject(Verdict::stale, "timestamp " + std::to_string(skew) + " ms off our clock");
    }
    if (!accept_sequence(h.instance, source, h.sequence)) {
        return reject(Verdict::replay, "sequence " + std::to_string(h.sequence) + " replayed");
    }
    counters_.accepted.fetch_add(1, std::memory_order_relaxed);
    return Received{Verdict::accepted, std::move(*packet), {}};
}

}  // namespace aciswarm::livesync
