// LiveSync: one tracker instance's side of livesync. The tracker reports
// accepted local announces with on_local_peer_change() (any thread); a
// dedicated thread owns the sockets, sends batched PEER4/PEER6 packets,
// filters and applies what other instances send (into SwarmView, never
// rebroadcast), and runs scrape sync. See docs/livesync.md.
// Thread: start() spawns the livesync thread; the destructor stops it after
// sending what is still batched. counters()/metrics()/instances() may be read from
// any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "tracker/livesync/auth.hpp"
#include "tracker/livesync/batcher.hpp"
#include "tracker/livesync/config.hpp"
#include "tracker/livesync/instances.hpp"
#include "tracker/livesync/receiver.hpp"
#include "tracker/livesync/scrape_sync.hpp"
#include "tracker/livesync/swarm_view.hpp"
#include "tracker/livesync/transport.hpp"

namespace aciswarm::livesync {

class LiveSync {
  public:
    // Opens the sockets and starts the thread. instance: 0 = random (getrandom).
    static Result<std::unique_ptr<LiveSync>> start(LiveSyncConfig config, SwarmView& swarm,
                                                   const Clock& clock, Logger& log,
                                                   InstanceId instance = 0);
    ~LiveSync();
    LiveSync(const LiveSync&) = delete;
    LiveSync& operator=(const LiveSync&) = delete;

    // Any thread. Cheap: a map lookup and a record copy under a mutex.
    void on_local_peer_change(const LocalPeerChange& change);

    InstanceId instance() const { return instance_; }
    std::optional<PeerEndpoint> unicast_endpoint() const { return transport_->unicast_endpoint(); }
    const Counters& counters() const { return counters_; }
    // The instances heard from (for /cluster); any thread.
    std::vector<InstanceRow> instances() const { return instances_.rows(); }
    // Prometheus lines "aciswarm_tracker_livesync_*".
    std::string metrics() const;

  private:
    LiveSync(LiveSyncConfig config, SwarmView& swarm, const Clock& clock, Logger& log,
             InstanceId instance, std::unique_ptr<Transport> transport, int wake_fd);
    void run();
    void wake();
    void flush(bool force);
    void send(PacketBuilder&& builder);
    void handle(std::span<const std::uint8_t> datagram, const PeerEndpoint& source);
    void answer_inquire();
    void apply_tells(const std::vector<TellRecord>& tells);
    std::size_t add_tell(std::optional<PacketBuilder>& packet, const TellRecord& rec);

    LiveSyncConfig config_;
    SwarmView& swarm_;
    const Clock& clock_;
    Logger& log_;
    InstanceId instance_;
    Counters counters_;
    InstanceTable instances_{clock_};  // note() on the livesync thread, rows() anywhere
    std::unique_ptr<Transport> transport_;
    int wake_fd_;

    std::mutex batch_mutex_;  // guards batcher_
    PeerBatcher batcher_;

    // Livesync thread only:
    Sealer sealer_;
    ReceiveFilter filter_;
    ScrapeSync scrape_;

    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace aciswarm::livesync
