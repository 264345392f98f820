// Fuzzes the registry authentication parsers: WWW-Authenticate challenges,
// token service answers and Docker config.json. Any bytes parse or fail with
// a one-line error; a config.json error never quotes an auth field's value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "oci/registry_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace aciswarm::oci;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto c = parse_challenge(text); c) {
        for (const auto& [name, value] : c->params) {
            if (name.empty()) std::abort();
        }
    } else if (c.error().message.find('\n') != std::string::npos) {
        std::abort();
    }
    if (auto t = parse_token_response(text, "fuzz"); t) {
        if (t->token.empty() || t->expires_in < min_token_lifetime) std::abort();
    }
    if (auto config = parse_docker_config(text, "fuzz.json"); !config) {
        if (!config.error().message.starts_with("fuzz.json: ")) std::abort();
    }
    return 0;
}
