// Livesync authentication: the shared key (--sync-key=FILE), the truncated
// HMAC-SHA256 tag, and the Sealer that stamps outgoing packets with this
// instance's id, sequence number and time.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "tracker/livesync/wire.hpp"

namespace aciswarm::livesync {

// A shared secret. Never logged. Immutable after construction; any thread.
class SyncKey {
  public:
    static constexpr std::size_t min_size = 16;

    // At least min_size bytes.
    static Result<SyncKey> from_bytes(std::span<const std::uint8_t> bytes);
    // The file's bytes with trailing whitespace (a final newline) removed.
    static Result<SyncKey> load(const std::filesystem::path& file);

    // HMAC-SHA256(key, bytes), first tag_size bytes.
    std::array<std::uint8_t, tag_size> tag(std::span<const std::uint8_t> bytes) const;
    // Constant-time comparison of a packet's tag against its signed bytes.
    bool verify(std::span<const std::uint8_t> signed_bytes,
                const std::array<std::uint8_t, tag_size>& tag) const;

  private:
    std::vector<std::uint8_t> key_;
};

// A warning when the key file can be read or written by group or others (mode & 077);
// empty when it cannot, or cannot be stat'ed (load() reports that).
std::string key_file_exposure(const std::filesystem::path& file);

// A fresh random instance id from the OS (getrandom), never 0.
Result<InstanceId> random_instance_id();

// Stamps and seals this instance's outgoing packets. Thread: the livesync
// thread (sequence numbers must be handed out in send order).
class Sealer {
  public:
    Sealer(InstanceId instance, std::optional<SyncKey> key, const Clock& clock);

    InstanceId instance() const { return instance_; }
    bool tagged() const { return key_.has_value(); }
    std::uint64_t last_sequence() const { return sequence_; }

    // Header + body (+ tag): the datagram to send.
    std::vector<std::uint8_t> seal(PacketBuilder&& builder);

  private:
    InstanceId instance_;
    std::optional<SyncKey> key_;
    const Clock& clock_;
    std::uint64_t sequence_ = 0;
};

std::uint64_t wall_ms(const Clock& clock);

}  // namespace aciswarm::livesync
