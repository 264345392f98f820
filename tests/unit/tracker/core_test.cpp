#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "tests/unit/tracker/test_hash.hpp"
#include "tracker/core/tracker.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker;
using namespace std::chrono_literals;

namespace {

using test::hash;

PeerEndpoint v4(int i, std::uint16_t port = 6881) {
    return PeerEndpoint::v4(
        {10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}, port);
}
PeerEndpoint v6(int i, std::uint16_t port = 6881) {
    std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
    a[14] = static_cast<std::uint8_t>(i >> 8);
    a[15] = static_cast<std::uint8_t>(i);
    return PeerEndpoint::v6(a, port);
}

TrackerSettings open_settings(Mode mode = Mode::small) {
    TrackerSettings s;
    s.mode = mode;
    s.locked = false;
    return s;
}

struct Fixture {
    ManualClock clock;
    Tracker tracker;
    PeerListBuffer peers;
    FastRng rng{42};
    explicit Fixture(TrackerSettings s = open_settings()) : tracker(clock, s) {}

    AnnounceReply announce(const PeerEndpoint& p, std::uint64_t left = 1, Event e = Event::none,
                           std::int64_t numwant = -1, Families f = Families::both,
                           InfoHash h = hash(1)) {
        AnnounceRequest r;
        r.info_hash = h;
        r.peer = p;
        r.left = left;
        r.event = e;
        r.numwant = numwant;
        r.families = f;
        return tracker.announce(r, peers, rng);
    }
    // The peers of the last reply, as endpoints.
    std::vector<PeerEndpoint> listed() const {
        std::vector<PeerEndpoint> out;
        for (std::uint32_t i = 0; i < peers.n4; ++i) {
            out.push_back(*PeerEndpoint::from_compact(std::span(peers.v4 + 6 * i, 6)));
        }
        for (std::uint32_t i = 0; i < peers.n6; ++i) {
            out.push_back(*PeerEndpoint::from_compact(std::span(peers.v6 + 18 * i, 18)));
        }
        return out;
    }
};

}  // namespace

TEST(TrackerCore, RequesterNeverListedAndNoDuplicates) {
    Fixture f;
    f.announce(v4(1));
    f.announce(v4(1));  // re-announce: still one peer
    f.announce(v4(2));
    auto r = f.announce(v4(1));
    EXPECT_EQ(r.incomplete, 2u);
    auto l = f.listed();
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0], v4(2));
}

TEST(TrackerCore, PeersAreKeyedByIpAndPort) {
    Fixture f;
    f.announce(v4(1, 1000));
    f.announce(v4(1, 1001));
    auto r = f.announce(v4(2));
    EXPECT_EQ(r.incomplete, 3u);
    EXPECT_EQ(f.listed().size(), 2u);
}

TEST(TrackerCore, StoppedRemovesAndCompletedCountsOnce) {
    Fixture f;
    f.announce(v4(1), 10, Event::started);
    auto r = f.announce(v4(1), 0, Event::completed);
    EXPECT_EQ(r.downloaded, 1u);
    EXPECT_EQ(r.complete, 1u);
    EXPECT_EQ(r.incomplete, 0u);
    r = f.announce(v4(1), 0, Event::completed);
    EXPECT_EQ(r.downloaded, 1u);
    r = f.announce(v4(1), 0, Event::stopped);
    EXPECT_EQ(r.complete, 0u);
    EXPECT_EQ(r.incomplete, 0u);
    EXPECT_EQ(f.peers.n4, 0u);
    EXPECT_EQ(f.tracker.scrape(hash(1)).downloaded, 1u);
}

TEST(TrackerCore, Ipv4AndIpv6AreOneSwarm) {
    Fixture f;
    f.announce(v4(1));
    f.announce(v6(1));
    f.announce(v4(2));
    auto r = f.announce(v6(2));
    EXPECT_EQ(r.incomplete, 4u);
    EXPECT_EQ(f.peers.n4, 2u);
    EXPECT_EQ(f.peers.n6, 1u);
    // A UDP requester gets only its own family.
    f.announce(v6(3), 1, Event::none, -1, Families::v6);
    EXPECT_EQ(f.peers.n4, 0u);
    EXPECT_EQ(f.peers.n6, 2u);
    f.announce(v4(3), 1, Event::none, -1, Families::v4);
    EXPECT_EQ(f.peers.n4, 2u);
    EXPECT_EQ(f.peers.n6, 0u);
}

