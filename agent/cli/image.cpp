// aciswarm image list|rm|gc|export|cat-manifest|verify|du: the image store's
// maintenance commands. IDs print in rkt's short form (--full for all digits);
// any unique ID prefix finds an image.
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "agent/cli/store_cli.hpp"
#include "agent/daemon/client.hpp"
#include "agent/daemon/config.hpp"
#include "agent/daemon/seeder.hpp"
#include "common/duration.hpp"
#include "common/units.hpp"

namespace aciswarm::agent {
namespace {

using store::ImageRecord;

std::string show_id(const ImageId& id, bool full) {
    return full ? id.full() : id.display();
}

nlohmann::json record_json(const ImageRecord& r) {
    nlohmann::json j;
    j["id"] = r.id.full();
    j["key"] = r.id.key();
    j["name"] = r.name;
    j["labels"] = nlohmann::json::object();
    for (const auto& [k, v] : r.labels)
        j["labels"][k] = v;
    j["size"] = r.size;
    j["compression"] = std::string(appc::compression_name(r.compression));
    j["blob_sha512"] = r.blob_sha512.hex();
    j["info_hash_v1"] = r.info_hashes.v1 ? nlohmann::json(r.info_hashes.v1->hex()) : nullptr;
    j["info_hash_v2"] = r.info_hashes.v2 ? nlohmann::json(r.info_hashes.v2->hex()) : nullptr;
    j["has_torrent"] = !r.torrent.empty();
    j["urls"] = {{"aci", r.urls.aci},
                 {"asc", r.urls.asc},
                 {"torrent", r.urls.torrent},
                 {"magnet", r.urls.magnet}};
    j["etag"] = r.etag ? nlohmann::json(*r.etag) : nullptr;
    j["max_age"] = r.max_age ? nlohmann::json(r.max_age->count()) : nullptr;
    j["imported_at"] = format_time(r.imported_at, true);
    j["last_used"] = format_time(r.last_used, true);
    j["pinned"] = r.pinned;
    j["seeding_policy"] = r.seeding_policy;
    j["signed"] = r.has_signature;
    j["verified_by"] =
        r.verified_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.verified_by);
    j["verified_at"] = r.verified_at ? nlohmann::json(format_time(*r.verified_at, true)) : nullptr;
    return j;
}

std::string labels_text(const store::Labels& labels) {
    std::string out;
    for (const auto& [k, v] : labels) {
        if (!out.empty()) out += ",";
        out += k + "=" + v;
    }
    return out.empty() ? "-" : out;
}

// Opens the store after parsing; prints errors. nullopt: return `code`.
struct Opened {
    ParsedOptions opts;
    store::Store store;
};
enum class Access { read_write, read_only };
std::optional<Opened> start(const OptionParser& parser, std::span<const std::string> args,
                            CliContext& ctx, int& code, std::size_t min_pos, std::size_t max_pos,
                            Access access = Access::read_write) {
    auto opts = parse_command(parser, args, ctx, code);
    if (!opts) return std::nullopt;
    const std::size_t n = opts->positional().size();
    if (n < min_pos || n > max_pos) {
        ctx.err << "aciswarm: wrong number of arguments\n" << parser.help();
        code = exit_usage;
        return std::nullopt;
    }
    auto s = open_store(*opts, ctx, access == Access::read_only);
    if (!s) {
        ctx.err << "aciswarm: " << s.error().message << "\n";
        code = exit_failure;
        return std::nullopt;
    }
    return Opened{std::move(*opts), std::move(*s)};
}

// `image list`'s table: one row per image, columns padded to the widest cell.
void print_image_table(const std::vector<ImageRecord>& all, bool full, CliContext& ctx) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        {"ID", "NAME", "LABELS", "SIZE", "IMPORTED", "LAST USED", "FLAGS", "VERIFIED BY"});
    for (const auto& r : all) {
        std::vector<std::string> parts;
        if (r.pinned) parts.emplace_back("pinned");
        if (r.seeding()) parts.push_back(std::string("seeding=").append(r.seeding_policy));
        if (r.has_signature) parts.emplace_back("signed");
        std::string flags;
        for (const auto& p : parts) {
            if (!flags.empty()) flags.push_back(',');
            flags.append(p);
        }
        if (flags.empty()) flags.push_back('-');
        rows.push_back({show_id(r.id, full), r.name, labels_text(r.labels), format_size(r.size),
                        format_time(r.imported_at), format_time(r.last_used), flags,
                        // The key id (last 16 hex digits of the fingerprint), as gpg shows it.
                        r.verified_by.empty() ? std::string("-")
                                              : r.verified_by.substr(r.verified_by.size() - 16)});
    }
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        ctx.out << line << "\n";
    }
}

// A read-only query of the whole store (image list, image du): parses (no
// positional arguments), opens the store read-only, runs `query` and prints
// its error or hands its value to `print`.
template <class Query, class Print>
int run_store_query(const OptionParser& parser, std::span<const std::string> args, CliContext& ctx,
                    Query query, Print print) {
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 0, 0, Access::read_only);
    if (!o) return code;
    auto result = query(o->store);
    if (!result) {
        ctx.err << "aciswarm: " << result.error().message << "\n";
        return exit_failure;
    }
    print(*result, o->opts);
    return exit_ok;
}

