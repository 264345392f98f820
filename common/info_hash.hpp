// Info hashes and peer ids.
//
// InfoHash is the 20 bytes trackers and the wire protocol carry (BEP 3/15/23):
// a v1 hash (SHA-1 of the info dictionary) or, for v2 torrents, the first 20
// bytes of the v2 hash (BEP 52). InfoHashV2 is the full 32-byte SHA-256.
#pragma once

#include <optional>

#include "common/fixed_bytes.hpp"

namespace aciswarm {

struct InfoHash : FixedBytes<20, InfoHash> {
    static constexpr const char* type_name = "info hash";
    using FixedBytes::FixedBytes;
};

struct PeerId : FixedBytes<20, PeerId> {
    static constexpr const char* type_name = "peer id";
    using FixedBytes::FixedBytes;
};

struct InfoHashV2 : FixedBytes<32, InfoHashV2> {
    static constexpr const char* type_name = "v2 info hash";
    using FixedBytes::FixedBytes;

    // The 20-byte form a v2 swarm is announced under (BEP 52: truncated SHA-256).
    InfoHash truncated() const;
};

// A torrent's identities: hybrid torrents have both.
struct InfoHashes {
    std::optional<InfoHash> v1;
    std::optional<InfoHashV2> v2;

    bool has_v1() const { return v1.has_value(); }
    bool has_v2() const { return v2.has_value(); }
    // The hash to announce: v1 when present, else the truncated v2.
    InfoHash best() const;
};

}  // namespace aciswarm

ACISWARM_FIXED_BYTES_HASH(aciswarm::InfoHash);
ACISWARM_FIXED_BYTES_HASH(aciswarm::PeerId);
ACISWARM_FIXED_BYTES_HASH(aciswarm::InfoHashV2);
