#include "tracker/livesync/wire.hpp"

#include <algorithm>
#include <string>

namespace aciswarm::livesync {
namespace {

std::uint64_t read_be(std::span<const std::uint8_t> bytes, std::size_t offset, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = (v << 8) | bytes[offset + i];
    return v;
}

void write_be(std::uint8_t* out, std::uint64_t value, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        out[n - 1 - i] = static_cast<std::uint8_t>(value & 0xff);
        value >>= 8;
    }
}

void append_be(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t n) {
    const std::size_t at = out.size();
    out.resize(at + n);
    write_be(out.data() + at, value, n);
}

Error malformed(std::string message) {
    return make_error(Errc::protocol, "livesync packet: " + std::move(message));
}

InfoHash read_hash(std::span<const std::uint8_t> rec) {
    InfoHash h;
    std::copy_n(rec.begin(), InfoHash::size_bytes, h.data());
    return h;
}

// The peer flags byte; in PEER4/PEER6 the byte after it is reserved (`reserved_next`).
Result<std::uint8_t> read_peer_flags(std::span<const std::uint8_t> rec, std::size_t at,
                                     std::size_t index, bool reserved_next) {
    const std::uint8_t flags = rec[at];
    if ((flags & ~peer_flags::known) != 0) {
        return malformed("record " + std::to_string(index) + ": unknown peer flags 0x" +
                         to_hex(std::span(&rec[at], 1)));
    }
    if (reserved_next && rec[at + 1] != 0) {
        return malformed("record " + std::to_string(index) + ": reserved byte not zero");
    }
    return flags;
}

// The zone part of a PEER4Z/PEER6Z record, `at` bytes into it (the zone flags byte).
Result<tracker::zones::MemberInfo> read_zone(std::span<const std::uint8_t> rec, std::size_t at,
                                             std::size_t index) {
    const std::string where = "record " + std::to_string(index) + ": ";
    const std::uint8_t zflags = rec[at];
    if ((zflags & ~zone_flags::known) != 0) return malformed(where + "unknown zone flags");
    tracker::zones::MemberInfo info;
    info.aware = (zflags & zone_flags::aware) != 0;
    info.candidate = (zflags & zone_flags::candidate) != 0;
    info.capacity.up = read_be(rec, at + 1, 8);
    info.capacity.down = read_be(rec, at + 9, 8);
    const std::size_t length = rec[at + 17];
    const auto name = rec.subspan(at + 18, tracker::zones::kMaxZoneName);
    if (length > name.size()) return malformed(where + "zone name longer than 32 bytes");
    const auto nonzero = [](std::uint8_t b) { return b != 0; };
    if (std::any_of(name.begin() + static_cast<std::ptrdiff_t>(length), name.end(), nonzero) ||
        std::any_of(rec.end() - 3, rec.end(), nonzero)) {
        return malformed(where + "zone padding or reserved bytes not zero");
    }
    if (length != 0) {
        auto zone = tracker::zones::ZoneName::parse(
            std::string_view(reinterpret_cast<const char*>(name.data()), length), "zone name");
        if (!zone) return malformed(where + zone.error().message);
        info.zone = *zone;
    }
    return info;
}

std::size_t peer_record_size(PacketType type) {
    switch (type) {
        case PacketType::peer6:
            return peer6_record_size;
        case PacketType::peer4z:
            return peer4z_record_size;
        case PacketType::peer6z:
            return peer6z_record_size;
        default:
            return peer4_record_size;
    }
}

Result<std::vector<PeerRecord>> parse_peers(std::span<const std::uint8_t> body, PacketType type) {
    const std::size_t rec_size = peer_record_size(type);
    const bool v6 = type == PacketType::peer6 || type == PacketType::peer6z;
    const bool zoned = type == PacketType::peer4z || type == PacketType::peer6z;
    if (body.empty() || body.size() % rec_size != 0) {
        return malformed(std::string(packet_type_name(type)) + " body of " +
                         std::to_string(body.size()) + " bytes, want a multiple of " +
                         std::to_string(rec_size));
    }
    std::vector<PeerRecord> out;
    out.reserve(body.size() / rec_size);
    for (std::size_t i = 0; i * rec_size < body.size(); ++i) {
        auto rec = body.subspan(i * rec_size, rec_size);
        PeerRecord r;
        r.info_hash = read_hash(rec);
        const std::size_t addr_len = v6 ? 16 : 4;
        const auto port = static_cast<std::uint16_t>(read_be(rec, 20 + addr_len, 2));
        if (v6) {
            std::array<std::uint8_t, 16> a{};
            std::copy_n(rec.begin() + 20, 16, a.begin());
            r.peer = PeerEndpoint::v6(a, port);
        } else {
            r.peer = PeerEndpoint::v4({rec[20], rec[21], rec[22], rec[23]}, port);
        }
        auto flags = read_peer_flags(rec, 20 + addr_len + 2, i, !zoned);
        if (!flags) return std::move(flags).error();
        r.flags = *flags;
        if (zoned) {
            auto zone = read_zone(rec, 20 + addr_len + 3, i);
            if (!zone) return std::move(zone).error();
            r.zone = *zone;
        }
        out.push_back(r);
    }
    return out;
}

Result<std::vector<TellRecord>> parse_tells(std::span<const std::uint8_t> body) {
    if (body.empty() || body.size() % tell_record_size != 0) {
        return malformed("TELL body of " + std::to_string(body.size()) +
                         " bytes, want a multiple of " + std::to_string(tell_record_size));
    }
    std::vector<TellRecord> out;
    out.reserve(body.size() / tell_record_size);
    for (std::size_t i = 0; i * tell_record_size < body.size(); ++i) {
        auto rec = body.subspan(i * tell_record_size, tell_record_size);
        TellRecord t;
        t.info_hash = read_hash(rec);
        t.base_offset_minutes = static_cast<std::uint32_t>(read_be(rec, 20, 4));
        t.downloaded = read_be(rec, 24, 8);
        out.push_back(t);
    }
    return out;
}

}  // namespace

