// containerd's per-registry host configuration (hosts.toml under
// /etc/containerd/certs.d/<registry>/, containerd 1.5+ "config_path"): the
// file `aciswarm mirror setup` writes so containerd asks this node's agent
// first and the upstream registry (`server`) when the agent answers 404 or an
// error. Deleting the file switches the mirror off again.
//
// Pure: rendering and checks only; agent/cli/mirror.cpp writes the file.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace aciswarm::agent::mirror {

// First line of every file aciswarm writes: `mirror remove` and a second
// `mirror setup` only touch a hosts.toml that starts with it.
inline constexpr std::string_view hosts_toml_marker = "# Written by `aciswarm mirror setup`.";
inline constexpr std::string_view default_hosts_dir = "/etc/containerd/certs.d";
inline constexpr std::string_view default_mirror_url = "http://127.0.0.1:5050";

struct HostsToml {
    std::string registry;  // the certs.d directory name: "docker.io", "registry.example:5000"
    std::string server;    // upstream: "https://registry-1.docker.io"
    std::string mirror;    // the agent: "http://127.0.0.1:5050"
    // PEM CA file containerd trusts for `server` ("" = the system's): a
    // registry with a private CA (containerd ignores certs.d/*.crt next to a
    // hosts.toml).
    std::string ca = {};
};

// Where containerd pulls `registry` from without a mirror: docker.io is
// served at registry-1.docker.io, every other registry at https://<registry>.
std::string default_upstream_server(std::string_view registry);

// "http(s)://host[:port]" without a path, user info, query or quote; the
// error names the URL.
Status check_host_url(std::string_view what, std::string_view url);

// The file's text: marker, how to switch it off, server (and its ca), one
// [host] for the mirror with capabilities pull and resolve.
Result<std::string> render_hosts_toml(const HostsToml& config);

}  // namespace aciswarm::agent::mirror