TEST(TrackerCore, NumwantIsCappedByMaxpeers) {
    TrackerSettings s = open_settings(Mode::large);
    s.maxpeers = 5;
    Fixture f(s);
    for (int i = 0; i < 30; ++i)
        f.announce(v4(i));
    f.announce(v4(100), 1, Event::none, 1000);
    EXPECT_EQ(f.listed().size(), 5u);
    f.announce(v4(100), 1, Event::none, 3);
    EXPECT_EQ(f.listed().size(), 3u);
    f.announce(v4(100), 1, Event::none, 0);
    EXPECT_EQ(f.listed().size(), 0u);
}

TEST(TrackerModes, SmallReturnsEveryoneUnderTwenty) {
    Fixture f;
    for (int i = 0; i < 19; ++i)
        f.announce(v4(i));
    f.announce(v4(500));  // 19 others
    EXPECT_EQ(f.listed().size(), 19u);
}

TEST(TrackerModes, SmallRotatesHalfTheSwarmFromTheCursor) {
    Fixture f;
    for (int i = 0; i < 40; ++i)
        f.announce(v4(i));
    // 40 peers, requester among them: 39 others -> min(19, 50) = 19 peers.
    f.announce(v4(0));
    auto first = f.listed();
    ASSERT_EQ(first.size(), 19u);
    f.announce(v4(0));
    auto second = f.listed();
    ASSERT_EQ(second.size(), 19u);
    std::set<PeerEndpoint> a(first.begin(), first.end());
    std::set<PeerEndpoint> b(second.begin(), second.end());
    EXPECT_EQ(a.size(), 19u);
    for (const auto& p : b)
        EXPECT_EQ(a.count(p), 0u) << "cursor did not move on";
    EXPECT_EQ(a.count(v4(0)), 0u);

    TrackerSettings s = open_settings();
    s.maxpeers = 10;
    Fixture g(s);
    for (int i = 0; i < 100; ++i)
        g.announce(v4(i));
    g.announce(v4(0));
    EXPECT_EQ(g.listed().size(), 10u);  // min(half, maxpeers)
}

TEST(TrackerModes, LargeSamplesAndSeedersGetNoSeeders) {
    Fixture f(open_settings(Mode::large));
    for (int i = 0; i < 200; ++i)
        f.announce(v4(i), i % 2 == 0 ? 0 : 1);  // even: seeders
    f.announce(v4(1000), 0);                    // a seeder asks
    auto l = f.listed();
    EXPECT_EQ(l.size(), 50u);
    std::set<PeerEndpoint> unique(l.begin(), l.end());
    EXPECT_EQ(unique.size(), l.size());
    for (const auto& p : l)
        EXPECT_EQ(p.address_bytes()[3] % 2, 1) << p.to_string();

    // Leechers get both; two samples differ (random).
    f.announce(v4(2000), 1);
    auto x = f.listed();
    f.announce(v4(2000), 1);
    auto y = f.listed();
    EXPECT_EQ(x.size(), 50u);
    EXPECT_NE(std::set<PeerEndpoint>(x.begin(), x.end()),
              std::set<PeerEndpoint>(y.begin(), y.end()));
    bool saw_seeder = false;
    for (const auto& p : x)
        saw_seeder |= p.address_bytes()[3] % 2 == 0;
    EXPECT_TRUE(saw_seeder);
}

TEST(TrackerModes, LargeSmallSwarmListsEveryLeecher) {
    Fixture f(open_settings(Mode::large));
    for (int i = 0; i < 8; ++i)
        f.announce(v4(i), i < 4 ? 0 : 1);
    f.announce(v4(0), 0);  // seeder: only the 4 leechers
    EXPECT_EQ(f.listed().size(), 4u);
}