std::string_view packet_type_name(PacketType type) {
    switch (type) {
        case PacketType::peer4:
            return "PEER4";
        case PacketType::peer6:
            return "PEER6";
        case PacketType::beacon:
            return "BEACON";
        case PacketType::inquire:
            return "INQUIRE";
        case PacketType::tell:
            return "TELL";
        case PacketType::peer4z:
            return "PEER4Z";
        case PacketType::peer6z:
            return "PEER6Z";
    }
    return "unknown";
}

PacketType peer_packet_type(const PeerEndpoint& peer) {
    return peer.is_v6() ? PacketType::peer6 : PacketType::peer4;
}

PacketType peer_packet_type(const PeerRecord& record) {
    if (!record.zone) return peer_packet_type(record.peer);
    return record.peer.is_v6() ? PacketType::peer6z : PacketType::peer4z;
}

bool is_peer_packet(PacketType type) {
    return type == PacketType::peer4 || type == PacketType::peer6 || type == PacketType::peer4z ||
           type == PacketType::peer6z;
}

Result<Packet> parse_packet(std::span<const std::uint8_t> datagram, std::size_t max_datagram) {
    if (datagram.size() > max_datagram) {
        return malformed(std::to_string(datagram.size()) + " bytes, larger than the maximum " +
                         std::to_string(max_datagram));
    }
    if (datagram.size() < header_size) {
        return malformed(std::to_string(datagram.size()) + " bytes, shorter than the " +
                         std::to_string(header_size) + "-byte header");
    }
    if (!std::equal(magic.begin(), magic.end(), datagram.begin())) {
        return malformed("bad magic");
    }
    if (datagram[4] != wire_version) {
        return malformed("version " + std::to_string(datagram[4]) + ", want " +
                         std::to_string(wire_version));
    }
    const std::uint8_t type = datagram[5];
    if (type < 1 || type > 7) return malformed("unknown packet type " + std::to_string(type));
    const std::uint8_t hflags = datagram[6];
    if ((hflags & ~header_flag_tagged) != 0 || datagram[7] != 0) {
        return malformed("reserved header bits not zero");
    }
    Packet p;
    p.header.type = static_cast<PacketType>(type);
    p.header.tagged = (hflags & header_flag_tagged) != 0;
    p.header.instance = read_be(datagram, 8, 8);
    p.header.sequence = read_be(datagram, 16, 8);
    p.header.timestamp_ms = read_be(datagram, 24, 8);

    std::size_t end = datagram.size();
    if (p.header.tagged) {
        if (end < header_size + tag_size) return malformed("tag flag set but no room for a tag");
        end -= tag_size;
        std::copy_n(datagram.begin() + static_cast<std::ptrdiff_t>(end), tag_size, p.tag.begin());
    }
    p.signed_size = end;
    const auto body = datagram.subspan(header_size, end - header_size);
    switch (p.header.type) {
        case PacketType::peer4:
        case PacketType::peer6:
        case PacketType::peer4z:
        case PacketType::peer6z: {
            auto peers = parse_peers(body, p.header.type);
            if (!peers) return std::move(peers).error();
            p.body = std::move(*peers);
            break;
        }
        case PacketType::beacon:
            if (body.size() != beacon_body_size) {
                return malformed("BEACON body of " + std::to_string(body.size()) +
                                 " bytes, want 8");
            }
            p.body = Beacon{read_be(body, 0, 8)};
            break;
        case PacketType::inquire:
            if (body.size() != inquire_body_size) {
                return malformed("INQUIRE body of " + std::to_string(body.size()) +
                                 " bytes, want 8");
            }
            p.body = Inquire{read_be(body, 0, 8)};
            break;
        case PacketType::tell: {
            auto tells = parse_tells(body);
            if (!tells) return std::move(tells).error();
            p.body = std::move(*tells);
            break;
        }
    }
    return p;
}

