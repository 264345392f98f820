// BEP 15 connection ids that cannot be forged, only work from the address they
// were issued to, and expire: id = SipHash-2-4(key, address | port | slot), where
// slot = seconds / 60 and key is 16 random bytes per process. An id is accepted
// in its own slot and the next one, so it lives 60..120 s (about 2 minutes).
//
// SipHash is written out here (a dozen lines) rather than taken from OpenSSL's
// EVP_MAC, which allocates a context per call: this runs on every UDP packet.
//
// Thread-safety: immutable after construction; any thread may call it.
#pragma once

#include <array>
#include <cstdint>

#include "common/peer_endpoint.hpp"

namespace aciswarm::tracker::udp {

std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data,
                        std::size_t len);

class ConnectionIds {
  public:
    static constexpr std::uint32_t kSlotSeconds = 60;

    // A random key from the OS.
    ConnectionIds();
    explicit ConnectionIds(const std::array<std::uint8_t, 16>& key) : key_(key) {}

    // `now_seconds`: any monotonic seconds count (the store's clock).
    std::uint64_t issue(const PeerEndpoint& from, std::uint64_t now_seconds) const;
    bool valid(std::uint64_t id, const PeerEndpoint& from, std::uint64_t now_seconds) const;

  private:
    std::uint64_t make(const PeerEndpoint& from, std::uint64_t slot) const;
    std::array<std::uint8_t, 16> key_;
};

}  // namespace aciswarm::tracker::udp
