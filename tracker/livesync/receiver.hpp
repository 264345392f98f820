// Incoming livesync packets: who may send, and which packets are accepted.
// Order of checks: sender allowed (--sync-allow; required when there is no
// key) -> parses -> not our own instance -> tag (with --sync-key) -> fresh
// timestamp -> not a replay (per-sender sliding window over sequence numbers).
// The replay window is only updated by packets that passed the tag check, so
// forged packets cannot move it. A window belongs to a sender's instance id AND
// its source address (a key holder elsewhere cannot move another instance's
// window by claiming its id), and one packet may move it forward by at most
// max_sequence_jump unless the window has been quiet for max_age (a restart
// takes a new id; a long partition ends in a quiet window).
//
// Synced peers (synced_peer_refusal) are held to what an announce could have
// produced: the peer is the source address of a request, so never port 0,
// unspecified (0.0.0.0/8, ::), broadcast or multicast. Loopback peers are only
// taken from a sender on loopback (an announce from 127.0.0.1 reaches only a
// tracker on the same host, which is how the tests run several instances);
// link-local peers never (the receiver cannot know the sender's link).
// Thread: the livesync thread owns a ReceiveFilter; Counters may be read from
// any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "common/peer_endpoint.hpp"
#include "common/result.hpp"
#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

// An address range ("10.0.0.0/8", "fd00::/8", "127.0.0.1" = /32).
class Cidr {
  public:
    static Result<Cidr> parse(std::string_view text);
    // IPv4-mapped IPv6 sources match IPv4 ranges.
    bool contains(const PeerEndpoint& address) const;
    std::string to_string() const;

  private:
    PeerEndpoint network_;
    unsigned prefix_ = 0;
};

// The /metrics counters. Relaxed atomics: each is an independent total.
struct Counters {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> send_errors{0};
    std::atomic<std::uint64_t> own{0};  // our own packets looped back (not an error)
    std::atomic<std::uint64_t> rejected_bad_tag{0};
    std::atomic<std::uint64_t> rejected_replay{0};
    std::atomic<std::uint64_t> rejected_stale{0};
    std::atomic<std::uint64_t> rejected_malformed{0};
    std::atomic<std::uint64_t> rejected_not_allowed{0};
    std::atomic<std::uint64_t> peers_applied{0};  // records the swarm took
    std::atomic<std::uint64_t> peers_refused{0};  // invalid peers or refused by the swarm
    std::atomic<std::uint64_t> peers_queued{0};
    std::atomic<std::uint64_t> peers_suppressed{0};
    std::atomic<std::uint64_t> tells_applied{0};

    // Prometheus text lines, metric names prefixed with `prefix`.
    std::string prometheus(std::string_view prefix) const;
};

enum class Verdict { accepted, own, not_allowed, malformed, bad_tag, stale, replay };
std::string_view verdict_name(Verdict verdict);

struct ReceiveConfig {
    InstanceId self = 0;
    std::optional<SyncKey> key{};
    std::vector<Cidr> allow{};  // required non-empty without a key
    std::chrono::milliseconds max_age{std::chrono::seconds(30)};  // |sender time - ours|
    std::size_t max_senders = 4096;  // replay windows kept; least recently seen evicted
    std::uint64_t max_sequence_jump = std::uint64_t{1} << 16;  // packets one datagram may skip
};

// Why a peer synced from `sender` is refused (empty: acceptable). Pure.
std::string synced_peer_refusal(const PeerEndpoint& peer, const PeerEndpoint& sender);

struct Received {
    Verdict verdict = Verdict::malformed;
    std::optional<Packet> packet;  // when accepted
    std::string reason;            // when rejected, for a debug log line
};

class ReceiveFilter {
  public:
    static constexpr std::uint64_t window_bits = 64;

    ReceiveFilter(ReceiveConfig config, const Clock& clock, Counters& counters);

    Received check(std::span<const std::uint8_t> datagram, const PeerEndpoint& source,
                   std::size_t max_datagram = max_max_datagram);
    std::size_t tracked_senders() const { return windows_.size(); }

  private:
    struct Window {
        std::uint64_t highest = 0;
        std::uint64_t seen = 0;  // bit i: highest - i was seen
        Clock::SteadyTime last_seen{};
    };
    bool allowed(const PeerEndpoint& source) const;
    // true if fresh, and records it
    bool accept_sequence(InstanceId sender, const PeerEndpoint& source, std::uint64_t sequence);
    Received reject(Verdict verdict, std::string reason);

    ReceiveConfig config_;
    const Clock& clock_;
    Counters& counters_;
    struct SenderKey {
        InstanceId instance = 0;
        std::array<std::uint8_t, 16> address{};
        bool operator==(const SenderKey&) const = default;
    };
    struct SenderKeyHash {
        std::size_t operator()(const SenderKey& k) const noexcept;
    };
    std::unordered_map<SenderKey, Window, SenderKeyHash> windows_;
};

}  // namespace aciswarm::livesync