TEST(TrackerModes, SurgeSeedersFirstAndCompletedDropped) {
    TrackerSettings s = open_settings(Mode::surge);
    s.maxpeers = 5;
    Fixture f(s);
    for (int i = 0; i < 20; ++i)
        f.announce(v4(i), 1);  // leechers
    for (int i = 100; i < 103; ++i)
        f.announce(v4(i), 0);  // fixed seeders
    auto r = f.announce(v4(50), 1);
    EXPECT_EQ(r.interval, 450u);  // half of 900
    auto l = f.listed();
    ASSERT_EQ(l.size(), 5u);
    std::set<PeerEndpoint> first3(l.begin(), l.begin() + 3);
    EXPECT_EQ(first3, (std::set<PeerEndpoint>{v4(100), v4(101), v4(102)}));

    // Leecher 7 completes: it is counted as a seeder but never listed again.
    r = f.announce(v4(7), 0, Event::completed);
    EXPECT_EQ(r.complete, 4u);
    for (int k = 0; k < 20; ++k) {
        f.announce(v4(60 + k), 1);
        for (const auto& p : f.listed())
            EXPECT_NE(p, v4(7));
    }
    // A seeder asking gets leechers only.
    f.announce(v4(101), 0);
    for (const auto& p : f.listed())
        EXPECT_GE(p.address_bytes()[3], 0);
    for (const auto& p : f.listed())
        EXPECT_LT(p.address_bytes()[3], 100);
}

TEST(TrackerCore, PeersExpireAfterTwoIntervals) {
    TrackerSettings s = open_settings();
    s.interval = 100;
    Fixture f(s);
    f.announce(v4(1));
    f.clock.advance(150s);
    f.announce(v4(2));
    f.clock.advance(60s);  // v4(1) silent 210 s > 200 s; v4(2) silent 60 s
    EXPECT_EQ(f.tracker.expire(), 1u);
    auto r = f.announce(v4(3));
    EXPECT_EQ(r.incomplete, 2u);
    ASSERT_EQ(f.listed().size(), 1u);
    EXPECT_EQ(f.listed()[0], v4(2));
    f.clock.advance(1000s);
    EXPECT_EQ(f.tracker.expire(), 2u);
    EXPECT_EQ(f.tracker.torrent_count(), 0u);  // empty, not whitelisted: gone
}

TEST(TrackerCore, LockedWhitelist) {
    TrackerSettings s;
    s.locked = true;
    Fixture f(s);
    EXPECT_EQ(f.announce(v4(1)).status, AnnounceStatus::not_tracked);
    auto change = f.tracker.set_whitelist({hash(1), hash(2)});
    EXPECT_EQ(change.added, 2u);
    EXPECT_EQ(f.announce(v4(1)).status, AnnounceStatus::ok);
    EXPECT_EQ(f.tracker.torrent_count(), 2u);
    EXPECT_EQ(f.announce(v4(1), 1, Event::none, -1, Families::both, hash(3)).status,
              AnnounceStatus::not_tracked);
    change = f.tracker.set_whitelist({hash(2)});
    EXPECT_EQ(change.removed, 1u);
    EXPECT_EQ(f.announce(v4(1)).status, AnnounceStatus::not_tracked);
    EXPECT_EQ(f.tracker.torrent_count(), 1u);
}

TEST(TrackerCore, LockingDropsUnlistedSwarms) {
    Fixture f;
    f.tracker.set_whitelist({hash(2)});
    f.announce(v4(1));  // hash(1): tracked organically
    EXPECT_EQ(f.tracker.torrent_count(), 2u);
    TrackerSettings s = f.tracker.settings();
    s.locked = true;
    f.tracker.update_settings(s);
    EXPECT_EQ(f.tracker.torrent_count(), 1u);
}

TEST(TrackerCore, Caps) {
    TrackerSettings s = open_settings();
    s.max_peers_per_torrent = 3;
    s.max_torrents = 2;
    Fixture f(s);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(f.announce(v4(i)).status, AnnounceStatus::ok);
    EXPECT_EQ(f.announce(v4(9)).status, AnnounceStatus::swarm_full);
    EXPECT_EQ(f.announce(v4(0)).status, AnnounceStatus::ok);  // known peers still announce
    EXPECT_EQ(f.announce(v4(0), 1, Event::none, -1, Families::both, hash(2)).status,
              AnnounceStatus::ok);
    EXPECT_EQ(f.announce(v4(0), 1, Event::none, -1, Families::both, hash(3)).status,
              AnnounceStatus::torrent_limit);
}

