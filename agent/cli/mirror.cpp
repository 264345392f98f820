// `aciswarm mirror setup --registry=HOST`: points containerd at this node's
// agent (`aciswarm daemon --mirror=ADDR:PORT`) for pulls from HOST by writing
// <hosts-dir>/HOST/hosts.toml (agent/mirror/hosts_toml.hpp); `aciswarm mirror
// remove --registry=HOST` deletes it again. containerd reads the file on every
// pull (its CRI plugin's registry.config_path, or `ctr --hosts-dir`): no
// restart either way. Only files aciswarm wrote are replaced or deleted.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <ostream>

#include "agent/cli/cli.hpp"
#include "agent/mirror/hosts_toml.hpp"
#include "agent/mirror/route.hpp"
#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "common/system_error.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_hosts_toml_bytes = 64 * 1024;

std::vector<OptionSpec> mirror_options(std::vector<OptionSpec> own) {
    own.insert(own.begin(), {"registry", OptionSpec::Kind::value,
                             "the registry containerd pulls from: docker.io, "
                             "registry.example.com:5000 (required)",
                             "HOST"});
    own.push_back({"hosts-dir", OptionSpec::Kind::value,
                   "containerd's registry config_path (default /etc/containerd/certs.d)", "DIR"});
    return with_common_flags(std::move(own));
}

// <hosts-dir>/<registry>/hosts.toml, or the usage error to print.
Result<fs::path> hosts_file(const ParsedOptions& opts) {
    const auto registry = opts.get("registry");
    if (!registry) return make_error(Errc::invalid_argument, "--registry=HOST is required");
    if (!mirror::valid_registry(*registry)) {
        return make_error(Errc::invalid_argument,
                          "--registry: '" + *registry + "': not a registry host[:port]");
    }
    const fs::path dir = opts.get_or("hosts-dir", std::string(mirror::default_hosts_dir));
    return dir / *registry / "hosts.toml";
}

// Whether `path` is absent (false) or one of ours (true); an error for a file
// someone else wrote.
Result<bool> ours(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        return errno_error("stat", path.string(), errno);
    }
    auto text = read_file_bounded(path.string(), max_hosts_toml_bytes, Symlinks::refuse);
    if (!text) return text.error();
    if (!text->starts_with(mirror::hosts_toml_marker)) {
        return make_error(Errc::already_exists,
                          path.string() + ": not written by aciswarm; left as it is");
    }
    return true;
}

// Writes `text` to `path` through a temporary file and rename: containerd
// reads either the old file or the new one, never half of one.
Status write_replacing(const fs::path& path, const std::string& text) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return make_error(Errc::io, path.parent_path().string() + ": " + ec.message());
    const fs::path tmp = path.string() + ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return errno_error("open", tmp.string(), errno);
    if (Status s = write_all(fd.get(), text, tmp.string()); !s) return s;
    if (::fsync(fd.get()) != 0) return errno_error("fsync", tmp.string(), errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return errno_error("rename", path.string(), errno);
    return fsync_directory(path.parent_path().string());
}

}  // namespace

int cmd_mirror_setup(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm mirror setup --registry=HOST [--mirror=URL] [--server=URL] [--hosts-dir=DIR]\n\n"
        "Makes containerd pull HOST's images through this node's agent (aciswarm daemon "
        "--mirror) with HOST itself as the fallback, by writing DIR/HOST/hosts.toml. Delete that "
        "file (or run `aciswarm mirror remove`) to switch it off.",
        mirror_options(
            {{"mirror", OptionSpec::Kind::value,
              "the agent's mirror address (default http://127.0.0.1:5050)", "URL"},
             {"server", OptionSpec::Kind::value,
              "the upstream registry (default https://HOST; docker.io: "
              "https://registry-1.docker.io)",
              "URL"},
             {"ca", OptionSpec::Kind::value,
              "PEM CA file containerd trusts for the upstream registry (default: the system's)",
              "FILE"}}),
        {"aciswarm mirror setup --registry=docker.io",
         "aciswarm mirror setup --registry=registry.example.com:5000 "
         "--mirror=http://127.0.0.1:5050"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm mirror setup");
    if (!opts) return code;
    auto path = hosts_file(*opts);
    if (!path) {
        ctx.err << "aciswarm mirror setup: " << path.error().message << "\n";
        return exit_usage;
    }
    const std::string registry = *opts->get("registry");
    auto text = mirror::render_hosts_toml(
        {registry, opts->get_or("server", mirror::default_upstream_server(registry)),
         opts->get_or("mirror", std::string(mirror::default_mirror_url)), opts->get_or("ca", "")});
    if (!text) {
        ctx.err << "aciswarm mirror setup: " << text.error().message << "\n";
        return exit_usage;
    }
    auto existing = ours(*path);
    Status written = existing ? write_replacing(*path, *text) : Status(existing.error());
    if (!written) {
        ctx.err << "aciswarm mirror setup: " << written.error().message << "\n";
        return exit_failure;
    }
    ctx.out << path->string() << "\n";
    return exit_ok;
}

int cmd_mirror_remove(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm mirror remove --registry=HOST [--hosts-dir=DIR]\n\n"
        "Deletes the DIR/HOST/hosts.toml `aciswarm mirror setup` wrote: containerd pulls HOST's "
        "images directly again. A file aciswarm did not write is left alone.",
        mirror_options({}),
        {"aciswarm mirror remove --registry=docker.io",
         "aciswarm mirror remove --registry=registry.example.com:5000 --hosts-dir=/tmp/certs.d"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm mirror remove");
    if (!opts) return code;
    auto path = hosts_file(*opts);
    if (!path) {
        ctx.err << "aciswarm mirror remove: " << path.error().message << "\n";
        return exit_usage;
    }
    auto existing = ours(*path);
    if (!existing) {
        ctx.err << "aciswarm mirror remove: " << existing.error().message << "\n";
        return exit_failure;
    }
    if (!*existing) {
        ctx.err << "aciswarm mirror remove: " << path->string() << ": no such file (not set up)\n";
        return exit_ok;
    }
    if (::unlink(path->c_str()) != 0) {
        ctx.err << "aciswarm mirror remove: "
                << errno_error("unlink", path->string(), errno).message << "\n";
        return exit_failure;
    }
    std::error_code ec;
    fs::remove(path->parent_path(), ec);  // only when empty: certs (ca.crt) stay
    ctx.out << "removed " << path->string() << "\n";
    return exit_ok;
}

}  // namespace aciswarm::agent