PacketBuilder::PacketBuilder(PacketType type, std::size_t max_datagram, bool tagged)
    : type_(type),
      max_datagram_(std::clamp(max_datagram, min_max_datagram, max_max_datagram)),
      tagged_(tagged) {
    buffer_.reserve(max_datagram_);
    buffer_.resize(header_size);
}

std::size_t PacketBuilder::record_size() const {
    switch (type_) {
        case PacketType::peer4:
            return peer4_record_size;
        case PacketType::peer6:
            return peer6_record_size;
        case PacketType::beacon:
            return beacon_body_size;
        case PacketType::inquire:
            return inquire_body_size;
        case PacketType::tell:
            return tell_record_size;
        case PacketType::peer4z:
            return peer4z_record_size;
        case PacketType::peer6z:
            return peer6z_record_size;
    }
    return max_max_datagram;
}

bool PacketBuilder::has_room() const {
    if ((type_ == PacketType::beacon || type_ == PacketType::inquire) && records_ > 0) return false;
    return buffer_.size() + record_size() + (tagged_ ? tag_size : 0) <= max_datagram_;
}

bool PacketBuilder::add_peer(const PeerRecord& record) {
    if (peer_packet_type(record) != type_ || !has_room()) return false;
    buffer_.insert(buffer_.end(), record.info_hash.bytes().begin(), record.info_hash.bytes().end());
    const auto addr = record.peer.address();
    buffer_.insert(buffer_.end(), addr.begin(), addr.end());
    append_be(buffer_, record.peer.port(), 2);
    buffer_.push_back(record.flags & peer_flags::known);
    if (!record.zone) {
        buffer_.push_back(0);
        ++records_;
        return true;
    }
    const tracker::zones::MemberInfo& z = *record.zone;
    buffer_.push_back(static_cast<std::uint8_t>((z.aware ? zone_flags::aware : 0) |
                                                (z.candidate ? zone_flags::candidate : 0)));
    append_be(buffer_, z.capacity.up, 8);
    append_be(buffer_, z.capacity.down, 8);
    const std::string_view name = z.zone.view();
    buffer_.push_back(static_cast<std::uint8_t>(name.size()));
    buffer_.insert(buffer_.end(), name.begin(), name.end());
    buffer_.resize(buffer_.size() + tracker::zones::kMaxZoneName - name.size() + 3, 0);
    ++records_;
    return true;
}

bool PacketBuilder::add_tell(const TellRecord& record) {
    if (type_ != PacketType::tell || !has_room()) return false;
    buffer_.insert(buffer_.end(), record.info_hash.bytes().begin(), record.info_hash.bytes().end());
    append_be(buffer_, record.base_offset_minutes, 4);
    append_be(buffer_, record.downloaded, 8);
    ++records_;
    return true;
}

bool PacketBuilder::set_beacon(const Beacon& beacon) {
    if (type_ != PacketType::beacon || !has_room()) return false;
    append_be(buffer_, beacon.torrent_count, 8);
    ++records_;
    return true;
}

bool PacketBuilder::set_inquire(const Inquire& inquire) {
    if (type_ != PacketType::inquire || !has_room()) return false;
    append_be(buffer_, inquire.target, 8);
    ++records_;
    return true;
}

std::vector<std::uint8_t> PacketBuilder::finish(InstanceId instance, std::uint64_t sequence,
                                                std::uint64_t timestamp_ms) && {
    std::uint8_t* h = buffer_.data();
    std::copy(magic.begin(), magic.end(), h);
    h[4] = wire_version;
    h[5] = static_cast<std::uint8_t>(type_);
    h[6] = tagged_ ? header_flag_tagged : 0;
    h[7] = 0;
    write_be(h + 8, instance, 8);
    write_be(h + 16, sequence, 8);
    write_be(h + 24, timestamp_ms, 8);
    return std::move(buffer_);
}

}  // namespace aciswarm::livesync
