#include "agent/mirror/hosts_toml.hpp"

#include "agent/mirror/route.hpp"
#include "common/text.hpp"

namespace aciswarm::agent::mirror {

std::string default_upstream_server(std::string_view registry) {
    if (registry == "docker.io") return "https://registry-1.docker.io";
    return "https://" + std::string(registry);
}

Status check_host_url(std::string_view what, std::string_view url) {
    std::string_view rest = url;
    if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        return make_error(
            Errc::invalid_argument,
            std::string(what) + " '" + escape_control(url, 200) + "': not http:// or https://");
    }
    if (!valid_registry(rest)) {
        return make_error(Errc::invalid_argument,
                          std::string(what) + " '" + escape_control(url, 200) +
                              "': want scheme://host[:port] without a path");
    }
    return {};
}

Result<std::string> render_hosts_toml(const HostsToml& config) {
    if (!valid_registry(config.registry)) {
        return make_error(
            Errc::invalid_argument,
            "registry '" + escape_control(config.registry, 200) + "': not a registry host[:port]");
    }
    if (Status s = check_host_url("server", config.server); !s) return s.error();
    if (Status s = check_host_url("mirror", config.mirror); !s) return s.error();
    const bool ca_ok =
        config.ca.empty() ||
        (config.ca.front() == '/' && config.ca.find_first_of("\"\\\n\r") == std::string::npos);
    if (!ca_ok) {
        return make_error(Errc::invalid_argument, "ca '" + escape_control(config.ca, 200) +
                                                      "': not an absolute path without quotes");
    }
    std::string text(hosts_toml_marker);
    text += "\n# containerd asks the aciswarm agent at " + config.mirror +
            " first (it takes the blobs\n"
            "# from the swarm) and " +
            config.server +
            " itself when the agent answers 404 or\n"
            "# an error. To switch the mirror off for " +
            config.registry +
            ", delete this file (or run\n"
            "# `aciswarm mirror remove --registry=" +
            config.registry +
            "`): containerd reads it on every pull.\n\n"
            "server = \"" +
            config.server + "\"\n" + (config.ca.empty() ? "" : "ca = \"" + config.ca + "\"\n") +
            "\n[host.\"" + config.mirror + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
    return text;
}

}  // namespace aciswarm::agent::mirror
