// Resume data: saved as files (atomically) from the alert thread, periodically
// and on demand, and read back when a download with a resume file is added.
// kill -9 leaves the last complete file, never a torn one.
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/write_resume_data.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "agent/engine/engine_impl.hpp"
#include "common/url.hpp"
#include "torrent/lt_convert.hpp"

namespace aciswarm::engine {

Status write_file_atomically(const std::filesystem::path& path, const std::vector<char>& bytes) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return make_error(Errc::io, "write " + tmp + ": failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return make_error(Errc::io, "rename " + tmp + ": " + ec.message());
    return {};
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(Errc::io, "read " + path.string() + ": cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void apply_resume_file(lt::add_torrent_params& params, const std::filesystem::path& path,
                       Logger& log) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return;
    auto bytes = read_whole_file(path);
    if (!bytes) {
        log.warn("resume file ", path.string(), ": ", bytes.error().message, " (starting over)");
        return;
    }
    lt::error_code lt_ec;
    lt::add_torrent_params resumed = lt::read_resume_data(
        lt::span<const char>(bytes->data(), static_cast<std::ptrdiff_t>(bytes->size())), lt_ec);
    const lt::info_hash_t wanted = params.ti ? params.ti->info_hashes() : params.info_hashes;
    // A magnet may name only the v1 hash while the saved data knows both.
    const bool same =
        (wanted.has_v1() && resumed.info_hashes.has_v1() && wanted.v1 == resumed.info_hashes.v1) ||
        (wanted.has_v2() && resumed.info_hashes.has_v2() && wanted.v2 == resumed.info_hashes.v2);
    if (lt_ec || !same) {
        log.warn("resume file ", path.string(), ": ",
                 lt_ec ? lt_ec.message() : std::string("for another torrent"), " (starting over)");
        return;
    }
    if (!params.ti && resumed.ti) params.ti = resumed.ti;  // a magnet's metadata
    params.have_pieces = std::move(resumed.have_pieces);
    params.verified_pieces = std::move(resumed.verified_pieces);
    params.unfinished_pieces = std::move(resumed.unfinished_pieces);
    params.merkle_trees = std::move(resumed.merkle_trees);
    params.merkle_tree_mask = std::move(resumed.merkle_tree_mask);
    params.verified_leaf_hashes = std::move(resumed.verified_leaf_hashes);
    log.info("resuming ", path.filename().string(), ": ", params.have_pieces.count(),
             " pieces already here");
}

void Engine::Impl::maybe_save_resume() {
    const auto now = clock.now();
    std::lock_guard lock(mu);
    if (now - last_resume_save < config.resume_save_interval) return;
    last_resume_save = now;
    for (auto& [_, e] : entries) {
        if (!resume_path(e).empty() && e.handle.need_save_resume_data()) {
            request_resume_save(e.handle, lt::torrent_handle::only_if_modified);
        }
    }
}

// Alert thread. Under mu, and only for torrents still in the engine: remove()
// erases the entry before deleting the file, so a late save can't bring a
// removed torrent's resume file back.
void Engine::Impl::on_resume_data_saved(const lt::save_resume_data_alert& a) {
    const auto hashes = torrent::detail::from_lt(a.params.info_hashes);
    std::lock_guard lock(mu);
    --resume_outstanding;
    const Entry* owner = find_by_handle(a.handle);
    if (owner == nullptr) return;
    const std::filesystem::path path = resume_path(*owner);
    if (path.empty()) return;
    // Web seeds the gate holds back (or removed) are kept in the
    // resume data, so a resumed download still has its origin; never with
    // a registry's credentials (AddDownload::web_seed_url puts them back).
    lt::add_torrent_params params = a.params;
    std::vector<std::string> seeds = std::move(params.url_seeds);
    seeds.insert(seeds.end(), owner->gated_web_seeds.begin(), owner->gated_web_seeds.end());
    params.url_seeds.clear();
    for (const auto& url : seeds) {
        std::string kept = url_without_userinfo(url);
        if (std::find(params.url_seeds.begin(), params.url_seeds.end(), kept) ==
            params.url_seeds.end())
            params.url_seeds.push_back(std::move(kept));
    }
    std::vector<char> buf = lt::write_resume_data_buf(params);
    if (auto ok = write_file_atomically(path, buf); !ok) {
        log.warn("resume data ", hashes.best().hex(), ": ", ok.error().message);
    } else {
        log.debug("saved resume data for ", hashes.best().hex());
    }
}

void Engine::Impl::on_resume_data_failed(const lt::save_resume_data_failed_alert& a) {
    if (a.error != lt::errors::resume_data_not_modified) {
        log.debug("resume data: ", a.message());
    }
    std::lock_guard lock(mu);
    --resume_outstanding;
}

Status Engine::save_resume_data(TorrentId id, std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    auto entry = impl_->entry(id);
    if (!entry) return std::move(entry).error();
    if (impl_->resume_path(**entry).empty()) return {};
    impl_->request_resume_save((*entry)->handle, lt::torrent_handle::flush_disk_cache);
    if (!impl_->cv.wait_for(lock, timeout, [&] { return impl_->resume_outstanding <= 0; })) {
        return make_error(Errc::timeout, "resume data of torrent " + (*entry)->hashes.best().hex() +
                                             ": not saved within " +
                                             std::to_string(timeout.count()) + " ms");
    }
    return {};
}

Status Engine::save_resume_data(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    for (auto& [_, e] : impl_->entries) {
        if (impl_->resume_path(e).empty()) continue;
        impl_->request_resume_save(e.handle, lt::torrent_handle::flush_disk_cache);
    }
    const bool done =
        impl_->cv.wait_for(lock, timeout, [&] { return impl_->resume_outstanding <= 0; });
    if (!done) {
        return make_error(Errc::timeout,
                          "resume data: " + std::to_string(impl_->resume_outstanding) +
                              " torrents not saved within " + std::to_string(timeout.count()) +
                              " ms");
    }
    return {};
}
}  // namespace aciswarm::engine
