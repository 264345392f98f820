#include "convert/manifest_mapping.hpp"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "appc/aci_writer.hpp"
#include "common/text.hpp"

namespace aciswarm::convert {
namespace {

using nlohmann::json;

// Lowercases, replaces bytes outside `allowed` (besides a-z0-9) with
// `replacement`, keeps the first of each run of separators and drops them at
// the ends.
Result<std::string> sanitize(std::string_view text, std::string_view separators, char replacement,
                             std::string_view what) {
    std::string out;
    out.reserve(text.size());
    for (const char raw : ascii_lower(text)) {
        const bool alnum = (raw >= 'a' && raw <= 'z') || (raw >= '0' && raw <= '9');
        const char c = alnum || separators.find(raw) != std::string_view::npos ? raw : replacement;
        const bool is_separator = !alnum;
        const bool after_separator =
            !out.empty() && separators.find(out.back()) != std::string_view::npos;
        if (is_separator && (out.empty() || after_separator)) continue;
        out += c;
    }
    while (!out.empty() && separators.find(out.back()) != std::string_view::npos)
        out.pop_back();
    if (out.empty()) {
        return make_error(
            Errc::invalid_argument,
            std::string(what) + " '" + escape_control(text, 128) + "' has no letter or digit");
    }
    return out;
}

// "80/tcp" → {"name": "80-tcp", "protocol": "tcp", "port": 80}.
Result<json> map_port(const std::string& exposed) {
    const auto slash = exposed.find('/');
    const std::string_view number = std::string_view(exposed).substr(0, slash);
    const std::string protocol = slash == std::string::npos ? "tcp" : exposed.substr(slash + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), port);
    if (ec != std::errc{} || end != number.data() + number.size() || port == 0 || port > 65535) {
        return make_error(
            Errc::invalid_argument,
            "config.ExposedPorts: '" + escape_control(exposed, 64) + "' is not PORT[/PROTOCOL]");
    }
    auto name = sanitize_ac_name(exposed);
    if (!name) return std::move(name).error();
    return json{{"name", *name}, {"protocol", protocol}, {"port", port}};
}

// "/var/lib/data" → {"name": "volume-var-lib-data", "path": ...}; a name
// taken by an earlier volume gets "-1", "-2", ... (docker2aci's rule).
Result<json> map_volumes(const std::vector<std::string>& volumes) {
    json out = json::array();
    std::map<std::string, int> seen;
    for (const std::string& path : volumes) {
        auto name = sanitize_ac_name("volume/" + path);
        if (!name) return std::move(name).error();
        const int earlier = seen[*name]++;
        if (earlier > 0) *name += "-" + std::to_string(earlier);
        out.push_back({{"name", *name}, {"path", path}});
    }
    return out;
}

// docker2aci's parseDockerUser.
std::pair<std::string, std::string> user_and_group(const std::string& user) {
    if (user.empty()) return {"0", "0"};
    const auto colon = user.find(':');
    if (colon == std::string::npos) return {user, user};
    return {user.substr(0, colon), user.substr(colon + 1)};
}

json environment(const std::vector<std::string>& env) {
    json out = json::array();
    std::map<std::string, std::size_t> index;  // a later NAME replaces an earlier one
    for (const std::string& entry : env) {
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        const std::string name = entry.substr(0, eq);
        json item = {{"name", name}, {"value", entry.substr(eq + 1)}};
        if (const auto it = index.find(name); it != index.end()) {
            out[it->second] = std::move(item);
        } else {
            index.emplace(name, out.size());
            out.push_back(std::move(item));
        }
    }
    return out;
}

Result<json> app_section(const ImageConfig& config) {
    json app = json::object();
    std::vector<std::string> exec = config.entrypoint.value_or(std::vector<std::string>{});
    const auto cmd = config.cmd.value_or(std::vector<std::string>{});
    exec.insert(exec.end(), cmd.begin(), cmd.end());
    if (!exec.empty()) app["exec"] = exec;
    const auto [user, group] = user_and_group(config.user);
    app["user"] = user;
    app["group"] = group;
    if (!config.working_dir.empty()) app["workingDirectory"] = config.working_dir;
    if (const json env = environment(config.env); !env.empty()) app["environment"] = env;
    auto mounts = map_volumes(config.volumes);
    if (!mounts) return std::move(mounts).error();
    if (!mounts->empty()) app["mountPoints"] = std::move(*mounts);
    json ports = json::array();
    for (const std::string& exposed : config.exposed_ports) {
        auto port = map_port(exposed);
        if (!port) return std::move(port).error();
        ports.push_back(std::move(*port));
    }
    if (!ports.empty()) app["ports"] = std::move(ports);
    if (!config.labels.empty()) app["userLabels"] = config.labels;
    return app;
}

bool digits(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return false;
    for (std::size_t i = at; i < at + count; ++i)
        if (text[i] < '0' || text[i] > '9') return false;
    return true;
}

// RFC 3339 date-time ("2024-05-01T10:00:00.5Z", "…+02:00"): appc validates
// the "created" annotation as one, so a config with another form loses it.
bool is_rfc3339(std::string_view text) {
    const bool date_time = digits(text, 0, 4) && text.substr(4, 1) == "-" && digits(text, 5, 2) &&
                           text.substr(7, 1) == "-" && digits(text, 8, 2) &&
                           (text.substr(10, 1) == "T" || text.substr(10, 1) == "t") &&
                           digits(text, 11, 2) && text.substr(13, 1) == ":" &&
                           digits(text, 14, 2) && text.substr(16, 1) == ":" && digits(text, 17, 2);
    if (!date_time) return false;
    std::size_t at = 19;
    if (text.substr(at, 1) == ".") {
        const std::size_t first = ++at;
        while (digits(text, at, 1))
            ++at;
        if (at == first) return false;
    }
    const std::string_view zone = text.substr(at);
    if (zone == "Z" || zone == "z") return true;
    return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone, 1, 2) &&
           zone[3] == ':' && digits(zone, 4, 2);
}

