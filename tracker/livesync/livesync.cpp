#include "tracker/livesync/livesync.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace aciswarm::livesync {
namespace {

// Datagrams read per socket per loop turn, so sending is never starved.
constexpr int max_reads_per_turn = 512;

std::string instance_hex(InstanceId id) {
    std::array<char, 17> buf{};
    std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(id));
    return buf.data();
}

}  // namespace

Result<std::unique_ptr<LiveSync>> LiveSync::start(LiveSyncConfig config, SwarmView& swarm,
                                                  const Clock& clock, Logger& log,
                                                  InstanceId instance) {
    if (instance == 0) {
        auto id = random_instance_id();
        if (!id) return std::move(id).error();
        instance = *id;
    }
    auto transport = Transport::open(config, log);
    if (!transport) return std::move(transport).error();
    const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        return make_error(Errc::io, std::string("livesync eventfd: ") + std::strerror(errno));
    }
    std::unique_ptr<LiveSync> s(new LiveSync(std::move(config), swarm, clock, log, instance,
                                             std::move(*transport), wake_fd));
    s->thread_ = std::thread([p = s.get()] { p->run(); });
    return s;
}

LiveSync::LiveSync(LiveSyncConfig config, SwarmView& swarm, const Clock& clock, Logger& log,
                   InstanceId instance, std::unique_ptr<Transport> transport, int wake_fd)
    : config_(std::move(config)),
      swarm_(swarm),
      clock_(clock),
      log_(log),
      instance_(instance),
      transport_(std::move(transport)),
      wake_fd_(wake_fd),
      batcher_(BatcherConfig{config_.max_datagram, config_.key.has_value(), config_.flush_delay,
                             config_.resync_interval},
               clock),
      sealer_(instance, config_.key, clock),
      filter_(ReceiveConfig{instance, config_.key, config_.allow, config_.max_age}, clock,
              counters_),
      scrape_(config_.scrape, instance, clock) {
    for (const auto& w : config_.warnings)
        log_.warn("livesync: ", w);
    log_.info("livesync instance ", instance_hex(instance_),
              config_.key ? " (packets tagged with --sync-key)" : " (no key: --sync-allow only)");
}

LiveSync::~LiveSync() {
    stop_.store(true);
    wake();
    if (thread_.joinable()) thread_.join();
    ::close(wake_fd_);
}

