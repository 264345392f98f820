#include "agent/fetch/store_seed.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/text.hpp"
#include "torrent/torrent_file.hpp"

namespace aciswarm::agent::fetch {

namespace fs = std::filesystem;

Status check_torrent_file_name(std::string_view name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.find('\0') != std::string_view::npos) {
        return make_error(Errc::invalid_argument, "torrent file name '" + escape_control(name) +
                                                      "': not a plain file name");
    }
    return {};
}

namespace {

// The torrent must describe the blob byte for byte, or seeding serves
// nothing (libtorrent: oversized_file, or every piece failing).
Status check_torrent_fits_blob(store::Store& store, const store::ImageRecord& record,
                               const torrent::TorrentMeta& meta) {
    std::error_code size_ec;
    const fs::path blob = store.blob_path(record.id);
    const auto blob_size = fs::file_size(blob, size_ec);
    if (size_ec) {
        return make_error(Errc::io, "image " + record.id.display() + ": blob " + blob.string() +
                                        ": " + size_ec.message());
    }
    if (meta.num_files != 1 || meta.total_size < 0 ||
        static_cast<std::uint64_t>(meta.total_size) != blob_size) {
        return make_error(Errc::corrupt,
                          "image " + record.id.display() + ": its stored torrent describes " +
                              std::to_string(meta.total_size) + " bytes but the blob (" +
                              std::string(appc::compression_name(record.compression)) + ") has " +
                              std::to_string(blob_size) +
                              ": the torrent is for another copy of the image and cannot seed "
                              "it (remove the image and fetch it again)");
    }
    return {};
}

}  // namespace

Result<StoreSeed> StoreSeed::start(store::Store& store, engine::Engine& engine,
                                   const store::ImageRecord& record, const SeedOptions& options) {
    const std::string what = "image " + record.id.display();
    if (record.torrent.empty()) {
        return make_error(Errc::unsupported, what +
                                                 ": the store has no .torrent for it, so it "
                                                 "cannot be seeded (fetched by magnet or HTTPS)");
    }
    auto meta = torrent::parse_torrent(record.torrent);
    if (!meta) return with_context(what, std::move(meta).error());
    if (Status s = check_torrent_file_name(meta->name); !s)
        return make_error(Errc::unsupported,
                          what + ": " + s.error().message + "; it cannot be served");
    if (Status s = check_torrent_fits_blob(store, record, *meta); !s) return s.error();
    // A running download of the same swarm must finish (and be removed) first.
    if (engine.find(meta->info_hashes.best())) {
        return make_error(Errc::already_exists,
                          what +
                              ": its torrent is already in the engine (still downloading, or "
                              "seeded already)");
    }
    auto dir = LockedDir::create(store.staging_dir(), "seed");
    if (!dir) return std::move(dir).error();
    const fs::path link = dir->path() / meta->name;
    std::error_code ec;
    fs::create_hard_link(store.blob_path(record.id), link, ec);
    if (ec) {
        return make_error(Errc::io, "link " + store.blob_path(record.id).string() + " to " +
                                        link.string() + ": " + ec.message());
    }
    engine::AddSeed add;
    add.torrent = record.torrent;
    add.save_path = dir->path();
    add.verify = false;
    add.trackers = options.trackers;
    add.peers = options.peers;
    auto tid = engine.add_seed(add);
    if (!tid) return with_context("seed " + record.id.display(), std::move(tid).error());
    StoreSeed seed;
    seed.engine_ = &engine;
    seed.torrent_ = *tid;
    seed.dir_ = std::move(*dir);
    return seed;
}

StoreSeed::StoreSeed(StoreSeed&& other) noexcept
    : engine_(std::exchange(other.engine_, nullptr)),
      torrent_(other.torrent_),
      dir_(std::move(other.dir_)) {}

Status StoreSeed::stop() {
    Status removed;
    if (engine_ != nullptr) removed = engine_->remove(torrent_, false);
    engine_ = nullptr;
    dir_.reset();
    return removed;
}

StoreSeed::~StoreSeed() {
    if (Status s = stop(); !s)
        std::fprintf(stderr, "aciswarm: stop seeding: %s\n", s.error().message.c_str());
}

}  // namespace aciswarm::agent::fetch