TEST(TrackerLivesync, ObserverSeesLocalChangesOnly) {
    Fixture f;
    std::vector<PeerChange> seen;
    f.tracker.set_peer_observer([&](const PeerChange& c) { seen.push_back(c); });
    f.announce(v4(1), 10, Event::started);
    f.announce(v4(1), 0, Event::completed);
    f.announce(v4(1), 0, Event::stopped);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_TRUE(seen[0].is_new_peer);
    EXPECT_FALSE(seen[0].seeding);
    EXPECT_EQ(seen[0].info_hash, hash(1));
    EXPECT_EQ(seen[0].peer, v4(1));
    EXPECT_FALSE(seen[1].is_new_peer);
    EXPECT_TRUE(seen[1].completed_first_time);
    EXPECT_TRUE(seen[1].seeding);
    EXPECT_TRUE(seen[2].stopped);

    PeerChange remote;
    remote.info_hash = hash(1);
    remote.peer = v6(5);
    remote.seeding = true;
    remote.completed_first_time = true;
    EXPECT_EQ(f.tracker.apply_remote_peer(remote), AnnounceStatus::ok);
    EXPECT_EQ(seen.size(), 3u);  // no rebroadcast
    auto r = f.announce(v4(2));
    EXPECT_EQ(r.complete, 1u);
    EXPECT_EQ(r.downloaded, 2u);
    ASSERT_EQ(f.listed().size(), 1u);
    EXPECT_EQ(f.listed()[0], v6(5));
    remote.stopped = true;
    EXPECT_EQ(f.tracker.apply_remote_peer(remote), AnnounceStatus::ok);
    EXPECT_EQ(f.tracker.scrape(hash(1)).complete, 0u);
}

TEST(TrackerLivesync, RemoteRespectsLockAndDownloadedMerges) {
    TrackerSettings s;
    s.locked = true;
    Fixture f(s);
    f.tracker.set_whitelist({hash(1)});
    PeerChange remote;
    remote.info_hash = hash(2);
    remote.peer = v4(1);
    EXPECT_EQ(f.tracker.apply_remote_peer(remote), AnnounceStatus::not_tracked);
    f.tracker.merge_downloaded(hash(1), 7);
    f.tracker.merge_downloaded(hash(1), 3);
    f.tracker.merge_downloaded(hash(2), 9);  // not tracked: ignored
    EXPECT_EQ(f.tracker.torrent_count(), 1u);
    std::vector<std::pair<InfoHash, std::uint64_t>> all;
    f.tracker.for_each_downloaded([&](const InfoHash& h, std::uint64_t n) {
        all.push_back({h, n});
    });
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].first, hash(1));
    EXPECT_EQ(all[0].second, 7u);
}

// Counts are 64-bit: a count restored from the state file or merged from livesync
// beyond 2^32 is kept whole (only BEP 15's u32 field clamps it, see udp_test).
TEST(TrackerLivesync, DownloadedIs64Bit) {
    TrackerSettings s;
    s.locked = true;
    Fixture f(s);
    f.tracker.set_whitelist({hash(1)});
    const std::uint64_t big = 5'000'000'000ULL;
    f.tracker.merge_downloaded(hash(1), big);
    EXPECT_EQ(f.tracker.scrape(hash(1)).downloaded, big);
    EXPECT_EQ(f.tracker.totals().completed, big);
    PeerChange remote;
    remote.info_hash = hash(1);
    remote.peer = v4(1);
    remote.completed_first_time = true;
    EXPECT_EQ(f.tracker.apply_remote_peer(remote), AnnounceStatus::ok);
    EXPECT_EQ(f.announce(v4(2)).downloaded, big + 1);
}

// The core feeds the state journal where it counts a completion (local, livesync,
// merged), once per peer, and not for plain announces.
TEST(TrackerState, CompletionsReachTheJournal) {
    Fixture f;
    state::StateJournal journal;
    f.tracker.set_state_journal(&journal);
    f.announce(v4(1));
    EXPECT_EQ(journal.pending(), 0u);
    f.announce(v4(1), 0, Event::completed);
    f.announce(v4(1), 0, Event::completed);  // counted once per peer
    PeerChange remote;
    remote.info_hash = hash(1);
    remote.peer = v4(2);
    remote.completed_first_time = true;
    EXPECT_EQ(f.tracker.apply_remote_peer(remote), AnnounceStatus::ok);
    f.tracker.merge_downloaded(hash(2), 40);
    f.tracker.merge_downloaded(hash(2), 30);  // lower: nothing to note
    auto batch = journal.take();
    std::sort(batch.begin(), batch.end(),
              [](const auto& a, const auto& b) { return a.info_hash < b.info_hash; });
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].completed + batch[1].completed, 2u + 40u);
    EXPECT_GT(batch[0].last_seen, 0);
}

