#include "common/url.hpp"

#include "common/hex.hpp"

namespace aciswarm {
namespace {

bool is_unreserved(std::uint8_t c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// Walks text, calling emit(byte) for each decoded byte.
template <class Emit>
Status decode_each(std::string_view text, PlusIs plus, Emit&& emit) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return make_error(
                    Errc::invalid_argument,
                    "percent-encoding: truncated escape at offset " + std::to_string(i));
            }
            const int hi = hex_digit_value(text[i + 1]);
            const int lo = hex_digit_value(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return make_error(Errc::invalid_argument,
                                  "percent-encoding: bad escape at offset " + std::to_string(i));
            }
            if (!emit(static_cast<std::uint8_t>(hi << 4 | lo))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
            i += 2;
        } else if (c == '+' && plus == PlusIs::space) {
            if (!emit(static_cast<std::uint8_t>(' '))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
        } else {
            if (!emit(static_cast<std::uint8_t>(c))) {
                return make_error(Errc::too_large, "percent-encoding: output buffer too small");
            }
        }
    }
    return {};
}

}  // namespace

std::string percent_encode(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::uint8_t c : bytes) {
        if (is_unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        }
    }
    return out;
}

std::string percent_encode(std::string_view text) {
    return percent_encode(
        std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Result<std::string> percent_decode(std::string_view text, PlusIs plus) {
    std::string out;
    out.reserve(text.size());
    auto ok = decode_each(text, plus, [&](std::uint8_t b) {
        out.push_back(static_cast<char>(b));
        return true;
    });
    if (!ok) return std::move(ok).error();
    return out;
}

Result<std::size_t> percent_decode_into(std::string_view text, std::span<std::uint8_t> out,
                                        PlusIs plus) {
    std::size_t n = 0;
    auto ok = decode_each(text, plus, [&](std::uint8_t b) {
        if (n == out.size()) return false;
        out[n++] = b;
        return true;
    });
    if (!ok) return std::move(ok).error();
    return n;
}

Result<std::vector<QueryParam>> parse_query(std::string_view query) {
    std::vector<QueryParam> params;
    auto ok = for_each_query_param(
        query, [&](std::string_view raw_key, std::string_view raw_value) -> Status {
            auto key = percent_decode(raw_key, PlusIs::space);
            if (!key) return with_context("query key", std::move(key).error());
            auto value = percent_decode(raw_value, PlusIs::space);
            if (!value)
                return with_context("query value of '" + *key + "'", std::move(value).error());
            params.push_back({std::move(*key), std::move(*value)});
            return {};
        });
    if (!ok) return std::move(ok).error();
    return params;
}

std::string url_without_userinfo(std::string_view url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string(url);
    const std::size_t authority = scheme_end + 3;
    const std::size_t authority_end = url.find_first_of("/?#", authority);
    const std::size_t at = url.substr(authority, authority_end - authority).rfind('@');
    if (at == std::string_view::npos) return std::string(url);
    return std::string(url.substr(0, authority)) + std::string(url.substr(authority + at + 1));
}

namespace {

bool query_has(std::string_view query, std::string_view name) {
    bool found = false;
    const Status walked = for_each_query_param(query, [&](std::string_view key, std::string_view) {
        found = found || key == name;
        return Status{};
    });
    return walked && found;
}

}  // namespace

std::string with_query_params(std::string_view url, std::span<const QueryParam> params) {
    const std::size_t fragment = url.find('#');
    const std::string_view base = url.substr(0, fragment);
    const std::size_t query_start = base.find('?');
    const std::string_view query =
        query_start == std::string_view::npos ? std::string_view() : base.substr(query_start + 1);
    std::string out(base);
    for (const QueryParam& p : params) {
        if (query_has(query, p.key)) continue;
        if (out.find('?') == std::string::npos) {
            out += '?';
        } else if (!out.ends_with('?') && !out.ends_with('&')) {
            out += '&';
        }
        out += p.key;
        out += '=';
        out += p.value;
    }
    if (fragment != std::string_view::npos) out += url.substr(fragment);
    return out;
}

std::string with_passkey(std::string_view url, std::string_view key) {
    const QueryParam passkey{std::string(passkey_param_name), std::string(key)};
    return with_query_params(url, std::span(&passkey, 1));
}

std::string without_passkey(std::string_view url) {
    return without_query_param(url, passkey_param_name);
}

std::string without_query_param(std::string_view url, std::string_view key) {
    const std::size_t fragment = url.find('#');
    const std::string_view base = url.substr(0, fragment);
    const std::size_t query_start = base.find('?');
    if (query_start == std::string_view::npos) return std::string(url);
    std::string out(base.substr(0, query_start));
    char separator = '?';
    std::string_view query = base.substr(query_start + 1);
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view segment = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (segment.empty() || segment.substr(0, segment.find('=')) == key) continue;
        out += separator;
        out += segment;
        separator = '&';
    }
    if (fragment != std::string_view::npos) out += url.substr(fragment);
    return out;
}

namespace {

std::string redact_passkeys(std::string_view text) {
    const std::string param = std::string(passkey_param_name) + "=";
    std::string out;
    for (;;) {
        const std::size_t at = text.find(param);
        if (at == std::string_view::npos) break;
        out += text.substr(0, at + param.size());
        out += "REDACTED";
        text = text.substr(at + param.size());
        const std::size_t end = text.find_first_of("& \t\r\n\"'#)");
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
    }
    out += text;
    return out;
}

}  // namespace

std::string redact_url_secrets(std::string_view text) {
    std::string out;
    for (;;) {
        const std::size_t scheme = text.find("://");
        if (scheme == std::string_view::npos) break;
        const std::size_t authority = scheme + 3;
        const std::size_t end = text.find_first_of("/?# \t\r\n\"')", authority);
        const std::size_t at =
            text.substr(authority, end == std::string_view::npos ? end : end - authority)
                .rfind('@');
        out += text.substr(0, authority);
        text = text.substr(at == std::string_view::npos ? authority : authority + at + 1);
    }
    out += text;
    return redact_passkeys(out);
}

}  // namespace aciswarm
