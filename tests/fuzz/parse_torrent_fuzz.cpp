// Fuzzes parse_torrent and parse_magnet: no crash, no exception escapes, and a
// torrent that parses yields a magnet link that parses to the same info hashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "torrent/torrent_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (text.starts_with("magnet:")) {
        (void)aciswarm::torrent::parse_magnet(text);
        return 0;
    }
    auto meta = aciswarm::torrent::parse_torrent(text);
    if (!meta) return 0;
    auto magnet = aciswarm::torrent::make_magnet(text);
    if (!magnet) std::abort();
    auto link = aciswarm::torrent::parse_magnet(*magnet);
    if (!link || link->info_hashes.v1 != meta->info_hashes.v1 ||
        link->info_hashes.v2 != meta->info_hashes.v2) {
        std::abort();
    }
    return 0;
}
