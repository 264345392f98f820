// aciswarm publish IMAGE.aci --tracker=URL... --webseed-base=https://host/path/ --out=DIR
//
// Layout of DIR (one appc discovery template covers every kind):
//   DIR/{os}/{arch}/{name}-{version}.aci       the image (web seed target)
//   DIR/{os}/{arch}/{name}-{version}.aci.asc   its signature, when IMAGE.aci.asc exists
//   DIR/{os}/{arch}/{name}-{version}.torrent   --torrent-format (v1 by default, hybrid,
//                                               v2), url-list → the HTTPS .aci
//   DIR/{os}/{arch}/{name}-{version}.magnet    magnet URI (btih and/or btmh, tr, ws)
//   DIR/pubkeys/<fingerprint>.asc               the --sign-key's public key (ac-discovery-pubkeys)
//   DIR/published.json                          what has been published (source of index.html)
//   DIR/index.html                              ac-discovery meta tags + a list of images
// Every file is written under DIR/.staging-*/ and renamed into place, so
// readers (nginx, the everseed) see the old or the new version, never a mix of
// bytes. See docs/publishing.md.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "agent/cli/cli.hpp"
#include "appc/aci_reader.hpp"
#include "common/options.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "torrent/torrent_file.hpp"
#include "trust/openpgp.hpp"

