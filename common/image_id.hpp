// Image IDs as rkt spells them.
//
//   full     sha512-<128 hex>  SHA-512 of the uncompressed image tar
//   key      sha512-<64 hex>   rkt's store key (the first 32 bytes)
//   display  sha512-<32 hex>   what `rkt image list` and `aciswarm` print
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/fixed_bytes.hpp"

namespace aciswarm {

class ImageId : public FixedBytes<64, ImageId> {
  public:
    static constexpr const char* type_name = "image id";
    static constexpr std::string_view prefix = "sha512-";
    static constexpr std::size_t key_hex_digits = 64;
    static constexpr std::size_t display_hex_digits = 32;

    using FixedBytes::FixedBytes;

    // Parses "sha512-" + 128 hex digits (lower or upper case).
    static Result<ImageId> parse(std::string_view text);

    std::string full() const;     // sha512- + 128 hex
    std::string key() const;      // sha512- + 64 hex
    std::string display() const;  // sha512- + 32 hex
};

// Normalises what a user typed to find an image: optional "sha512-", then
// 1..128 hex digits; returns the lower-case hex digits. Fails with a message
// naming the input otherwise.
Result<std::string> normalize_image_id_prefix(std::string_view text);

// Finds the one candidate whose hex starts with the prefix. No match is
// Errc::not_found; several are Errc::ambiguous with every match listed in the
// message (display form), so the user can type more digits.
Result<ImageId> resolve_image_id_prefix(std::string_view prefix,
                                        std::span<const ImageId> candidates);

}  // namespace aciswarm

ACISWARM_FIXED_BYTES_HASH(aciswarm::ImageId);