void LiveSync::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void LiveSync::on_local_peer_change(const LocalPeerChange& change) {
    bool need_wake = false;
    {
        std::lock_guard lock(batch_mutex_);
        const bool was_idle = !batcher_.next_deadline().has_value();
        if (!batcher_.add(change)) {
            counters_.peers_suppressed.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        counters_.peers_queued.fetch_add(1, std::memory_order_relaxed);
        // Wake the thread when its poll deadline changed: first pending record, or a full packet.
        need_wake = was_idle || batcher_.has_full();
    }
    if (need_wake) wake();
}

std::string LiveSync::metrics() const {
    return counters_.prometheus("aciswarm_tracker_livesync_");
}

void LiveSync::send(PacketBuilder&& builder) {
    const auto bytes = sealer_.seal(std::move(builder));
    const std::size_t failures = transport_->send(bytes);
    counters_.sent.fetch_add(1, std::memory_order_relaxed);
    if (failures > 0) {
        counters_.send_errors.fetch_add(failures, std::memory_order_relaxed);
        log_.debug("livesync: ", failures, " sends failed: ", std::strerror(errno));
    }
}

void LiveSync::flush(bool force) {
    std::deque<PacketBuilder> ready;
    {
        std::lock_guard lock(batch_mutex_);
        ready = batcher_.take_ready(force);
    }
    for (auto& b : ready)
        send(std::move(b));
}

void LiveSync::answer_inquire() {
    // Peer records still batched go out first: a TELL that counted their completes must not
    // reach a receiver before them (it would merge the count, then add the completes again).
    flush(true);
    // Copy first: sending may block briefly and must not hold the swarm's locks.
    std::vector<TellRecord> records;
    records.reserve(swarm_.torrent_count());
    swarm_.for_each_downloaded([&](const TorrentDownloads& t) {
        records.push_back(TellRecord{t.info_hash, t.minutes_since_announce, t.downloaded});
    });
    std::size_t packets = 0;
    std::optional<PacketBuilder> b;
    for (const auto& rec : records)
        packets += add_tell(b, rec);
    if (b && !b->empty()) {
        send(std::move(*b));
        ++packets;
    }
    log_.info("livesync: answered a scrape inquire with ", records.size(), " torrents in ", packets,
              " tell packets");
}

// Appends `rec` to the TELL packet being built (started when there is none); a full
// packet is sent first. Returns how many packets went out (0 or 1).
std::size_t LiveSync::add_tell(std::optional<PacketBuilder>& packet, const TellRecord& rec) {
    if (!packet) packet.emplace(PacketType::tell, config_.max_datagram, sealer_.tagged());
    if (packet->add_tell(rec)) return 0;
    send(std::move(*packet));
    packet.emplace(PacketType::tell, config_.max_datagram, sealer_.tagged());
    // --sync-max-packet is validated to hold at least one record of each kind.
    if (!packet->add_tell(rec)) log_.warn("livesync: a TELL record does not fit an empty packet");
    return 1;
}

void LiveSync::apply_tells(const std::vector<TellRecord>& tells) {
    std::optional<PacketBuilder> correction;
    for (const auto& t : tells) {
        const std::uint64_t ours = swarm_.merge_downloaded(t.info_hash, t.downloaded);
        counters_.tells_applied.fetch_add(1, std::memory_order_relaxed);
        if (ours > t.downloaded) {
            add_tell(correction, TellRecord{t.info_hash, 0, ours});
        }
    }
    if (correction && !correction->empty()) send(std::move(*correction));
}

void LiveSync::handle(std::span<const std::uint8_t> datagram, const PeerEndpoint& source) {
    Received r = filter_.check(datagram, source, config_.max_datagram);
    instances_.note(r, datagram, source);
    if (r.verdict != Verdict::accepted) {
        if (r.verdict != Verdict::own) {
            log_.debug("livesync: dropped packet from ", source.to_string(), ": ",
                       verdict_name(r.verdict), ": ", r.reason);
        }
        return;
    }
    const Packet& p = *r.packet;
    const InstanceId sender = p.header.instance;
    if (const auto* peers = std::get_if<std::vector<PeerRecord>>(&p.body)) {
        std::size_t applied = 0;
        std::size_t refused = 0;
        std::string first_refusal;
        for (const auto& rec : *peers) {
            std::string why = synced_peer_refusal(rec.peer, source);
            if (why.empty() && !swarm_.apply_remote_peer(rec)) why = "not tracked here";
            if (why.empty()) {
                ++applied;
            } else {
                if (refused++ == 0) first_refusal = rec.peer.to_string() + ": " + why;
            }
        }
        counters_.peers_applied.fetch_add(applied, std::memory_order_relaxed);
        counters_.peers_refused.fetch_add(refused, std::memory_order_relaxed);
        log_.debug("livesync: applied ", applied, " peer records from ", instance_hex(sender),
                   refused
                       ? " (refused " + std::to_string(refused) + ", first " + first_refusal + ")"
                       : std::string());
    } else if (const auto* beacon = std::get_if<Beacon>(&p.body)) {
        scrape_.on_beacon(sender, *beacon, swarm_.torrent_count());
    } else if (const auto* inquire = std::get_if<Inquire>(&p.body)) {
        if (scrape_.on_inquire(sender, *inquire)) answer_inquire();
    } else if (const auto* tells = std::get_if<std::vector<TellRecord>>(&p.body)) {
        scrape_.on_tell(sender);
        apply_tells(*tells);
        log_.debug("livesync: merged ", tells->size(), " scrape counts from ",
                   instance_hex(sender));
    }
}

void LiveSync::run() {
    std::vector<pollfd> fds;
    fds.push_back(pollfd{wake_fd_, POLLIN, 0});
    for (int fd : transport_->fds())
        fds.push_back(pollfd{fd, POLLIN, 0});
    // Big enough for any UDP datagram, so oversize ones are seen whole and rejected.
    std::vector<std::uint8_t> buffer(65536);

    while (!stop_.load()) {
        auto deadline = scrape_.next_deadline();
        {
            std::lock_guard lock(batch_mutex_);
            if (auto d = batcher_.next_deadline()) deadline = std::min(deadline, *d);
        }
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_.now());
        // At least 1 ms rounding up; at most 1 s so a ManualClock-free loop stays responsive.
        const int timeout = static_cast<int>(std::clamp<std::int64_t>(wait.count() + 1, 0, 1000));
        for (auto& f : fds)
            f.revents = 0;
        const int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) {
            log_.error("livesync: poll: ", std::strerror(errno));
            break;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            std::uint64_t v = 0;
            [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &v, sizeof v);
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if ((fds[i].revents & POLLIN) == 0) continue;
            for (int k = 0; k < max_reads_per_turn; ++k) {
                auto d = transport_->receive(fds[i].fd, buffer);
                if (!d) break;
                handle(std::span(buffer.data(), std::min(d->size, buffer.size())), d->source);
                if (d->size > buffer.size()) {
                    counters_.rejected_malformed.fetch_add(1, std::memory_order_relaxed);
                }
            }
        }
        flush(false);
        if (clock_.now() >= scrape_.next_deadline()) {
            const auto actions = scrape_.tick(swarm_.torrent_count());
            if (actions.beacon) {
                PacketBuilder b(PacketType::beacon, config_.max_datagram, sealer_.tagged());
                if (b.set_beacon(*actions.beacon)) {
                    send(std::move(b));
                } else {
                    log_.warn("livesync: a BEACON does not fit an empty packet");
                }
            }
            if (actions.inquire) {
                log_.info(actions.inquire->target == inquire_everyone
                              ? "livesync: asking every instance for its scrape counts (start)"
                              : "livesync: inquiring instance with the most torrents for scrape "
                                "counts");
                PacketBuilder b(PacketType::inquire, config_.max_datagram, sealer_.tagged());
                if (b.set_inquire(*actions.inquire)) {
                    send(std::move(b));
                } else {
                    log_.warn("livesync: an INQUIRE does not fit an empty packet");
                }
            }
        }
    }
    flush(true);
}

}  // namespace aciswarm::livesync
