// Livesync benchmark (docs/benchmarks.md, "Livesync"):
//  1. codec: PEER4 records/s encoded+tagged, parsed+verified, and applied to a map;
//  2. latency: local change on instance A -> applied on instance B, p50/p99, over
//     real UDP between two in-process instances, at a steady offered rate, for
//     the default 1 s flush delay and a short one;
//  3. throughput: peer updates/s A can send and B absorb (with loss, if any).
// Runs inside a private network namespace it creates (needs root), so nothing
// leaves the machine. Every loop is bounded in count and time.
//   build/bin/bench_livesync [--quick]
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/log.hpp"
#include "tracker/livesync/livesync.hpp"

using namespace aciswarm;
using namespace aciswarm::livesync;
using Steady = std::chrono::steady_clock;

namespace {

InfoHash hash_of(std::uint32_t n) {
    InfoHash h;
    for (std::size_t i = 0; i < InfoHash::size_bytes; ++i)
        h.data()[i] = static_cast<std::uint8_t>(i * 31);
    h.data()[0] = static_cast<std::uint8_t>(n >> 24);
    h.data()[1] = static_cast<std::uint8_t>(n >> 16);
    h.data()[2] = static_cast<std::uint8_t>(n >> 8);
    h.data()[3] = static_cast<std::uint8_t>(n);
    return h;
}

std::uint32_t index_of(const InfoHash& h) {
    return static_cast<std::uint32_t>(h.data()[0]) << 24 |
           static_cast<std::uint32_t>(h.data()[1]) << 16 |
           static_cast<std::uint32_t>(h.data()[2]) << 8 | h.data()[3];
}

SyncKey bench_key() {
    return *SyncKey::from_bytes(std::vector<std::uint8_t>(32, 0x5a));
}

// Records arrival time per record index; counts applies.
class ArrivalSwarm final : public SwarmView {
  public:
    explicit ArrivalSwarm(std::size_t n) : arrived_(n) {}
    bool apply_remote_peer(const PeerRecord& r) override {
        const auto i = index_of(r.info_hash);
        if (i < arrived_.size()) arrived_[i] = Steady::now();
        applied_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    std::uint64_t torrent_count() const override { return 0; }
    void for_each_downloaded(const std::function<void(const TorrentDownloads&)>&) const override {}
    std::uint64_t merge_downloaded(const InfoHash&, std::uint64_t c) override { return c; }
    std::vector<Steady::time_point> arrived_;
    std::atomic<std::uint64_t> applied_{0};
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void codec_bench(std::size_t records) {
    SystemClock clock;
    Sealer sealer(1, bench_key(), clock);
    std::vector<std::vector<std::uint8_t>> packets;
    auto t0 = Steady::now();
    std::optional<PacketBuilder> b;
    for (std::size_t i = 0; i < records; ++i) {
        PeerRecord r{
            hash_of(static_cast<std::uint32_t>(i)),
            PeerEndpoint::v4(
                {10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}, 6881),
            peer_flags::seeding, std::nullopt};
        if (!b) b.emplace(PacketType::peer4, default_max_datagram, true);
        if (!b->add_peer(r)) {
            packets.push_back(sealer.seal(std::move(*b)));
            b.emplace(PacketType::peer4, default_max_datagram, true);
            (void)b->add_peer(r);
        }
    }
    packets.push_back(sealer.seal(std::move(*b)));
    const double enc = std::chrono::duration<double>(Steady::now() - t0).count();

    Counters counters;
    ReceiveFilter filter({.self = 2, .key = bench_key()}, clock, counters);
    std::vector<PeerRecord> decoded;
    decoded.reserve(records);
    t0 = Steady::now();
    for (const auto& p : packets) {
        auto r = filter.check(p, PeerEndpoint::v4({127, 0, 0, 1}, 1), default_max_datagram);
        if (r.verdict != Verdict::accepted) {
            std::fprintf(stderr, "bench: packet rejected: %s\n", r.reason.c_str());
            std::exit(1);
        }
        for (auto& rec : std::get<std::vector<PeerRecord>>(r.packet->body))
            decoded.push_back(rec);
    }
    const double dec = std::chrono::duration<double>(Steady::now() - t0).count();

    std::unordered_map<InfoHash, std::unordered_map<PeerEndpoint, std::uint8_t>> swarms;
    t0 = Steady::now();
    for (const auto& r : decoded)
        swarms[r.info_hash][r.peer] = r.flags;
    const double app = std::chrono::duration<double>(Steady::now() - t0).count();
    std::printf("codec: %zu PEER4 records in %zu tagged packets of <= %zu bytes\n", records,
                packets.size(), default_max_datagram);
    std::printf("  encode+tag     %10.0f records/s\n", static_cast<double>(records) / enc);
    std::printf("  parse+verify   %10.0f records/s\n", static_cast<double>(records) / dec);
    std::printf("  apply (map)    %10.0f records/s\n", static_cast<double>(records) / app);
}

LiveSyncConfig unicast(int self, std::chrono::milliseconds flush) {
    LiveSyncConfig c;
    c.bind = PeerEndpoint::v4({127, 0, 0, static_cast<std::uint8_t>(self)}, 9696);
    c.peers = {"127.0.0." + std::to_string(3 - self) + ":9696"};
    c.key = bench_key();
    c.flush_delay = flush;
    return c;
}

struct Pair {
    ArrivalSwarm swarm_a{0};
    ArrivalSwarm swarm_b;
    std::unique_ptr<LiveSync> a, b;
    explicit Pair(std::size_t n, std::chrono::milliseconds flush, const Clock& clock, Logger& log)
        : swarm_b(n) {
        auto sa = LiveSync::start(unicast(1, flush), swarm_a, clock, log);
        auto sb = LiveSync::start(unicast(2, flush), swarm_b, clock, log);
        if (!sa || !sb) {
            std::fprintf(stderr, "bench: start: %s\n",
                         (!sa ? sa.error() : sb.error()).message.c_str());
            std::exit(1);
        }
        a = std::move(*sa);
        b = std::move(*sb);
    }
};

LocalPeerChange change_for(std::uint32_t i) {
    LocalPeerChange c;
    c.info_hash = hash_of(i);
    c.peer = PeerEndpoint::v4({10, static_cast<std::uint8_t>(i >> 16),
                               static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                              6881);
    c.is_new_peer = true;
    return c;
}

// Offers `rate` changes/s to A for `n` changes; latency = applied on B - offered on A.
void latency_bench(std::size_t n, double rate, std::chrono::milliseconds flush, const Clock& clock,
                   Logger& log) {
    Pair p(n, flush, clock, log);
    std::vector<Steady::time_point> sent(n);
    const auto start = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
        const auto due = start + std::chrono::duration_cast<Steady::duration>(
                                     std::chrono::duration<double>(static_cast<double>(i) / rate));
        std::this_thread::sleep_until(due);  // pacing the offered load, not synchronisation
        sent[i] = Steady::now();
        p.a->on_local_peer_change(change_for(static_cast<std::uint32_t>(i)));
    }
    const auto deadline = Steady::now() + flush + std::chrono::seconds(5);
    while (p.swarm_b.applied_.load() < n && Steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::vector<double> ms;
    for (std::size_t i = 0; i < n; ++i) {
        if (p.swarm_b.arrived_[i] != Steady::time_point{}) {
            ms.push_back(
                std::chrono::duration<double, std::milli>(p.swarm_b.arrived_[i] - sent[i]).count());
        }
    }
    std::printf(
        "latency: flush delay %5lld ms, %6.0f changes/s offered, %zu changes: p50 %7.1f ms, "
        "p99 %7.1f ms, max %7.1f ms, lost %zu\n",
        static_cast<long long>(flush.count()), rate, n, percentile(ms, 0.50), percentile(ms, 0.99),
        percentile(ms, 1.0), n - ms.size());
}

void throughput_bench(std::size_t n, const Clock& clock, Logger& log) {
    // A short flush delay, so the last partial packet does not add a second to the figure.
    Pair p(n, std::chrono::milliseconds(10), clock, log);
    const auto t0 = Steady::now();
    for (std::size_t i = 0; i < n; ++i)
        p.a->on_local_peer_change(change_for(static_cast<std::uint32_t>(i)));
    const auto queued = Steady::now();
    const auto deadline = queued + std::chrono::seconds(20);
    std::uint64_t last = 0;
    auto last_change = Steady::now();
    while (p.swarm_b.applied_.load() < n && Steady::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const auto now_applied = p.swarm_b.applied_.load();
        if (now_applied != last) {
            last = now_applied;
            last_change = Steady::now();
        } else if (Steady::now() - last_change > std::chrono::milliseconds(1500)) {
            break;  // nothing more is coming (loss)
        }
    }
    const auto applied = p.swarm_b.applied_.load();
    const double secs = std::chrono::duration<double>(last_change - t0).count();
    std::printf(
        "throughput: %zu changes queued on A in %.3f s (%.0f/s); B applied %llu (%.2f%% lost) "
        "at %.0f/s; packets sent %llu\n",
        n, std::chrono::duration<double>(queued - t0).count(),
        static_cast<double>(n) / std::chrono::duration<double>(queued - t0).count(),
        static_cast<unsigned long long>(applied),
        100.0 * static_cast<double>(n - applied) / static_cast<double>(n),
        static_cast<double>(applied) / secs,
        static_cast<unsigned long long>(p.a->counters().sent.load()));
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    codec_bench(quick ? 100'000 : 2'000'000);
    if (unshare(CLONE_NEWNET) != 0 || std::system("ip link set lo up") != 0) {
        std::fprintf(stderr, "bench: needs root for a private network namespace: %s\n",
                     std::strerror(errno));
        return 1;
    }
    SystemClock clock;
    Logger log("bench", LogLevel::warn);
    latency_bench(quick ? 200 : 2000, 200, std::chrono::milliseconds(1000), clock, log);
    latency_bench(quick ? 200 : 20000, 2000, std::chrono::milliseconds(1000), clock, log);
    latency_bench(quick ? 200 : 2000, 200, std::chrono::milliseconds(50), clock, log);
    throughput_bench(quick ? 100'000 : 1'000'000, clock, log);
    return 0;
}
