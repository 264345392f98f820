#include "tracker/zones/zone_map.hpp"

#include <algorithm>
#include <charconv>

#include "common/text.hpp"

namespace aciswarm::tracker::zones {
namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool is_address_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

Error bad_cidr(std::string_view text, std::string_view why) {
    return make_error(Errc::invalid_argument,
                      "CIDR '" + escape_control(text, 64) + "': " + std::string(why));
}

}  // namespace

Result<ZoneName> ZoneName::parse(std::string_view text, std::string_view what) {
    if (text.empty() || text.size() > kMaxZoneName) {
        return make_error(Errc::invalid_argument, std::string(what) + " '" +
                                                      escape_control(text, 64) + "': want 1 to " +
                                                      std::to_string(kMaxZoneName) + " characters");
    }
    if (!std::all_of(text.begin(), text.end(), is_name_char)) {
        return make_error(Errc::invalid_argument, std::string(what) + " '" +
                                                      escape_control(text, 64) +
                                                      "': only letters, digits, '.', '_', '-'");
    }
    ZoneName name;
    std::copy(text.begin(), text.end(), name.bytes_.begin());
    name.size_ = static_cast<std::uint8_t>(text.size());
    return name;
}

Result<Cidr> Cidr::parse(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return bad_cidr(text, "want ADDRESS/PREFIX");
    const std::string_view address = text.substr(0, slash);
    const std::string_view bits = text.substr(slash + 1);
    if (address.empty() || !std::all_of(address.begin(), address.end(), is_address_char)) {
        return bad_cidr(text, "bad address");
    }
    auto ep = PeerEndpoint::parse_address(address, 0);
    if (!ep) return bad_cidr(text, "bad address");
    Cidr c;
    c.v6 = ep->is_v6();
    c.network = ep->address_bytes();
    const unsigned max_bits = c.v6 ? 128 : 32;
    unsigned prefix = 0;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || bits.size() > 3 || ec != std::errc() || end != bits.data() + bits.size() ||
        prefix > max_bits) {
        return bad_cidr(text, "prefix is not 0.." + std::to_string(max_bits));
    }
    c.prefix = static_cast<std::uint8_t>(prefix);
    for (unsigned bit = prefix; bit < max_bits; ++bit) {
        if (c.network[bit / 8] & (0x80 >> (bit % 8))) {
            return bad_cidr(text, "host bits set (the network is written with them zero)");
        }
    }
    return c;
}

bool Cidr::contains(const PeerEndpoint& address) const {
    if (address.is_v6() != v6) return false;
    const auto& a = address.address_bytes();
    const unsigned whole = prefix / 8;
    if (!std::equal(network.begin(), network.begin() + whole, a.begin())) return false;
    const unsigned rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == network[whole];
}

std::string Cidr::to_string() const {
    const PeerEndpoint ep =
        v6 ? PeerEndpoint::v6(network, 0)
           : PeerEndpoint::v4({network[0], network[1], network[2], network[3]}, 0);
    return ep.address_string() + "/" + std::to_string(prefix);
}

Result<ZoneRow> parse_zone_row(std::string_view text) {
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
        return make_error(Errc::invalid_argument,
                          "zone row '" + escape_control(text, 64) + "': want NAME=CIDR");
    }
    auto name = ZoneName::parse(trim(text.substr(0, eq), " \t"), "zone name");
    if (!name) return std::move(name).error();
    auto cidr = Cidr::parse(trim(text.substr(eq + 1), " \t"));
    if (!cidr) return std::move(cidr).error();
    return ZoneRow{*name, *cidr};
}

Result<std::vector<ZoneRow>> parse_zones_file(std::string_view text, std::string_view file) {
    std::vector<ZoneRow> rows;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t eol = text.find('\n');
        const std::string_view line = trim(text.substr(0, eol), " \t\r");
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line.front() == '#') continue;
        auto row = parse_zone_row(line);
        if (!row) {
            return make_error(
                Errc::invalid_argument,
                std::string(file) + ":" + std::to_string(line_number) + ": " + row.error().message);
        }
        rows.push_back(*row);
    }
    return rows;
}

Result<ZoneMap> ZoneMap::from_rows(std::vector<ZoneRow> rows) {
    // Most specific first, so resolve() takes the first match; stable keeps the given
    // order among equal prefixes (which then must be different ranges, see below).
    std::stable_sort(rows.begin(), rows.end(), [](const ZoneRow& a, const ZoneRow& b) {
        return a.cidr.prefix > b.cidr.prefix;
    });
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = i + 1; j < rows.size() && rows[j].cidr.prefix == rows[i].cidr.prefix;
             ++j) {
            if (rows[j].cidr == rows[i].cidr && rows[j].zone != rows[i].zone) {
                return make_error(Errc::invalid_argument, "zones: " + rows[i].cidr.to_string() +
                                                              " is in zone '" + rows[i].zone.str() +
                                                              "' and in zone '" +
                                                              rows[j].zone.str() + "'");
            }
        }
    }
    ZoneMap map;
    map.rows_ = std::move(rows);
    return map;
}

Resolution ZoneMap::resolve(const PeerEndpoint& address, const ZoneName& claimed) const {
    Resolution r;
    if (rows_.empty()) {
        r.zone = claimed;
        return r;
    }
    for (const ZoneRow& row : rows_) {
        if (row.cidr.contains(address)) {
            r.zone = row.zone;
            break;
        }
    }
    r.claim_ignored = !claimed.empty() && claimed != r.zone;
    return r;
}

}  // namespace aciswarm::tracker::zones
