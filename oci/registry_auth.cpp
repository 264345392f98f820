#include "oci/registry_auth.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace aciswarm::oci {
namespace {

using nlohmann::json;

constexpr std::string_view token_chars =
    "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

Error bad_challenge(const std::string& why) {
    return make_error(Errc::protocol, "WWW-Authenticate: " + why);
}

std::string_view skip_blanks(std::string_view s) {
    const std::size_t i = s.find_first_not_of(" \t");
    return i == std::string_view::npos ? std::string_view{} : s.substr(i);
}

std::size_t token_length(std::string_view s) {
    const std::size_t i = s.find_first_not_of(token_chars);
    return i == std::string_view::npos ? s.size() : i;
}

// A quoted-string at the front of `s` (which starts with '"'): its value, and
// `s` moved past it.
Result<std::string> take_quoted(std::string_view& s) {
    std::string value;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"') {
            s.remove_prefix(i + 1);
            return value;
        }
        if (c == '\\') {
            if (++i == s.size()) break;
            value += s[i];
        } else {
            value += c;
        }
    }
    return bad_challenge("a quoted value is not closed");
}

// base64 (standard alphabet, padded) through OpenSSL.
Result<std::string> base64_decode(std::string_view text, std::string_view source) {
    if (text.size() % 4 != 0 || text.empty()) {
        return make_error(Errc::invalid_argument,
                          std::string(source) + ": an auth field is not base64");
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) {
        return make_error(Errc::invalid_argument,
                          std::string(source) + ": an auth field is not base64");
    }
    std::size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=')
        ++padding;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

Result<RegistryAuth> read_auth_entry(const json& entry, const std::string& where,
                                     std::string_view source) {
    const auto bad = [&](const std::string& why) {
        return make_error(Errc::invalid_argument, std::string(source) + ": " + where + ": " + why);
    };
    if (!entry.is_object()) return bad("not an object");
    RegistryAuth auth;
    auth.source = std::string(source);
    if (const auto it = entry.find("identitytoken"); it != entry.end() && !it->empty()) {
        if (!it->is_string()) return bad("identitytoken is not a string");
        auth.identity_token = http::Secret(it->get<std::string>());
    }
    if (const auto it = entry.find("auth"); it != entry.end() && !it->empty()) {
        if (!it->is_string()) return bad("auth is not a string");
        auto decoded = base64_decode(it->get<std::string>(), source);
        if (!decoded) return bad("auth is not base64");
        const std::size_t colon = decoded->find(':');
        if (colon == std::string::npos) return bad("auth does not decode to user:password");
        auth.user = decoded->substr(0, colon);
        auth.password = http::Secret(decoded->substr(colon + 1));
    }
    if (auth.user.empty() && auth.identity_token.empty()) {
        return bad("neither auth nor identitytoken is set");
    }
    return auth;
}

}  // namespace

std::string Challenge::param(const std::string& name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

Result<Challenge> parse_challenge(std::string_view header) {
    std::string_view s = skip_blanks(header);
    const std::size_t scheme_length = token_length(s);
    if (scheme_length == 0) return bad_challenge("no authentication scheme");
    Challenge c;
    c.scheme = ascii_lower(s.substr(0, scheme_length));
    s = skip_blanks(s.substr(scheme_length));
    while (!s.empty()) {
        const std::size_t name_length = token_length(s);
        if (name_length == 0) return bad_challenge("expected a parameter name");
        std::string name = ascii_lower(s.substr(0, name_length));
        s = skip_blanks(s.substr(name_length));
        if (s.empty() || s.front() != '=') break;  // the next challenge's scheme: stop
        s = skip_blanks(s.substr(1));
        std::string value;
        if (!s.empty() && s.front() == '"') {
            auto quoted = take_quoted(s);
            if (!quoted) return std::move(quoted).error();
            value = std::move(*quoted);
        } else {
            const std::size_t value_length = token_length(s);
            if (value_length == 0) return bad_challenge("parameter " + name + " has no value");
            value = std::string(s.substr(0, value_length));
            s.remove_prefix(value_length);
        }
        c.params.emplace(std::move(name), std::move(value));
        s = skip_blanks(s);
        if (s.empty()) break;
        if (s.front() != ',') return bad_challenge("expected ',' between parameters");
        s = skip_blanks(s.substr(1));
    }
    return c;
}

Result<BearerToken> parse_token_response(std::string_view body, std::string_view source) {
    const std::string where = "token service " + escape_control(source, 300);
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return make_error(Errc::protocol, where + ": the answer is not a JSON object");
    }
    BearerToken out;
    for (const char* key : {"token", "access_token"}) {
        const auto it = doc.find(key);
        if (it != doc.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
            out.token = http::Secret(it->get<std::string>());
            break;
        }
    }
    if (out.token.empty()) return make_error(Errc::protocol, where + ": the answer has no token");
    if (const auto it = doc.find("expires_in"); it != doc.end()) {
        if (!it->is_number_integer()) {
            return make_error(Errc::protocol, where + ": expires_in is not an integer");
        }
        out.expires_in = std::max(min_token_lifetime, std::chrono::seconds(it->get<long long>()));
    }
    return out;
}

std::string normalize_registry_key(std::string_view key) {
    std::string_view k = key;
    if (const std::size_t scheme = k.find("://"); scheme != std::string_view::npos) {
        k.remove_prefix(scheme + 3);
    }
    k = k.substr(0, k.find('/'));
    std::string name = ascii_lower(k);
    if (name == "index.docker.io" || name == "registry-1.docker.io") name = "docker.io";
    return name;
}

Result<std::map<std::string, RegistryAuth>> parse_docker_config(std::string_view text,
                                                                std::string_view source) {
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return make_error(Errc::invalid_argument, std::string(source) + ": not a JSON object");
    }
    std::map<std::string, RegistryAuth> out;
    const auto auths = doc.find("auths");
    if (auths == doc.end()) return out;
    if (!auths->is_object()) {
        return make_error(Errc::invalid_argument, std::string(source) + ": auths is not an object");
    }
    for (const auto& [key, entry] : auths->items()) {
        const std::string name = normalize_registry_key(key);
        const std::string where = "auths[" + escape_control(key, 200) + "]";
        if (name.empty()) {
            return make_error(Errc::invalid_argument,
                              std::string(source) + ": " + where + ": no registry host");
        }
        auto auth = read_auth_entry(entry, where, source);
        if (!auth) return std::move(auth).error();
        out.insert_or_assign(name, std::move(*auth));
    }
    return out;
}

}  // namespace aciswarm::oci
