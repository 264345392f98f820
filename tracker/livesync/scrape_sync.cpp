#include "tracker/livesync/scrape_sync.hpp"

#include <algorithm>

namespace aciswarm::livesync {

ScrapeSync::ScrapeSync(ScrapeSyncConfig config, InstanceId self, const Clock& clock)
    : config_(config),
      self_(self),
      clock_(clock),
      next_beacon_(clock.now() + config.beacon_after) {}

ScrapeSync::Actions ScrapeSync::tick(std::uint64_t own_torrents) {
    Actions out;
    const auto now = clock_.now();
    if (!start_inquire_sent_) {
        start_inquire_sent_ = true;
        out.inquire = Inquire{inquire_everyone};
    }
    if (now >= next_beacon_) {
        out.beacon = Beacon{own_torrents};
        // Catch up without a burst if the loop was late.
        do {
            next_beacon_ += config_.beacon_interval;
        } while (next_beacon_ <= now);
    }
    if (state_ == State::collecting && now >= decide_at_) {
        out.inquire = Inquire{best_};
        state_ = State::idle;
    }
    return out;
}

void ScrapeSync::on_beacon(InstanceId sender, const Beacon& beacon, std::uint64_t own_torrents) {
    if (sender == self_) return;
    const auto now = clock_.now();
    // "More than twice": theirs > 2 * own, i.e. own <= (theirs - 1) / 2, without overflow.
    const bool richer = beacon.torrent_count > 0 && own_torrents <= (beacon.torrent_count - 1) / 2;
    if (!richer) return;
    if (backoff_until_ && now < *backoff_until_) return;
    if (state_ == State::idle) {
        state_ = State::collecting;
        decide_at_ = now + config_.inquire_wait;
        best_ = sender;
        best_count_ = beacon.torrent_count;
    } else if (beacon.torrent_count > best_count_) {
        best_ = sender;
        best_count_ = beacon.torrent_count;
    }
}

bool ScrapeSync::on_inquire(InstanceId /*sender*/, const Inquire& inquire) {
    const auto now = clock_.now();
    if (inquire.target == inquire_everyone) {
        const auto interval = std::min(config_.start_answer_interval, config_.tell_backoff);
        if (last_start_answer_ && now - *last_start_answer_ < interval) return false;
        last_start_answer_ = now;
        return true;
    }
    if (inquire.target != self_) return false;
    if (last_answer_ && now - *last_answer_ < config_.tell_backoff) return false;
    last_answer_ = now;
    return true;
}

void ScrapeSync::on_tell(InstanceId sender) {
    if (sender == self_) return;
    backoff_until_ = clock_.now() + config_.tell_backoff;
    state_ = State::idle;
}

Clock::SteadyTime ScrapeSync::next_deadline() const {
    if (!start_inquire_sent_) return clock_.now();
    return state_ == State::collecting ? std::min(next_beacon_, decide_at_) : next_beacon_;
}

}  // namespace aciswarm::livesync
