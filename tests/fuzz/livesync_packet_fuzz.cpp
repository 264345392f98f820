// Fuzzes the livesync packet parser: no crash, and whatever parses re-encodes
// to the same bytes (the format has exactly one encoding per packet). Also runs
// the receive filter (tag check, replay window) over the input.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "tracker/livesync/receiver.hpp"
#include "tracker/livesync/wire.hpp"

using namespace aciswarm;
using namespace aciswarm::livesync;

namespace {

std::vector<std::uint8_t> reencode(const Packet& p) {
    PacketBuilder b(p.header.type, max_max_datagram, p.header.tagged);
    bool ok = true;
    if (const auto* peers = std::get_if<std::vector<PeerRecord>>(&p.body)) {
        for (const auto& r : *peers)
            ok = ok && b.add_peer(r);
    } else if (const auto* tells = std::get_if<std::vector<TellRecord>>(&p.body)) {
        for (const auto& t : *tells)
            ok = ok && b.add_tell(t);
    } else if (const auto* beacon = std::get_if<Beacon>(&p.body)) {
        ok = b.set_beacon(*beacon);
    } else if (const auto* inquire = std::get_if<Inquire>(&p.body)) {
        ok = b.set_inquire(*inquire);
    }
    if (!ok) std::abort();
    auto bytes = std::move(b).finish(p.header.instance, p.header.sequence, p.header.timestamp_ms);
    if (p.header.tagged) bytes.insert(bytes.end(), p.tag.begin(), p.tag.end());
    return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    auto packet = parse_packet(bytes);
    if (packet) {
        const auto again = reencode(*packet);
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
        if (packet->signed_size > size) std::abort();
    }
    static const ManualClock clock;
    Counters counters;
    const std::vector<std::uint8_t> key_bytes(32, 0x42);
    ReceiveFilter filter({.self = 7, .key = *SyncKey::from_bytes(key_bytes)}, clock, counters);
    const auto r = filter.check(bytes, PeerEndpoint::v4({127, 0, 0, 1}, 9696), 1400);
    // Without the key nothing can be accepted (a 2^-128 chance aside).
    if (r.verdict == Verdict::accepted) std::abort();
    return 0;
}
