// The follower's zone peer plugin (zone_peer_filter.hpp): hides an out-of-zone peer's
// piece availability from libtorrent, so a follower stays "not interested" in it and
// never downloads over its connection, while still uploading to it. Runs on
// libtorrent's network thread.
#include <libtorrent/extensions.hpp>
#include <libtorrent/peer_connection_handle.hpp>

#include <optional>

#include "agent/engine/engine_impl.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {
namespace {

class ZonePeerPlugin final : public lt::peer_plugin {
  public:
    ZonePeerPlugin(std::shared_ptr<ZonePeerFilter> filter, lt::peer_connection_handle pc)
        : filter_(std::move(filter)),
          pc_(std::move(pc)),
          remote_(torrent::detail::from_lt(pc_.remote())) {}

    // Each returns true (handled: libtorrent skips the message) for a peer outside a
    // follower's zone.
    bool on_bitfield(const lt::bitfield&) override { return hide(); }
    bool on_have_all() override { return hide(); }
    bool on_have(lt::piece_index_t) override { return hide(); }
    bool on_allowed_fast(lt::piece_index_t) override { return hide(); }
    bool on_suggest(lt::piece_index_t) override { return hide(); }

    bool on_piece(const lt::peer_request& piece, lt::span<const char>) override {
        if (began_as_follower_ == true) filter_->count_follower_payload(remote_, piece.length);
        return false;
    }

    void tick() override {
        if (!rule_.stale(filter_->allows(remote_)) || pc_.is_disconnecting()) return;
        pc_.disconnect(boost::asio::error::connection_aborted, lt::operation_t::bittorrent);
    }

  private:
    bool hide() {
        if (!began_as_follower_) began_as_follower_ = filter_->follower();
        return rule_.hide(filter_->allows(remote_));
    }

    std::shared_ptr<ZonePeerFilter> filter_;
    lt::peer_connection_handle pc_;
    PeerEndpoint remote_;
    ZoneConnectionRule rule_;
    // Set by the peer's first availability message.
    std::optional<bool> began_as_follower_;
};

class ZoneTorrentPlugin final : public lt::torrent_plugin {
  public:
    explicit ZoneTorrentPlugin(std::shared_ptr<ZonePeerFilter> filter)
        : filter_(std::move(filter)) {}
    std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle& pc) override {
        // Web seeds are the follower's fallback (--leader-timeout), not zone peers.
        if (pc.type() != lt::connection_type::bittorrent) return nullptr;
        return std::make_shared<ZonePeerPlugin>(filter_, pc);
    }

  private:
    std::shared_ptr<ZonePeerFilter> filter_;
};

}  // namespace

std::shared_ptr<lt::torrent_plugin> make_zone_plugin(std::shared_ptr<ZonePeerFilter> filter) {
    return std::make_shared<ZoneTorrentPlugin>(std::move(filter));
}

}  // namespace aciswarm::engine
