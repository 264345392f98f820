#include "torrent/lt_convert.hpp"

#include <algorithm>

namespace aciswarm::torrent::detail {

InfoHashes from_lt(const lt::info_hash_t& hashes) {
    InfoHashes out;
    if (hashes.has_v1()) {
        InfoHash v1;
        std::copy(hashes.v1.begin(), hashes.v1.end(), v1.data());
        out.v1 = v1;
    }
    if (hashes.has_v2()) {
        InfoHashV2 v2;
        std::copy(hashes.v2.begin(), hashes.v2.end(), v2.data());
        out.v2 = v2;
    }
    return out;
}

lt::info_hash_t to_lt(const InfoHashes& hashes) {
    lt::info_hash_t out;
    if (hashes.v1) {
        std::copy(hashes.v1->data(), hashes.v1->data() + InfoHash::size_bytes, out.v1.begin());
    }
    if (hashes.v2) {
        std::copy(hashes.v2->data(), hashes.v2->data() + InfoHashV2::size_bytes, out.v2.begin());
    }
    return out;
}

PeerEndpoint from_lt(const lt::tcp::endpoint& endpoint) {
    const auto addr = endpoint.address();
    if (addr.is_v4()) {
        return PeerEndpoint::v4(addr.to_v4().to_bytes(), endpoint.port());
    }
    return PeerEndpoint::v6(addr.to_v6().to_bytes(), endpoint.port());
}

lt::tcp::endpoint to_lt(const PeerEndpoint& endpoint) {
    if (endpoint.is_v4()) {
        std::array<std::uint8_t, 4> b{};
        std::copy_n(endpoint.address_bytes().begin(), 4, b.begin());
        return {lt::address_v4(b), endpoint.port()};
    }
    return {lt::address_v6(endpoint.address_bytes()), endpoint.port()};
}

ContentFiles content_files(const lt::file_storage& files) {
    ContentFiles out;
    for (const lt::file_index_t f : files.file_range()) {
        if (files.pad_file_at(f)) continue;
        ++out.count;
        out.bytes += files.file_size(f);
    }
    return out;
}

}  // namespace aciswarm::torrent::detail
