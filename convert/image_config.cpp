#include "convert/image_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace aciswarm::convert {
namespace {

using nlohmann::json;

// Image configs nest four levels deep; anything deeper is refused while
// parsing, so hostile nesting never builds a deep value.
constexpr int max_config_depth = 16;

struct ConfigReader {
    std::string_view source;

    Error error(const std::string& what) const {
        return make_error(Errc::invalid_argument, escape_control(source, 128) + ": " + what);
    }

    Status read_string(const json& object, const char* key, std::string_view path,
                       std::string& out) const {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) return {};
        if (!it->is_string()) return error(std::string(path) + key + " is not a string");
        out = it->get<std::string>();
        return {};
    }

    Result<std::optional<std::vector<std::string>>> read_strings(const json& object,
                                                                 const char* key,
                                                                 std::string_view path) const {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) return std::optional<std::vector<std::string>>{};
        const bool ok = it->is_array() && std::all_of(it->begin(), it->end(),
                                                      [](const json& v) { return v.is_string(); });
        if (!ok) return error(std::string(path) + key + " is not an array of strings");
        return std::optional<std::vector<std::string>>(it->get<std::vector<std::string>>());
    }

    // {"80/tcp": {}, ...}: the sorted keys.
    Result<std::vector<std::string>> read_key_set(const json& object, const char* key) const {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) return std::vector<std::string>{};
        if (!it->is_object()) return error(std::string("config.") + key + " is not an object");
        std::vector<std::string> keys;
        for (const auto& item : it->items())
            keys.push_back(item.key());
        std::sort(keys.begin(), keys.end());
        return keys;
    }

    Status read_labels(const json& object, std::map<std::string, std::string>& out) const {
        const auto it = object.find("Labels");
        if (it == object.end() || it->is_null()) return {};
        if (!it->is_object()) return error("config.Labels is not an object");
        for (const auto& item : it->items()) {
            if (!item.value().is_string()) {
                return error("config.Labels['" + escape_control(item.key(), 64) +
                             "'] is not a string");
            }
            out.emplace(item.key(), item.value().get<std::string>());
        }
        return {};
    }

    Status read_runtime(const json& config, ImageConfig& out) const {
        if (!config.is_object()) return error("config is not an object");
        for (const auto& [key, field] :
             {std::pair{"User", &out.user}, std::pair{"WorkingDir", &out.working_dir}}) {
            if (auto ok = read_string(config, key, "config.", *field); !ok) return ok;
        }
        auto env = read_strings(config, "Env", "config.");
        if (!env) return std::move(env).error();
        out.env = env->value_or(std::vector<std::string>{});
        auto entrypoint = read_strings(config, "Entrypoint", "config.");
        if (!entrypoint) return std::move(entrypoint).error();
        out.entrypoint = std::move(*entrypoint);
        auto cmd = read_strings(config, "Cmd", "config.");
        if (!cmd) return std::move(cmd).error();
        out.cmd = std::move(*cmd);
        auto ports = read_key_set(config, "ExposedPorts");
        if (!ports) return std::move(ports).error();
        out.exposed_ports = std::move(*ports);
        auto volumes = read_key_set(config, "Volumes");
        if (!volumes) return std::move(volumes).error();
        out.volumes = std::move(*volumes);
        return read_labels(config, out.labels);
    }

    Status read_diff_ids(const json& doc, ImageConfig& out) const {
        const auto rootfs = doc.find("rootfs");
        if (rootfs == doc.end() || rootfs->is_null()) return {};
        if (!rootfs->is_object()) return error("rootfs is not an object");
        auto ids = read_strings(*rootfs, "diff_ids", "rootfs.");
        if (!ids) return std::move(ids).error();
        out.diff_ids = ids->value_or(std::vector<std::string>{});
        return {};
    }
};

}  // namespace

Result<ImageConfig> parse_image_config(std::string_view text, std::string_view source) {
    const ConfigReader reader{source};
    if (text.size() > max_image_config_bytes) {
        return make_error(Errc::too_large, escape_control(source, 128) + ": image config of " +
                                               std::to_string(text.size()) +
                                               " bytes, over the limit of " +
                                               std::to_string(max_image_config_bytes));
    }
    bool too_deep = false;
    const json::parser_callback_t depth_guard = [&too_deep](int depth, json::parse_event_t, json&) {
        if (depth > max_config_depth) too_deep = true;
        return !too_deep;
    };
    const json doc = json::parse(text, depth_guard, /*allow_exceptions=*/false);
    if (too_deep) {
        return reader.error("JSON nested deeper than " + std::to_string(max_config_depth) +
                            " levels");
    }
    if (doc.is_discarded()) return reader.error("image config is not valid JSON");
    if (!doc.is_object()) return reader.error("image config is not a JSON object");

    ImageConfig out;
    for (const auto& [key, field] :
         {std::pair{"os", &out.os}, std::pair{"architecture", &out.architecture},
          std::pair{"variant", &out.variant}, std::pair{"author", &out.author},
          std::pair{"created", &out.created}}) {
        if (auto ok = reader.read_string(doc, key, "", *field); !ok) return std::move(ok).error();
    }
    if (out.os.empty()) return reader.error("image config has no os");
    if (out.architecture.empty()) return reader.error("image config has no architecture");
    if (const auto config = doc.find("config"); config != doc.end() && !config->is_null()) {
        if (auto ok = reader.read_runtime(*config, out); !ok) return std::move(ok).error();
    }
    if (auto ok = reader.read_diff_ids(doc, out); !ok) return std::move(ok).error();
    return out;
}

}  // namespace aciswarm::convert
