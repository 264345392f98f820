#include "common/image_id.hpp"

#include <algorithm>
#include <cctype>

namespace aciswarm {

Result<ImageId> ImageId::parse(std::string_view text) {
    if (!text.starts_with(prefix)) {
        return make_error(Errc::invalid_argument,
                          "image id '" + std::string(text) + "': must start with sha512-");
    }
    auto id = from_hex(text.substr(prefix.size()));
    if (!id) {
        return make_error(Errc::invalid_argument,
                          "image id '" + std::string(text) + "': " + id.error().message);
    }
    return id;
}

std::string ImageId::full() const {
    return std::string(prefix) + hex();
}
std::string ImageId::key() const {
    return std::string(prefix) + hex().substr(0, key_hex_digits);
}
std::string ImageId::display() const {
    return std::string(prefix) + hex().substr(0, display_hex_digits);
}

Result<std::string> normalize_image_id_prefix(std::string_view text) {
    std::string_view digits = text;
    if (digits.starts_with(ImageId::prefix)) digits.remove_prefix(ImageId::prefix.size());
    if (digits.empty()) {
        return make_error(Errc::invalid_argument,
                          "image id prefix '" + std::string(text) + "': no hex digits");
    }
    if (digits.size() > ImageId::size_bytes * 2) {
        return make_error(Errc::invalid_argument, "image id prefix '" + std::string(text) +
                                                      "': longer than 128 hex digits");
    }
    std::string out;
    out.reserve(digits.size());
    for (char c : digits) {
        if (hex_digit_value(c) < 0) {
            return make_error(Errc::invalid_argument, "image id prefix '" + std::string(text) +
                                                          "': '" + std::string(1, c) +
                                                          "' is not a hex digit");
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

Result<ImageId> resolve_image_id_prefix(std::string_view prefix,
                                        std::span<const ImageId> candidates) {
    auto digits = normalize_image_id_prefix(prefix);
    if (!digits) return std::move(digits).error();
    std::vector<ImageId> matches;
    for (const ImageId& id : candidates) {
        if (id.hex().starts_with(*digits) &&
            std::find(matches.begin(), matches.end(), id) == matches.end()) {
            matches.push_back(id);
        }
    }
    if (matches.empty()) {
        return make_error(Errc::not_found, "no image matches '" + std::string(prefix) + "'");
    }
    if (matches.size() > 1) {
        std::string message = "image id prefix '" + std::string(prefix) +
                              "' is ambiguous: " + std::to_string(matches.size()) +
                              " images match:";
        // The display form can't tell apart ids that share its 32 digits.
        const bool long_prefix = digits->size() >= ImageId::display_hex_digits;
        for (const ImageId& id : matches)
            message += " " + (long_prefix ? id.full() : id.display());
        return make_error(Errc::ambiguous, std::move(message));
    }
    return matches.front();
}

}  // namespace aciswarm
