#include "agent/cli/store_cli.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <ostream>

#include "common/units.hpp"

namespace aciswarm::agent {

std::vector<OptionSpec> store_command_options(std::vector<OptionSpec> own) {
    own.push_back({"store", OptionSpec::Kind::value,
                   "image store root (default /var/lib/aciswarm for root, else "
                   "$XDG_DATA_HOME/aciswarm)",
                   "DIR"});
    return with_common_flags(std::move(own));
}

namespace {

// Announces the point, then stops the process (SIGSTOP): the test waits for
// the stop (waitpid WUNTRACED), then kills it (SIGKILL) or resumes it
// (SIGCONT). Raw write(2) so the line is out before we stop.
void pause_here(std::string_view point) {
    const std::string line = "aciswarm: paused at " + std::string(point) + "\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    ::raise(SIGSTOP);
}

}  // namespace

Result<store::Store> open_store(const ParsedOptions& options, CliContext& ctx, bool read_only) {
    std::filesystem::path root;
    if (auto dir = options.get("store")) {
        root = *dir;
    } else {
        auto def = store::default_store_root(::getuid(), std::getenv("XDG_DATA_HOME"),
                                             std::getenv("HOME"));
        if (!def) return std::move(def).error();
        root = *def;
    }
    store::StoreOptions so;
    if (auto text = options.get("max-image-size")) {
        auto size = parse_max_image_size(*text);
        if (!size) return std::move(size).error();
        so.max_image_size = *size;
    }
    so.read_only = read_only;
    if (const char* env = std::getenv("ACISWARM_TEST_PAUSE_AT"); env != nullptr && *env) {
        std::vector<std::string> points;
        std::string_view rest = env;
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            points.emplace_back(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        so.on_point = [points](std::string_view point) {
            for (const auto& p : points) {
                if (p == point) pause_here(point);
            }
        };
    }
    return store::Store::open(root, ctx.clock, ctx.log, std::move(so));
}

Result<std::uint64_t> parse_max_image_size(const std::string& text) {
    return parse_size_option("--max-image-size", text, 1);
}

std::optional<store::ImageRecord> find_image(const store::Store& s, const std::string& prefix,
                                             CliContext& ctx) {
    auto r = s.find(prefix);
    if (!r) {
        ctx.err << "aciswarm: " << r.error().message << "\n";
        return std::nullopt;
    }
    return std::move(*r);
}

std::string format_time(Clock::WallTime t, bool rfc3339) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), rfc3339 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

}  // namespace aciswarm::agent
