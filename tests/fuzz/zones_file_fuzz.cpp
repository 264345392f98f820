// Fuzzes the zones file parser (tracker/zones/zone_map.hpp): no crash; whatever
// parses prints back to rows that parse to the same rows; a map built from them
// resolves an address to a zone that has a row containing it, or to none.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tracker/zones/zone_map.hpp"

using namespace aciswarm;
using namespace aciswarm::tracker::zones;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto rows = parse_zones_file(text, "fuzz");
    if (!rows) return 0;
    std::string printed;
    for (const ZoneRow& row : *rows)
        printed += row.zone.str() + "=" + row.cidr.to_string() + "\n";
    auto again = parse_zones_file(printed, "printed");
    if (!again || *again != *rows) std::abort();
    auto map = ZoneMap::from_rows(*rows);
    if (!map) return 0;
    const auto probe = PeerEndpoint::v4({10, 1, 2, 3}, 1);
    const Resolution r = map->resolve(probe, {});
    if (!r.zone.empty()) {
        bool found = false;
        for (const ZoneRow& row : map->rows())
            found = found || (row.zone == r.zone && row.cidr.contains(probe));
        if (!found) std::abort();
    }
    return 0;
}