constexpr std::size_t many = static_cast<std::size_t>(-1);

}  // namespace

int cmd_image_list(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image list [OPTIONS]",
        store_command_options({{"json", OptionSpec::Kind::flag, "print JSON"},
                               {"full", OptionSpec::Kind::flag, "print full image IDs"}}),
        {"aciswarm image list", "aciswarm image list --json --store=/var/lib/aciswarm"});
    return run_store_query(
        parser, args, ctx, [](const store::Store& s) { return s.list(); },
        [&ctx](const std::vector<ImageRecord>& all, const ParsedOptions& opts) {
            if (opts.flag("json")) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& r : all)
                    arr.push_back(record_json(r));
                ctx.out << arr.dump(2) << "\n";
            } else {
                print_image_table(all, opts.flag("full"), ctx);
            }
        });
}

int cmd_image_rm(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image rm [OPTIONS] ID...", store_command_options({}),
        {"aciswarm image rm sha512-0123456789ab", "aciswarm image rm sha512-0123 sha512-4567"});
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 1, many);
    if (!o) return code;
    int rc = exit_ok;
    for (const std::string& prefix : o->opts.positional()) {
        auto r = find_image(o->store, prefix, ctx);
        if (!r) {
            rc = exit_failure;
            continue;
        }
        if (auto ok = o->store.remove(r->id); !ok) {
            ctx.err << "aciswarm: " << ok.error().message << "\n";
            rc = exit_failure;
            continue;
        }
        ctx.out << "removed " << r->id.display() << "\n";
    }
    return rc;
}

// The daemon running on this store, if one answers on `socket`: a gc must go
// through it (it knows what it seeds now). nullopt: none, or another store's.
static std::optional<ApiClient> daemon_on_store(const std::string& socket, const store::Store& st,
                                                CliContext& ctx) {
    auto client = ApiClient::connect(socket);
    if (!client) return std::nullopt;
    auto status =
        decode_reply<StatusReply>(client->request(status_request(), {}, std::chrono::seconds(10)));
    if (!status) return std::nullopt;
    const std::string& daemon_store = status->daemon.store;
    std::error_code ec;
    if (daemon_store.empty() || !std::filesystem::equivalent(daemon_store, st.root(), ec))
        return std::nullopt;
    ctx.log.debug("image gc: the daemon on ", socket, " runs on this store");
    return std::move(*client);
}

int cmd_image_gc(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image gc [OPTIONS]\n\n"
        "When the daemon runs on the store (its socket answers), it does the gc and keeps\n"
        "what it seeds; otherwise images its state file says are pinned (forever) or\n"
        "seeding stay.",
        store_command_options(
            {{"older-than", OptionSpec::Kind::value,
              "remove images unused for this long (default 24h); pinned and seeding images stay",
              "DURATION"},
             {"dry-run", OptionSpec::Kind::flag, "only print what would be removed"},
             {"socket",
              OptionSpec::Kind::value,
              "the daemon's API socket (default /run/aciswarm/agent.sock)",
              "PATH",
              0,
              {"daemon-socket"}}}),
        {"aciswarm image gc", "aciswarm image gc --older-than=7d --dry-run"});
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 0, 0);
    if (!o) return code;
    store::GcOptions gc;
    if (auto d = o->opts.get("older-than")) {
        auto parsed = parse_duration_option("--older-than", *d);
        if (!parsed) {
            ctx.err << "aciswarm image gc: " << parsed.error().message << "\n";
            return exit_usage;
        }
        gc.older_than = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
    }
    gc.dry_run = o->opts.flag("dry-run");
    const std::string socket = o->opts.get_or("socket", std::string(default_socket_path));
    if (auto daemon = daemon_on_store(socket, o->store, ctx)) {
        ApiRequest request;
        request.op = ApiOp::gc;
        request.older_than = gc.older_than;
        request.dry_run = gc.dry_run;
        auto reply = decode_reply<GcReply>(daemon->request(request, {}, std::chrono::minutes(10)));
        if (!reply) {
            ctx.err << "aciswarm: image gc through the daemon: " << reply.error().message << "\n";
            return exit_failure;
        }
        for (const RemovedImage& r : reply->removed) {
            auto id = ImageId::parse(r.id);
            ctx.out << (gc.dry_run ? "would remove " : "removed ") << (id ? id->display() : r.id)
                    << " " << r.name << "\n";
        }
        return exit_ok;
    }
    auto kept = images_kept_by_seeding_state(o->store.root() / "seeding.json");
    if (!kept) {
        ctx.err << "aciswarm: " << kept.error().message << "\n";
        return exit_failure;
    }
    gc.keep = [&](const ImageRecord& r) { return kept->contains(r.id); };
    auto removed = o->store.gc(gc);
    if (!removed) {
        ctx.err << "aciswarm: " << removed.error().message << "\n";
        return exit_failure;
    }
    for (const auto& r : *removed) {
        ctx.out << (gc.dry_run ? "would remove " : "removed ") << r.id.display() << " " << r.name
                << "\n";
    }
    return exit_ok;
}