json annotations(const ImageConfig& config, const ImageOrigin& origin) {
    std::string registry =
        origin.registry == "docker.io" ? "registry-1.docker.io" : origin.registry;
    const std::pair<const char*, std::string> fields[] = {
        {"author", config.author},
        {"created", is_rfc3339(config.created) ? config.created : ""},
        {"appc.io/docker/originalname", origin.original_name},
        {"appc.io/docker/registryurl", std::move(registry)},
        {"appc.io/docker/repository", origin.repository},
        {"appc.io/docker/tag", origin.tag},
        {"appc.io/docker/imageid", origin.config_digest},
        {"appc.io/docker/manifesthash", origin.manifest_digest},
        {"appc.io/docker/entrypoint", config.entrypoint ? json(*config.entrypoint).dump() : ""},
        {"appc.io/docker/cmd", config.cmd ? json(*config.cmd).dump() : ""},
    };
    json out = json::array();
    for (const auto& [name, value] : fields) {
        if (!value.empty()) out.push_back({{"name", name}, {"value", value}});
    }
    return out;
}

}  // namespace

Result<std::string> sanitize_ac_identifier(std::string_view text) {
    return sanitize(text, "-._~/", '_', "image name");
}

Result<std::string> sanitize_ac_name(std::string_view text) {
    return sanitize(text, "-", '-', "name");
}

Result<std::string> converted_image_name(const ImageOrigin& origin) {
    if (origin.registry.empty()) return sanitize_ac_identifier(origin.repository);
    const std::string registry =
        origin.registry == "docker.io" ? "registry-1.docker.io" : origin.registry;
    return sanitize_ac_identifier(registry + "/" + origin.repository);
}

std::pair<std::string, std::string> appc_os_arch(const ImageConfig& config) {
    const std::string& arch = config.architecture;
    std::string appc_arch = arch;
    if (arch == "386") {
        appc_arch = "i386";
    } else if (arch == "arm64") {
        appc_arch = "aarch64";
    } else if (arch == "arm") {
        appc_arch = config.variant == "v7" ? "armv7l" : "armv6l";
    }
    return {config.os, appc_arch};
}

appc::Labels converted_labels(const ImageConfig& config, const ImageOrigin& origin) {
    appc::Labels labels;
    const auto [os, arch] = appc_os_arch(config);
    labels.emplace("os", os);
    labels.emplace("arch", arch);
    if (!origin.tag.empty()) labels.emplace("version", origin.tag);
    return labels;
}

Result<std::string> render_converted_manifest(const ImageConfig& config,
                                              const ImageOrigin& origin) {
    auto name = converted_image_name(origin);
    if (!name) return std::move(name).error();
    json manifest = json::parse(appc::render_manifest(*name, converted_labels(config, origin)));
    if (json notes = annotations(config, origin); !notes.empty()) {
        manifest["annotations"] = std::move(notes);
    }
    auto app = app_section(config);
    if (!app) return std::move(app).error();
    manifest["app"] = std::move(*app);
    return manifest.dump(2) + "\n";
}

}  // namespace aciswarm::convert