TEST(PeerStoreList, TailMergeKeepsLookupAndOrder) {
    PeerList<6> list;
    std::set<std::array<std::uint8_t, 6>> keys;
    std::mt19937 rng(3);
    for (int i = 0; i < 500; ++i) {
        std::array<std::uint8_t, 6> k{};
        for (auto& b : k)
            b = static_cast<std::uint8_t>(rng());
        if (keys.count(k)) continue;
        ASSERT_LT(list.find(k), 0);
        const std::size_t at = list.insert(k);
        EXPECT_EQ(list[at].key, k);
        keys.insert(k);
    }
    EXPECT_EQ(list.size(), keys.size());
    for (const auto& k : keys) {
        const auto at = list.find(k);
        ASSERT_GE(at, 0);
        EXPECT_EQ(list[static_cast<std::size_t>(at)].key, k);
    }
    // Erase every other key by index and by predicate; the rest stays findable.
    std::size_t seeders = 0;
    int n = 0;
    list.erase_if([&](const auto&) { return n++ % 2 == 0; }, seeders);
    std::size_t found = 0;
    for (const auto& k : keys)
        found += list.find(k) >= 0 ? 1 : 0;
    EXPECT_EQ(found, list.size());
    const auto first = list[0].key;
    list.erase(static_cast<std::size_t>(list.find(first)));
    EXPECT_LT(list.find(first), 0);
    EXPECT_TRUE(key_less<6>({1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 7}));
    EXPECT_FALSE(key_less<6>({2, 0, 0, 0, 0, 0}, {1, 255, 255, 255, 255, 255}));
    EXPECT_TRUE(key_less<18>({0, 0, 0, 0, 0, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 0, 0, 2}));
}

TEST(TrackerCore, StoppedForUnknownSwarmCreatesNothing) {
    Fixture f;
    int calls = 0;
    f.tracker.set_peer_observer([&](const PeerChange&) { ++calls; });
    EXPECT_EQ(f.announce(v4(1), 1, Event::stopped).status, AnnounceStatus::ok);
    EXPECT_EQ(f.tracker.torrent_count(), 0u);
    EXPECT_EQ(calls, 0);
}

// Issue 13 item 13: totals() is kept incrementally (O(shards) per /stats); it must equal
// the sum over every swarm after any mix of changes.
TEST(TrackerCore, TotalsFollowEveryChange) {
    Fixture f;
    auto brute = [&] {
        TrackerTotals t;
        f.tracker.scrape_all([&](const ScrapeEntry& e) {
            ++t.torrents;
            t.seeders += e.complete;
            t.leechers += e.incomplete;
            t.completed += e.downloaded;
        });
        return t;
    };
    auto check = [&](const char* when) {
        const TrackerTotals want = brute();
        const TrackerTotals got = f.tracker.totals();
        EXPECT_EQ(got.torrents, want.torrents) << when;
        EXPECT_EQ(got.seeders, want.seeders) << when;
        EXPECT_EQ(got.leechers, want.leechers) << when;
        EXPECT_EQ(got.completed, want.completed) << when;
        EXPECT_EQ(got.peers_v4 + got.peers_v6, want.seeders + want.leechers) << when;
    };
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) {
        const auto h = hash(static_cast<std::uint8_t>(rng() % 40));
        const int who = static_cast<int>(rng() % 30);
        const auto peer = rng() % 3 == 0 ? v6(who) : v4(who);
        const auto e = static_cast<Event>(rng() % 4);
        f.announce(peer, rng() % 2, e, -1, Families::both, h);
        if (i % 500 == 0) {
            PeerChange c;
            c.info_hash = hash(static_cast<std::uint8_t>(rng() % 40));
            c.peer = v4(100 + i % 7);
            c.completed_first_time = true;
            f.tracker.apply_remote_peer(c);
            f.tracker.merge_downloaded(hash(3), static_cast<std::uint32_t>(i));
        }
    }
    check("after announces");
    EXPECT_GT(f.tracker.totals().torrents, 10u);
    EXPECT_GT(f.tracker.totals().completed, 0u);
    f.tracker.set_whitelist({hash(1), hash(2)});
    f.clock.advance(std::chrono::seconds(2 * 900 + 5));
    f.announce(v4(1), 0, Event::none, -1, Families::both, hash(1));
    EXPECT_GT(f.tracker.expire(), 0u);
    check("after expiry");
    auto locked = open_settings();
    locked.locked = true;
    f.tracker.update_settings(locked);
    check("after locking");
    f.tracker.set_whitelist({});
    check("after emptying the whitelist");
    EXPECT_EQ(f.tracker.totals().torrents, 0u);
}

