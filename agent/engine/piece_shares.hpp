#pragma once
// Initial seeding without super-seeding (docs/engine.md, "Piece shares"): each
// downloader of a swarm takes its own share of the pieces first, so that the
// origin's seed sends each piece about once and the nodes trade the rest.
//
// Without a coordinator: every aciswarm engine draws one random key at start and
// sends it in its BEP 10 extension handshake ("aciswarm_share", an extra key that
// other clients ignore). A downloader sorts its own key and those of its connected
// peers that are downloading too (not seeds; a peer without the key, e.g. another
// client, is not counted): with rank i among n keys its share is pieces
// [i·P/n, (i+1)·P/n). The engine gives those pieces libtorrent's top priority (7),
// which its picker serves before any other regardless of availability; a peer that
// has them is, at the start, only the seed, so each node asks the seed for its own
// share and the rest of the file from the other nodes, rarest first. The share is
// recomputed when the set of downloaders changes; once every piece of it is here the
// node drops back to plain rarest first for good (release), and a node alone (no
// other downloader with a key) has no share. Only local piece priorities change, so
// the swarm stays standard BitTorrent.
//
// Pure: no libtorrent, no clock, no I/O. Owned by the engine's alert thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace aciswarm::engine {

// A run of pieces [first, first + count).
struct PieceRun {
    int first = 0;
    int count = 0;
    bool contains(int piece) const { return piece >= first && piece < first + count; }
    friend bool operator==(const PieceRun&, const PieceRun&) = default;
};

// Share `rank` (0-based) of `members` shares of num_pieces pieces: pieces
// [rank·P/members, (rank+1)·P/members). Shares of one split cover every piece once.
PieceRun piece_share(int rank, int members, int num_pieces);

class PieceShares {
  public:
    enum class Action {
        none,     // keep what libtorrent has
        apply,    // the share changed: share() at top priority, the rest default
        release,  // every piece of the share is here: every piece default, for good
    };

    // own_key: this engine's random key (0 is "no key" and never used as one).
    PieceShares(std::uint64_t own_key, int num_pieces)
        : own_key_(own_key), num_pieces_(num_pieces) {}

    // One snapshot of the download: the keys of its connected peers that are
    // downloading (duplicates and this node's own key are ignored), and whether this
    // node has piece i (a verified piece).
    Action observe(const std::vector<std::uint64_t>& peer_keys,
                   const std::function<bool(int)>& have);

    // The share in force (nullopt: none yet, alone, or released).
    std::optional<PieceRun> share() const { return released_ ? std::nullopt : share_; }
    int rank() const { return rank_; }
    int members() const { return members_; }
    bool released() const { return released_; }

  private:
    std::uint64_t own_key_;
    int num_pieces_;
    std::optional<PieceRun> share_;
    int rank_ = 0;
    int members_ = 0;
    bool released_ = false;
};

}  // namespace aciswarm::engine