int cmd_image_export(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image export [OPTIONS] ID FILE",
        store_command_options({{"overwrite", OptionSpec::Kind::flag, "replace FILE if it exists"}}),
        {"aciswarm image export sha512-0123456789ab app.aci",
         "aciswarm image export --overwrite sha512-0123 /tmp/app.aci"});
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 2, 2, Access::read_only);
    if (!o) return code;
    auto r = find_image(o->store, o->opts.positional()[0], ctx);
    if (!r) return exit_failure;
    const std::filesystem::path dest = o->opts.positional()[1];
    std::error_code ec;
    if (!o->opts.flag("overwrite") && std::filesystem::exists(dest, ec)) {
        ctx.err << "aciswarm: " << dest.string() << " exists (use --overwrite)\n";
        return exit_failure;
    }
    if (auto ok = o->store.export_to(r->id, dest); !ok) {
        ctx.err << "aciswarm: export failed: " << ok.error().message << "\n";
        return exit_failure;
    }
    return exit_ok;
}

int cmd_image_cat_manifest(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser("aciswarm image cat-manifest [OPTIONS] ID", store_command_options({}),
                              {"aciswarm image cat-manifest sha512-0123456789ab",
                               "aciswarm image cat-manifest sha512-0123 | jq .labels"});
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 1, 1, Access::read_only);
    if (!o) return code;
    auto r = find_image(o->store, o->opts.positional()[0], ctx);
    if (!r) return exit_failure;
    auto m = o->store.manifest(r->id);
    if (!m) {
        ctx.err << "aciswarm: " << m.error().message << "\n";
        return exit_failure;
    }
    ctx.out << *m;
    if (m->empty() || m->back() != '\n') ctx.out << "\n";
    return exit_ok;
}

int cmd_image_verify(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image verify [OPTIONS]",
        store_command_options({{"json", OptionSpec::Kind::flag, "print JSON"}}),
        {"aciswarm image verify", "aciswarm image verify --json --store=/var/lib/aciswarm"});
    int code = exit_ok;
    auto o = start(parser, args, ctx, code, 0, 0);
    if (!o) return code;
    auto report = o->store.verify();
    if (!report) {
        ctx.err << "aciswarm: " << report.error().message << "\n";
        return exit_failure;
    }
    const bool bad = !report->corrupt.empty() || !report->missing.empty();
    if (o->opts.flag("json")) {
        nlohmann::json j;
        j["checked"] = report->checked;
        j["ok"] = nlohmann::json::array();
        for (const auto& id : report->ok)
            j["ok"].push_back(id.full());
        j["corrupt"] = nlohmann::json::array();
        for (const auto& [id, why] : report->corrupt)
            j["corrupt"].push_back({{"id", id.full()}, {"reason", why}});
        j["missing"] = nlohmann::json::array();
        for (const auto& id : report->missing)
            j["missing"].push_back(id.full());
        ctx.out << j.dump(2) << "\n";
    } else {
        for (const auto& id : report->ok)
            ctx.out << "ok       " << id.display() << "\n";
        for (const auto& [id, why] : report->corrupt)
            ctx.out << "corrupt  " << id.display() << "  " << why << " (quarantined)\n";
        for (const auto& id : report->missing)
            ctx.out << "missing  " << id.display() << "  (index entry removed)\n";
        ctx.err << "aciswarm: verified " << report->checked << " images: " << report->ok.size()
                << " ok, " << report->corrupt.size() << " corrupt, " << report->missing.size()
                << " missing\n";
    }
    return bad ? exit_failure : exit_ok;
}

int cmd_image_du(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm image du [OPTIONS]",
        store_command_options({{"json", OptionSpec::Kind::flag, "print JSON (bytes)"}}),
        {"aciswarm image du", "aciswarm image du --json"});
    return run_store_query(
        parser, args, ctx, [](const store::Store& s) { return s.disk_usage(); },
        [&ctx](const store::DiskUsage& du, const ParsedOptions& opts) {
            if (opts.flag("json")) {
                nlohmann::json j = {{"images", du.images},
                                    {"blob_bytes", du.blob_bytes},
                                    {"signature_bytes", du.signature_bytes},
                                    {"index_bytes", du.index_bytes},
                                    {"staging_bytes", du.staging_bytes},
                                    {"quarantine_bytes", du.quarantine_bytes},
                                    {"total_bytes", du.total()}};
                ctx.out << j.dump(2) << "\n";
                return;
            }
            ctx.out << "images      " << du.images << "\n"
                    << "blobs       " << format_size(du.blob_bytes) << "\n"
                    << "signatures  " << format_size(du.signature_bytes) << "\n"
                    << "index       " << format_size(du.index_bytes) << "\n"
                    << "staging     " << format_size(du.staging_bytes) << "\n"
                    << "quarantine  " << format_size(du.quarantine_bytes) << "\n"
                    << "total       " << format_size(du.total()) << "\n";
        });
}

}  // namespace aciswarm::agent
