// Fuzzes the mirror's route parser (agent/mirror/route.hpp) with a request
// target: no crash, errors are one line, and whatever parses satisfies the
// grammar it promises (a valid repository and registry, a digest of 64
// lowercase hex digits, a tag) and parses again to the same route.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/mirror/route.hpp"

using namespace aciswarm::agent::mirror;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view target(reinterpret_cast<const char*>(data), size);
    auto route = parse_mirror_target(target);
    if (!route) {
        if (route.error().message.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    if (route->kind == MirrorRoute::Kind::api_version) return 0;
    if (!valid_repository(route->repository) || !valid_registry(route->registry)) std::abort();
    if (route->repository.find("..") != std::string::npos) std::abort();
    if (route->digest) {
        if (route->digest->to_string() != route->reference) std::abort();
    } else if (route->kind == MirrorRoute::Kind::blob || !valid_tag(route->reference)) {
        std::abort();
    }
    const std::string_view kind =
        route->kind == MirrorRoute::Kind::blob ? "/blobs/" : "/manifests/";
    auto again = parse_mirror_route(
        "/v2/" + route->repository + std::string(kind) + route->reference, route->registry);
    if (!again || !(*again == *route)) std::abort();
    return 0;
}
