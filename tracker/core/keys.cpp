#include "tracker/core/keys.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/url.hpp"

namespace aciswarm::tracker {
namespace {

bool key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

}  // namespace

Result<std::vector<std::string>> parse_keys_file(std::string_view text, std::string_view source) {
    std::vector<std::string> keys;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
            line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        const std::string where = std::string(source) + ":" + std::to_string(line_no);
        if (line.size() < kMinKeyLength || line.size() > kMaxKeyLength) {
            return make_error(Errc::invalid_argument,
                              where + ": a key is " + std::to_string(kMinKeyLength) + " to " +
                                  std::to_string(kMaxKeyLength) + " characters, this one " +
                                  std::to_string(line.size()));
        }
        if (!std::all_of(line.begin(), line.end(), key_char)) {
            return make_error(Errc::invalid_argument,
                              where + ": a key holds only A-Z a-z 0-9 - . _ ~");
        }
        keys.emplace_back(line);
    }
    return keys;
}

std::optional<std::string_view> passkey_param(std::string_view query) {
    std::optional<std::string_view> found;
    const Status walked = for_each_query_param(query, [&](std::string_view k, std::string_view v) {
        if (k == "passkey" && !found) found = v;
        return Status{};
    });
    if (!walked) return std::nullopt;
    return found;
}

std::optional<std::string> bep41_url_data(std::span<const std::uint8_t> options) {
    std::string out;
    std::size_t at = 0;
    while (at < options.size()) {
        const std::uint8_t type = options[at++];
        if (type == 0) break;     // EndOfOptions
        if (type == 1) continue;  // NOP
        if (at >= options.size()) return std::nullopt;
        const std::size_t length = options[at++];
        if (at + length > options.size()) return std::nullopt;
        if (type == 2) out.append(reinterpret_cast<const char*>(options.data() + at), length);
        at += length;  // an unknown option is skipped by its length
    }
    return out;
}

void KeyRing::replace(const std::vector<std::string>& keys) {
    std::unordered_set<std::string> next(keys.begin(), keys.end());
    std::unique_lock lock(mu_);
    keys_.swap(next);
    enabled_ = true;
}

bool KeyRing::enabled() const {
    std::shared_lock lock(mu_);
    return enabled_;
}

std::size_t KeyRing::size() const {
    std::shared_lock lock(mu_);
    return keys_.size();
}

bool KeyRing::admits(std::string_view key) const {
    std::shared_lock lock(mu_);
    return !enabled_ || keys_.count(std::string(key)) != 0;
}

bool KeyRing::admits_query(std::string_view query) const {
    if (!enabled()) return true;
    const auto key = passkey_param(query);
    return key && admits(*key);
}

bool KeyRing::admits_udp_options(std::span<const std::uint8_t> options) const {
    if (!enabled()) return true;
    const auto url_data = bep41_url_data(options);
    if (!url_data) return false;
    const std::size_t q = url_data->find('?');
    if (q == std::string::npos) return false;
    const auto key = passkey_param(std::string_view(*url_data).substr(q + 1));
    return key && admits(*key);
}

}  // namespace aciswarm::tracker