namespace aciswarm::agent {
namespace {

namespace fs = std::filesystem;

bool safe_path_value(std::string_view v) {
    return !v.empty() && v != "." && v != ".." && v.find('/') == std::string_view::npos &&
           v.find('\0') == std::string_view::npos;
}

Status write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return make_error(Errc::io, path.string() + ": write failed");
    return {};
}

Result<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, path.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A staging directory inside DIR, removed with whatever is left in it.
struct Staging {
    fs::path path;
    ~Staging() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

template <typename Hash>
nlohmann::json hex_or_null(const std::optional<Hash>& hash) {
    return hash ? nlohmann::json(hash->hex()) : nlohmann::json(nullptr);
}

// The hash a reader can paste into any client: v1 when the torrent has one.
std::string shown_info_hash(const nlohmann::json& item) {
    for (const char* key : {"info_hash_v1", "info_hash_v2"}) {
        auto it = item.find(key);
        if (it != item.end() && it->is_string()) return it->get<std::string>();
    }
    return "";
}

std::string render_index(const nlohmann::json& published, const std::string& webseed_base) {
    std::map<std::string, std::vector<const nlohmann::json*>> by_name;
    for (const auto& item : published)
        by_name[item["name"].get<std::string>()].push_back(&item);
    std::string html =
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>aciswarm registry</title>\n";
    for (const auto& [name, _] : by_name) {
        html += "<meta name=\"ac-discovery\" content=\"" + html_escape(name) + " " +
                html_escape(webseed_base) + "{os}/{arch}/{name}-{version}.{ext}\">\n";
        // --sign-key: where the key that signed this name's newest image lives.
        for (const auto* item : by_name[name]) {
            if (item->contains("pubkey")) {
                html += "<meta name=\"ac-discovery-pubkeys\" content=\"" + html_escape(name) + " " +
                        html_escape((*item)["pubkey"].get<std::string>()) + "\">\n";
                break;
            }
        }
    }
    html += "</head>\n<body>\n<h1>Images</h1>\n<ul>\n";
    for (const auto& [name, items] : by_name) {
        for (const auto* item : items) {
            const std::string rel = (*item)["path"].get<std::string>();
            html += "<li>" + html_escape(name) + " " +
                    html_escape((*item)["labels"].value("version", "")) + " (" +
                    html_escape((*item)["labels"].value("os", "")) + "/" +
                    html_escape((*item)["labels"].value("arch", "")) + "): <a href=\"" +
                    html_escape(rel) + ".aci\">aci</a> <a href=\"" + html_escape(rel) +
                    ".torrent\">torrent</a> <a href=\"" + html_escape(rel) +
                    ".magnet\">magnet</a> <code>" + html_escape(shown_info_hash(*item)) +
                    "</code></li>\n";
        }
    }
    html += "</ul>\n</body>\n</html>\n";
    return html;
}

struct SignedFiles {
    std::string fingerprint;
    // staged public key -> DIR/pubkeys/<fp>.asc, then staged .asc (target set by the caller).
    std::vector<std::pair<fs::path, fs::path>> moves;
};

Result<SignedFiles> sign_for_publish(const std::string& key_file,
                                     const std::string& passphrase_file, const fs::path& aci,
                                     const fs::path& staging, const std::string& file_name,
                                     const fs::path& out_dir) {
    auto key = read_file(key_file);
    if (!key) return make_error(Errc::io, "--sign-key " + key_file + ": cannot read");
    std::string passphrase;
    if (!passphrase_file.empty()) {
        auto text = read_file(passphrase_file);
        if (!text) {
            return make_error(Errc::io, "--passphrase-file " + passphrase_file + ": cannot read");
        }
        passphrase = text->substr(0, text->find('\n'));
    }
    auto public_key = trust::public_key_of_secret(trust::as_bytes(*key), "--sign-key " + key_file);
    if (!public_key) return std::move(public_key).error();
    auto info = trust::read_public_key(trust::as_bytes(*public_key), "--sign-key " + key_file);
    if (!info) return std::move(info).error();
    auto signature =
        trust::sign_detached_file(aci, trust::as_bytes(*key), passphrase, "--sign-key " + key_file);
    if (!signature) return std::move(signature).error();
    SignedFiles out;
    out.fingerprint = info->fingerprint.hex;
    const fs::path staged_key = staging / (out.fingerprint + ".pubkey.asc");
    const fs::path staged_asc = staging / (file_name + ".aci.asc");
    if (auto ok = write_file(staged_key, *public_key); !ok) return std::move(ok).error();
    if (auto ok = write_file(staged_asc, *signature); !ok) return std::move(ok).error();
    std::error_code ec;
    fs::create_directories(out_dir / "pubkeys", ec);
    if (ec) return make_error(Errc::io, (out_dir / "pubkeys").string() + ": " + ec.message());
    out.moves.emplace_back(staged_key, out_dir / "pubkeys" / (out.fingerprint + ".asc"));
    out.moves.emplace_back(staged_asc, fs::path());
    return out;
}

}  // namespace

int cmd_publish(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm publish IMAGE.aci --tracker=URL... --webseed-base=https://host/path/ --out=DIR",
        {
            {"tracker", OptionSpec::Kind::list, "announce URL for the .torrent", "URL"},
            {"webseed-base", OptionSpec::Kind::value,
             "HTTPS URL under which DIR is served (web seed and discovery templates)", "URL"},
            {"out", OptionSpec::Kind::value, "registry directory to publish into", "DIR"},
            {"piece-size", OptionSpec::Kind::value,
             "torrent piece size, a power of two >= 16k (default: automatic)", "SIZE"},
            {"torrent-format", OptionSpec::Kind::value,
             "v1 (default: every client opens it), hybrid (v1+v2) or v2", "FORMAT"},
            {"sign-key", OptionSpec::Kind::value,
             "sign the image with this OpenPGP secret key (armoured or binary): writes "
             "NAME-VERSION.aci.asc and an ac-discovery-pubkeys tag (docs/trust.md)",
             "FILE"},
            {"passphrase-file", OptionSpec::Kind::value,
             "the --sign-key's passphrase (first line of FILE)", "FILE"},
            {"help", OptionSpec::Kind::flag, "show this help"},
            {"verbose", OptionSpec::Kind::flag, "debug logging", "", 'v'},
        },
        {"aciswarm publish app.aci --tracker=http://tracker:6969/announce "
         "--webseed-base=https://registry.example.com/ --out=/srv/registry",
         "aciswarm publish app.aci --tracker=http://t1:6969/announce "
         "--tracker=udp://t2:6969 --webseed-base=https://r.example.com/ --out=/srv/registry "
         "--piece-size=1M"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm publish");
    if (!opts) return code;
    if (opts->positional().size() != 1 || !opts->has("webseed-base") || !opts->has("out")) {
        ctx.err << "aciswarm publish: need IMAGE.aci, --webseed-base and --out\n" << parser.help();
        return exit_usage;
    }
    const fs::path image = opts->positional()[0];
    const fs::path out_dir = *opts->get("out");
    std::string base = *opts->get("webseed-base");
    if (!base.starts_with("https://") && !base.starts_with("http://")) {
        ctx.err << "aciswarm publish: --webseed-base '" << base << "': want an https:// URL\n";
        return exit_usage;
    }
    if (base.find('?') != std::string::npos || base.find('#') != std::string::npos) {
        ctx.err << "aciswarm publish: --webseed-base '" << base
                << "': no query or fragment (libtorrent refuses web seeds with a query on "
                   "private addresses)\n";
        return exit_usage;
    }
    if (!base.ends_with("/")) base += "/";
    int piece_size = 0;
    if (auto ps = opts->get("piece-size")) {
        // Power of two checked by create_torrent; 1 GiB is far beyond any client's limit.
        auto n = parse_size_option("--piece-size", *ps, 16 * 1024, 1 << 30);
        if (!n) {
            ctx.err << "aciswarm publish: " << n.error().message << "\n";
            return exit_usage;
        }
        piece_size = static_cast<int>(*n);
    }
    torrent::TorrentFormat format = torrent::TorrentFormat::v1;
    if (auto f = opts->get("torrent-format")) {
        auto parsed = torrent::parse_torrent_format(*f);
        if (!parsed) {
            ctx.err << "aciswarm publish: --torrent-format: " << parsed.error().message << "\n";
            return exit_usage;
        }
        format = *parsed;
    }
    const auto trackers = opts->get_all("tracker");
    if (trackers.empty()) ctx.log.warn("no --tracker: peers find each other only by LSD/DHT");

    // The store's rules (tar, one manifest, manifest schema, AC Identifier and
    // AC Names): what every agent's import checks after a fetch.
    auto aci = appc::validate_aci(image, appc::ImageExpectation{});
    if (!aci) {
        ctx.err << "aciswarm publish: " << aci.error().message << "\n";
        return exit_failure;
    }
    auto& manifest = aci->manifest;
    for (const char* key : {"version", "os", "arch"}) {
        auto it = manifest.labels.find(key);
        if (it == manifest.labels.end() || !safe_path_value(it->second)) {
            ctx.err << "aciswarm publish: " << image.string() << ": manifest has no usable '" << key
                    << "' label (discovery needs {" << key << "})\n";
            return exit_failure;
        }
    }
    const std::string& version = manifest.labels["version"];
    // {os}/{arch}/{name}-{version}: what the discovery template renders.
    const std::string rel =
        manifest.labels["os"] + "/" + manifest.labels["arch"] + "/" + manifest.name + "-" + version;
    const fs::path final_stem = out_dir / rel;
    const std::string file_name = fs::path(rel).filename().string();

    std::error_code ec;
    fs::create_directories(final_stem.parent_path(), ec);
    if (ec) {
        ctx.err << "aciswarm publish: " << final_stem.parent_path().string() << ": " << ec.message()
                << "\n";
        return exit_failure;
    }
    // One publisher at a time per DIR: published.json is read, changed, replaced.
    const fs::path lock_path = out_dir / ".publish.lock";
    const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX) != 0) {
        ctx.err << "aciswarm publish: cannot lock " << lock_path.string() << "\n";
        if (lock_fd >= 0) ::close(lock_fd);
        return exit_failure;
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } lock_closer{lock_fd};
    Staging staging{out_dir / (".staging-" + std::to_string(::getpid()))};
    fs::remove_all(staging.path, ec);
    fs::create_directories(staging.path, ec);
    const fs::path staged_aci = staging.path / (file_name + ".aci");
    fs::copy_file(image, staged_aci, fs::copy_options::overwrite_existing, ec);
    if (ec) {
        ctx.err << "aciswarm publish: copy " << image.string() << ": " << ec.message() << "\n";
        return exit_failure;
    }
    torrent::CreateTorrentOptions topts;
    topts.format = format;
    topts.trackers = trackers;
    topts.web_seeds = {base + rel + ".aci"};
    topts.piece_size = piece_size;
    topts.comment = manifest.name + " " + version;
    auto torrent = torrent::create_torrent(staged_aci, topts);
    if (!torrent) {
        ctx.err << "aciswarm publish: " << torrent.error().message << "\n";
        return exit_failure;
    }
    if (format != torrent::TorrentFormat::v1) {
        auto meta = torrent::parse_torrent(torrent->bytes);
        if (meta && torrent::piece_count_trips_v2_hash_bug(meta->num_pieces)) {
            ctx.log.warn("--piece-size ", piece_size, " gives ", meta->num_pieces,
                         " pieces (512·n + 1): libtorrent 2.0.8 peers cannot fetch this ",
                         torrent::torrent_format_name(format),
                         " torrent by magnet without encryption (docs/interop.md); "
                         "another piece size avoids it");
        }
    }
    auto magnet = torrent::make_magnet(torrent->bytes);
    if (!magnet) {
        ctx.err << "aciswarm publish: " << magnet.error().message << "\n";
        return exit_failure;
    }
    std::vector<std::pair<fs::path, fs::path>> moves{{staged_aci, final_stem.string() + ".aci"}};
    const fs::path signature = image.string() + ".asc";
    if (fs::exists(signature, ec)) {
        const fs::path staged_asc = staging.path / (file_name + ".aci.asc");
        fs::copy_file(signature, staged_asc, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            ctx.err << "aciswarm publish: copy " << signature.string() << ": " << ec.message()
                    << "\n";
            return exit_failure;
        }
        moves.emplace_back(staged_asc, final_stem.string() + ".aci.asc");
    }
    // --sign-key: sign the bytes as served, publish the public key beside them.
    std::string pubkey_url;
    if (auto key_file = opts->get("sign-key")) {
        auto signed_ok = sign_for_publish(*key_file, opts->get_or("passphrase-file", ""),
                                          staged_aci, staging.path, file_name, out_dir);
        if (!signed_ok) {
            ctx.err << "aciswarm publish: " << signed_ok.error().message << "\n";
            return exit_failure;
        }
        std::erase_if(moves, [](const auto& m) { return m.first.extension() == ".asc"; });
        for (auto& m : signed_ok->moves)
            moves.push_back(std::move(m));
        moves.back().second = final_stem.string() + ".aci.asc";
        pubkey_url = base + "pubkeys/" + signed_ok->fingerprint + ".asc";
    }
    const fs::path staged_torrent = staging.path / (file_name + ".torrent");
    const fs::path staged_magnet = staging.path / (file_name + ".magnet");
    for (auto [path, bytes] : {std::pair<fs::path, std::string>{staged_torrent, torrent->bytes},
                               {staged_magnet, *magnet + "\n"}}) {
        if (auto ok = write_file(path, bytes); !ok) {
            ctx.err << "aciswarm publish: " << ok.error().message << "\n";
            return exit_failure;
        }
    }
    moves.emplace_back(staged_torrent, final_stem.string() + ".torrent");
    moves.emplace_back(staged_magnet, final_stem.string() + ".magnet");