// Issue 14: the v1 and v2 hashes of a hybrid torrent are one swarm.
TEST(TrackerCore, HybridTorrentIsOneSwarmUnderBothHashes) {
    TrackerSettings s = open_settings();
    s.locked = true;
    Fixture f(s);
    const InfoHash v1 = hash(10);
    const InfoHash v2 = hash(20);
    const auto change = f.tracker.set_torrents({{v1, v2}, {hash(30)}});
    EXPECT_EQ(change.added, 3u);
    EXPECT_TRUE(f.tracker.is_whitelisted(v2));
    EXPECT_EQ(f.tracker.totals().torrents, 2u);

    ASSERT_EQ(f.announce(v4(1), 1, Event::started, -1, Families::both, v1).status,
              AnnounceStatus::ok);
    // A peer announcing the v2 hash finds the v1 announcer, and the other way round.
    ASSERT_EQ(f.announce(v4(2), 1, Event::started, -1, Families::both, v2).status,
              AnnounceStatus::ok);
    EXPECT_EQ(f.listed(), std::vector<PeerEndpoint>{v4(1)});
    f.announce(v4(1), 1, Event::none, -1, Families::both, v1);
    EXPECT_EQ(f.listed(), std::vector<PeerEndpoint>{v4(2)});

    // One completion per peer, whichever hash it uses.
    f.announce(v4(1), 0, Event::completed, -1, Families::both, v1);
    f.announce(v4(1), 0, Event::completed, -1, Families::both, v2);
    f.announce(v4(2), 0, Event::completed, -1, Families::both, v2);
    const ScrapeEntry a = f.tracker.scrape(v1);
    const ScrapeEntry b = f.tracker.scrape(v2);
    EXPECT_EQ(a.downloaded, 2u);
    EXPECT_EQ(a.complete, 2u);
    EXPECT_EQ(b.downloaded, a.downloaded);
    EXPECT_EQ(b.complete, a.complete);
    EXPECT_TRUE(b.info_hash == v2);
    const TrackerTotals t = f.tracker.totals();
    EXPECT_EQ(t.torrents, 2u);
    EXPECT_EQ(t.completed, 2u);
    EXPECT_EQ(t.seeders, 2u);
    std::size_t listed = 0;
    f.tracker.scrape_all([&](const ScrapeEntry&) { ++listed; });
    EXPECT_EQ(listed, 2u);

    // Livesync under the alias lands in the same swarm; merges too.
    PeerChange c;
    c.info_hash = v2;
    c.peer = v4(3);
    EXPECT_EQ(f.tracker.apply_remote_peer(c), AnnounceStatus::ok);
    EXPECT_EQ(f.tracker.scrape(v1).incomplete, 1u);
    f.tracker.merge_downloaded(v2, 9);
    EXPECT_EQ(f.tracker.scrape(v1).downloaded, 9u);
    EXPECT_EQ(f.tracker.totals().completed, 9u);

    // The observer (livesync) reports the swarm's own hash.
    std::vector<InfoHash> observed;
    f.tracker.set_peer_observer([&](const PeerChange& ch) { observed.push_back(ch.info_hash); });
    f.announce(v4(4), 1, Event::none, -1, Families::both, v2);
    ASSERT_EQ(observed.size(), 1u);
    EXPECT_TRUE(observed[0] == v1);

    // Removing the torrent removes the alias: --locked refuses the v2 hash again.
    const auto gone = f.tracker.set_torrents({{hash(30)}});
    EXPECT_EQ(gone.removed, 2u);
    EXPECT_FALSE(f.tracker.is_whitelisted(v2));
    EXPECT_EQ(f.announce(v4(1), 1, Event::none, -1, Families::both, v2).status,
              AnnounceStatus::not_tracked);
    EXPECT_EQ(f.tracker.totals().torrents, 1u);
}
