#include "agent/publish/publish.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "agent/publish/registry_index.hpp"
#include "appc/aci_reader.hpp"
#include "common/fd.hpp"
#include "common/file_read.hpp"
#include "trust/openpgp.hpp"

namespace aciswarm::agent::publish {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Bounds for the files a publisher names (keys are a few KiB; published.json
// grows by a few hundred bytes per image).
constexpr std::size_t max_key_file_bytes = 1 << 20;
constexpr std::size_t max_passphrase_file_bytes = 64 << 10;
constexpr std::size_t max_published_json_bytes = 64 << 20;

// (staged file, final path): renamed in order once everything is staged.
using Moves = std::vector<std::pair<fs::path, fs::path>>;

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

// A staging directory inside DIR, removed with whatever is left in it.
struct Staging {
    fs::path path;
    ~Staging() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

template <typename Hash>
json hex_or_null(const std::optional<Hash>& hash) {
    return hash ? json(hash->hex()) : json(nullptr);
}

// Where an image goes: {os}/{arch}/{name}-{version}, what the discovery
// template renders. Each label must be a usable path component.
Result<std::string> registry_path(const fs::path& image, const appc::ManifestInfo& manifest) {
    for (const char* key : {"version", "os", "arch"}) {
        auto it = manifest.labels.find(key);
        if (it == manifest.labels.end() || !safe_path_value(it->second)) {
            return make_error(Errc::invalid_argument,
                              image.string() + ": manifest has no usable '" + key +
                                  "' label (discovery needs {" + key + "})");
        }
    }
    return manifest.labels.at("os") + "/" + manifest.labels.at("arch") + "/" + manifest.name + "-" +
           manifest.labels.at("version");
}

// One publisher at a time per DIR: published.json is read, changed, replaced.
Result<UniqueFd> lock_registry(const fs::path& out_dir) {
    const fs::path lock_path = out_dir / ".publish.lock";
    UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd || ::flock(fd.get(), LOCK_EX) != 0) {
        return make_error(Errc::io, "cannot lock " + lock_path.string());
    }
    return fd;
}

Result<torrent::CreatedTorrent> make_torrent(const fs::path& staged_aci,
                                             const PublishRequest& request,
                                             const appc::ManifestInfo& manifest,
                                             const std::string& webseed, Logger& log) {
    torrent::CreateTorrentOptions options;
    options.format = request.format;
    options.trackers = request.trackers;
    options.web_seeds = {webseed};
    options.piece_size = request.piece_size;
    options.private_torrent = request.private_torrent;
    options.comment = manifest.name + " " + manifest.labels.at("version");
    auto created = torrent::create_torrent(staged_aci, options);
    if (!created || request.format == torrent::TorrentFormat::v1) return created;
    auto meta = torrent::parse_torrent(created->bytes);
    if (meta && torrent::piece_count_trips_v2_hash_bug(meta->num_pieces)) {
        log.warn("--piece-size ", request.piece_size, " gives ", meta->num_pieces,
                 " pieces (512·n + 1): libtorrent 2.0.8 peers cannot fetch this ",
                 torrent::torrent_format_name(request.format),
                 " torrent by magnet without encryption (docs/interop.md); "
                 "another piece size avoids it");
    }
    return created;
}

struct SignKey {
    std::string secret;
    std::string passphrase;
};

Result<SignKey> read_sign_key(const PublishRequest& request) {
    auto key = read_file_bounded(request.sign_key_file, max_key_file_bytes);
    if (!key) return with_context("--sign-key", std::move(key).error());
    SignKey out{std::move(*key), {}};
    if (!request.passphrase_file.empty()) {
        auto text = read_file_bounded(request.passphrase_file, max_passphrase_file_bytes);
        if (!text) return with_context("--passphrase-file", std::move(text).error());
        out.passphrase = text->substr(0, text->find('\n'));
    }
    return out;
}

// Signs the staged image with the request's key; stages the public key (→
// DIR/pubkeys/<fingerprint>.asc) and the signature (→ `asc_target`). Returns
// the public key's URL.
Result<std::string> sign_image(const PublishRequest& request, const fs::path& staged_aci,
                               const fs::path& asc_target, Moves& moves) {
    auto key = read_sign_key(request);
    if (!key) return std::move(key).error();
    const std::string what = "--sign-key " + request.sign_key_file;
    auto public_key = trust::public_key_of_secret(trust::as_bytes(key->secret), what);
    if (!public_key) return std::move(public_key).error();
    auto info = trust::read_public_key(trust::as_bytes(*public_key), what);
    if (!info) return std::move(info).error();
    auto signature =
        trust::sign_detached_file(staged_aci, trust::as_bytes(key->secret), key->passphrase, what);
    if (!signature) return std::move(signature).error();
    const std::string fingerprint = info->fingerprint.hex;
    const fs::path staging = staged_aci.parent_path();
    const fs::path staged_key = staging / (fingerprint + ".pubkey.asc");
    const fs::path staged_asc = staging / (asc_target.filename().string());
    if (auto ok = write_file(staged_key, *public_key); !ok) return std::move(ok).error();
    if (auto ok = write_file(staged_asc, *signature); !ok) return std::move(ok).error();
    const fs::path pubkeys = request.out_dir / "pubkeys";
    std::error_code ec;
    fs::create_directories(pubkeys, ec);
    if (ec) return make_error(Errc::io, pubkeys.string() + ": " + ec.message());
    moves.emplace_back(staged_key, pubkeys / (fingerprint + ".asc"));
    moves.emplace_back(staged_asc, asc_target);
    return request.webseed_base + "pubkeys/" + fingerprint + ".asc";
}

// The image's signature: made with the sign key when given (the bytes as
// served), else IMAGE.aci.asc copied when it exists. Returns the public key's
// URL when signed here, "" otherwise.
Result<std::string> stage_signature(const PublishRequest& request, const fs::path& staged_aci,
                                    const fs::path& asc_target, Moves& moves) {
    if (!request.sign_key_file.empty()) return sign_image(request, staged_aci, asc_target, moves);
    std::error_code ec;
    const fs::path signature = request.image.string() + ".asc";
    if (!fs::exists(signature, ec)) return std::string();
    const fs::path staged_asc = staged_aci.parent_path() / asc_target.filename();
    fs::copy_file(signature, staged_asc, fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(Errc::io, "copy " + signature.string() + ": " + ec.message());
    moves.emplace_back(staged_asc, asc_target);
    return std::string();
}

// published.json as it is now (an empty array when there is none).
Result<json> read_published(const fs::path& index_json) {
    std::error_code ec;
    if (!fs::exists(index_json, ec)) return json::array();
    auto text = read_file_bounded(index_json.string(), max_published_json_bytes);
    if (!text) {
        return make_error(
            text.error().code,
            index_json.string() + ": unreadable or not a JSON array; fix or remove it");
    }
    return parse_published(*text, index_json.string());
}

struct StagedImage {
    const appc::AciInfo& aci;
    const std::string& rel;
    const fs::path& staged_aci;
    const torrent::CreatedTorrent& created;
    const std::string& pubkey_url;
};

json published_entry(const PublishRequest& request, const StagedImage& image) {
    json entry = {{"name", image.aci.manifest.name},
                  {"labels", image.aci.manifest.labels},
                  {"path", image.rel},
                  {"size", fs::file_size(image.staged_aci)},
                  {"torrent_format", torrent::torrent_format_name(request.format)},
                  {"info_hash_v1", hex_or_null(image.created.info_hashes.v1)},
                  {"info_hash_v2", hex_or_null(image.created.info_hashes.v2)},
                  {"webseed", request.webseed_base + image.rel + ".aci"}};
    if (!image.pubkey_url.empty()) entry["pubkey"] = image.pubkey_url;
    return entry;
}

// Stages published.json with this image's entry replaced, and index.html.
Status stage_index(const PublishRequest& request, const StagedImage& image, Moves& moves) {
    const fs::path index_json = request.out_dir / "published.json";
    auto published = read_published(index_json);
    if (!published) return std::move(published).error();
    const json kept = replace_entry(std::move(*published), published_entry(request, image));
    const fs::path staging = image.staged_aci.parent_path();
    const fs::path staged_json = staging / "published.json";
    const fs::path staged_html = staging / "index.html";
    if (auto ok = write_file(staged_json, kept.dump(2) + "\n"); !ok) return ok;
    if (auto ok = write_file(staged_html, render_index(kept, request.webseed_base)); !ok) return ok;
    moves.emplace_back(staged_json, index_json);
    moves.emplace_back(staged_html, request.out_dir / "index.html");
    return {};
}

Status rename_all(const Moves& moves) {
    std::error_code ec;
    for (const auto& [from, to] : moves) {
        fs::rename(from, to, ec);
        if (ec) return make_error(Errc::io, "rename to " + to.string() + ": " + ec.message());
    }
    return {};
}

// Copies the image into staging as {name}-{version}.aci.
Result<fs::path> stage_image(const fs::path& image, const fs::path& staging,
                             const std::string& file_name) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    fs::create_directories(staging, ec);
    const fs::path staged_aci = staging / (file_name + ".aci");
    fs::copy_file(image, staged_aci, fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(Errc::io, "copy " + image.string() + ": " + ec.message());
    return staged_aci;
}

}  // namespace

Result<std::string> check_webseed_base(std::string base) {
    if (!base.starts_with("https://") && !base.starts_with("http://")) {
        return make_error(Errc::invalid_argument,
                          "--webseed-base '" + base + "': want an https:// URL");
    }
    if (base.find('?') != std::string::npos || base.find('#') != std::string::npos) {
        return make_error(Errc::invalid_argument,
                          "--webseed-base '" + base +
                              "': no query or fragment (libtorrent refuses web seeds with a query "
                              "on private addresses)");
    }
    if (!base.ends_with("/")) base += "/";
    return base;
}

Result<PublishedImage> publish_image(const PublishRequest& request, Logger& log) {
    if (request.private_torrent && request.trackers.empty()) {
        return make_error(Errc::invalid_argument,
                          "--private needs a --tracker: a private torrent's peers come only "
                          "from its trackers");
    }
    if (request.trackers.empty()) log.warn("no --tracker: peers find each other only by LSD/DHT");
    auto aci = appc::validate_aci(request.image, appc::ImageExpectation{});
    if (!aci) return std::move(aci).error();
    auto rel = registry_path(request.image, aci->manifest);
    if (!rel) return std::move(rel).error();
    const fs::path final_stem = request.out_dir / *rel;
    std::error_code ec;
    fs::create_directories(final_stem.parent_path(), ec);
    if (ec) return make_error(Errc::io, final_stem.parent_path().string() + ": " + ec.message());
    auto lock = lock_registry(request.out_dir);
    if (!lock) return std::move(lock).error();
    Staging staging{request.out_dir / (".staging-" + std::to_string(::getpid()))};
    auto staged_aci = stage_image(request.image, staging.path, final_stem.filename().string());
    if (!staged_aci) return std::move(staged_aci).error();
    const std::string webseed = request.webseed_base + *rel + ".aci";
    auto created = make_torrent(*staged_aci, request, aci->manifest, webseed, log);
    if (!created) return std::move(created).error();
    auto magnet = torrent::make_magnet(created->bytes);
    if (!magnet) return std::move(magnet).error();
    Moves moves{{*staged_aci, final_stem.string() + ".aci"}};
    auto pubkey_url =
        stage_signature(request, *staged_aci, final_stem.string() + ".aci.asc", moves);
    if (!pubkey_url) return std::move(pubkey_url).error();
    for (const auto& [ext, bytes] :
         {std::pair<std::string, std::string>{".torrent", created->bytes},
          {".magnet", *magnet + "\n"}}) {
        const fs::path staged = staged_aci->parent_path() / (final_stem.filename().string() + ext);
        if (auto ok = write_file(staged, bytes); !ok) return std::move(ok).error();
        moves.emplace_back(staged, final_stem.string() + ext);
    }
    const StagedImage staged{*aci, *rel, *staged_aci, *created, *pubkey_url};
    if (auto ok = stage_index(request, staged, moves); !ok) return std::move(ok).error();
    if (auto ok = rename_all(moves); !ok) return std::move(ok).error();
    return PublishedImage{aci->manifest.name,
                          aci->manifest.labels.at("version"),
                          *rel,
                          final_stem.string() + ".torrent",
                          std::move(*magnet),
                          created->info_hashes,
                          aci->id.full()};
}

}  // namespace aciswarm::agent::publish