    // published.json: one entry per name + labels; re-publishing replaces it.
    const fs::path index_json = out_dir / "published.json";
    nlohmann::json published = nlohmann::json::array();
    if (fs::exists(index_json, ec)) {
        auto text = read_file(index_json);
        auto parsed = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
        if (!text || parsed.is_discarded() || !parsed.is_array()) {
            ctx.err << "aciswarm publish: " << index_json.string()
                    << ": unreadable or not a JSON array; fix or remove it\n";
            return exit_failure;
        }
        published = std::move(parsed);
    }
    nlohmann::json entry = {{"name", manifest.name},
                            {"labels", manifest.labels},
                            {"path", rel},
                            {"size", fs::file_size(staged_aci)},
                            {"torrent_format", torrent::torrent_format_name(format)},
                            {"info_hash_v1", hex_or_null(torrent->info_hashes.v1)},
                            {"info_hash_v2", hex_or_null(torrent->info_hashes.v2)},
                            {"webseed", base + rel + ".aci"}};
    if (!pubkey_url.empty()) entry["pubkey"] = pubkey_url;
    nlohmann::json kept = nlohmann::json::array();
    for (auto& item : published) {
        if (item.value("name", "") == manifest.name &&
            item.value("labels", nlohmann::json::object()) == entry["labels"]) {
            continue;
        }
        kept.push_back(std::move(item));
    }
    kept.push_back(entry);
    const fs::path staged_json = staging.path / "published.json";
    const fs::path staged_html = staging.path / "index.html";
    if (auto ok = write_file(staged_json, kept.dump(2) + "\n"); !ok) {
        ctx.err << "aciswarm publish: " << ok.error().message << "\n";
        return exit_failure;
    }
    if (auto ok = write_file(staged_html, render_index(kept, base)); !ok) {
        ctx.err << "aciswarm publish: " << ok.error().message << "\n";
        return exit_failure;
    }
    moves.emplace_back(staged_json, index_json);
    moves.emplace_back(staged_html, out_dir / "index.html");
    for (const auto& [from, to] : moves) {
        fs::rename(from, to, ec);
        if (ec) {
            ctx.err << "aciswarm publish: rename to " << to.string() << ": " << ec.message()
                    << "\n";
            return exit_failure;
        }
    }
    ctx.log.info("published ", manifest.name, " ", version, " as ", rel, " (",
                 torrent::torrent_format_name(format), " torrent, info hash ",
                 torrent->info_hashes.best().hex(), ")");
    ctx.out << "torrent " << final_stem.string() << ".torrent\n"
            << "magnet " << *magnet << "\n"
            << "torrent-format " << torrent::torrent_format_name(format) << "\n";
    // A v1 torrent has no v2 hash and a v2 torrent no v1 hash: print the ones it has.
    if (torrent->info_hashes.v1) ctx.out << "info-hash " << torrent->info_hashes.v1->hex() << "\n";
    if (torrent->info_hashes.v2)
        ctx.out << "info-hash-v2 " << torrent->info_hashes.v2->hex() << "\n";
    ctx.out << "image-id " << aci->id.full() << "\n";
    return exit_ok;
}

}  // namespace aciswarm::agent
