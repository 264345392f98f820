#include "tracker/core/modes.hpp"

#include <algorithm>

namespace aciswarm::tracker {
namespace {

// A view of the swarm's peers of the requested families as one index space:
// [0, n4) are IPv4 records, [n4, n4 + n6) IPv6 records.
class Candidates {
  public:
    Candidates(Swarm& swarm, const SelectInput& in, PeerListBuffer& out)
        : swarm_(swarm), out_(out) {
        const auto fam = static_cast<std::uint8_t>(in.families);
        n4_ = (fam & 1) ? static_cast<std::uint32_t>(swarm.v4.size()) : 0;
        n6_ = (fam & 2) ? static_cast<std::uint32_t>(swarm.v6.size()) : 0;
        std::uint8_t key[PeerEndpoint::compact_v6_size];
        in.requester.write_compact(key);
        if (in.requester.is_v4()) {
            std::array<std::uint8_t, PeerEndpoint::compact_v4_size> k{};
            std::copy_n(key, k.size(), k.begin());
            const auto i = n4_ ? swarm.v4.find(k) : -1;
            self_ = i >= 0 ? static_cast<std::int64_t>(i) : -1;
        } else {
            std::array<std::uint8_t, PeerEndpoint::compact_v6_size> k{};
            std::copy_n(key, k.size(), k.begin());
            const auto i = n6_ ? swarm.v6.find(k) : -1;
            self_ = i >= 0 ? static_cast<std::int64_t>(n4_) + i : -1;
        }
    }

    std::uint32_t size() const { return n4_ + n6_; }
    bool has_self() const { return self_ >= 0; }
    std::uint8_t flags(std::uint32_t i) const {
        return i < n4_ ? swarm_.v4[i].flags : swarm_.v6[i - n4_].flags;
    }
    void prefetch(std::uint32_t i) const {
        if (i < n4_) {
            swarm_.v4.prefetch(i);
        } else {
            swarm_.v6.prefetch(i - n4_);
        }
    }
    bool is_seeder(std::uint32_t i) const { return flags(i) & peer_flag::seeder; }
    // Listable at all: not the requester, not a surge peer that completed here.
    bool listable(std::uint32_t i) const {
        return static_cast<std::int64_t>(i) != self_ && !(flags(i) & peer_flag::unlisted);
    }
    std::uint32_t emitted() const { return out_.n4 + out_.n6; }
    void emit(std::uint32_t i) {
        if (i < n4_) {
            const auto& k = swarm_.v4[i].key;
            std::copy(k.begin(), k.end(), out_.v4 + out_.n4++ * k.size());
        } else {
            const auto& k = swarm_.v6[i - n4_].key;
            std::copy(k.begin(), k.end(), out_.v6 + out_.n6++ * k.size());
        }
    }

  private:
    Swarm& swarm_;
    PeerListBuffer& out_;
    std::uint32_t n4_ = 0;
    std::uint32_t n6_ = 0;
    std::int64_t self_ = -1;
};

void select_small(Swarm& swarm, Candidates& c, std::uint32_t want) {
    const std::uint32_t n = c.size();
    const std::uint32_t others = n - (c.has_self() ? 1 : 0);
    if (others < kSmallSwarmAll) {
        for (std::uint32_t i = 0; i < n && c.emitted() < want; ++i) {
            if (c.listable(i)) c.emit(i);
        }
        return;
    }
    const std::uint32_t count = std::min(others / 2, want);
    std::uint32_t i = swarm.cursor % n;
    for (std::uint32_t scanned = 0; scanned < n && c.emitted() < count; ++scanned) {
        if (c.listable(i)) c.emit(i);
        i = (i + 1) % n;
    }
    swarm.cursor = i;
}

// Uniform sample of up to `want` of the indices accepted by ok(i).
template <class Ok>
void sample(Candidates& c, std::uint32_t want, FastRng& rng, Ok ok) {
    const std::uint32_t n = c.size();
    if (n == 0 || want == 0) return;
    if (n <= want + 1) {
        // Everyone fits (the requester itself may be among them): no sampling needed.
        for (std::uint32_t i = 0; i < n && c.emitted() < want; ++i) {
            if (ok(i)) c.emit(i);
        }
        return;
    }
    // Split the swarm into `want` equal buckets and take the first acceptable peer
    // from a random position in each: a stratified random sample, distinct by
    // construction, O(want) work for any swarm size.
    // Bucket b is [b * step, (b + 1) * step) in 32.32 fixed point: one division in all.
    // Every bucket's start is picked and prefetched first: the records are spread over
    // a large vector, and overlapping the cache misses is most of the cost.
    const std::uint64_t step = (std::uint64_t{n} << 32) / want;
    std::uint32_t start[kMaxPeersLimit];
    for (std::uint32_t b = 0; b < want; ++b) {
        const auto lo = static_cast<std::uint32_t>((b * step) >> 32);
        const auto hi = static_cast<std::uint32_t>(((b + 1) * step) >> 32);
        start[b] = lo + rng.below(hi - lo);
        c.prefetch(start[b]);
    }
    for (std::uint32_t b = 0; b < want; ++b) {
        const auto lo = static_cast<std::uint32_t>((b * step) >> 32);
        const auto hi = static_cast<std::uint32_t>(((b + 1) * step) >> 32);
        std::uint32_t i = start[b];
        for (std::uint32_t k = lo; k < hi; ++k) {
            if (ok(i)) {
                c.emit(i);
                break;
            }
            if (++i == hi) i = lo;
        }
    }
}

void select_surge(Swarm& swarm, Candidates& c, std::uint32_t want, bool requester_seeding,
                  FastRng& rng) {
    const std::uint32_t n = c.size();
    if (n == 0) return;
    if (!requester_seeding) {
        // The fixed seeders carry the surge: every leecher gets them first, rotating
        // through them when there are more than `want`.
        std::uint32_t i = swarm.cursor % n;
        for (std::uint32_t scanned = 0; scanned < n && c.emitted() < want; ++scanned) {
            if (c.listable(i) && c.is_seeder(i)) c.emit(i);
            i = (i + 1) % n;
        }
        swarm.cursor = i;
    }
    // Then leechers, from a random start.
    std::uint32_t i = rng.below(n);
    for (std::uint32_t scanned = 0; scanned < n && c.emitted() < want; ++scanned) {
        if (c.listable(i) && !c.is_seeder(i)) c.emit(i);
        i = (i + 1) % n;
    }
}

}  // namespace

void select_peers(Swarm& swarm, const SelectInput& in, PeerListBuffer& out, FastRng& rng) {
    out.n4 = 0;
    out.n6 = 0;
    const std::uint32_t want = std::min(in.want, kMaxPeersLimit);
    if (want == 0) return;
    Candidates c(swarm, in, out);
    switch (in.mode) {
        case Mode::small:
            select_small(swarm, c, want);
            break;
        case Mode::large:
            sample(c, want, rng, [&](std::uint32_t i) {
                return c.listable(i) && !(in.requester_seeding && c.is_seeder(i));
            });
            break;
        case Mode::surge:
            select_surge(swarm, c, want, in.requester_seeding, rng);
            break;
    }
}

}  // namespace aciswarm::tracker
