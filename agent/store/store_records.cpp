// The index's rows: ImageRecord <-> SQLite columns, lookups, and the metadata
// updates that touch one row (each one statement, so atomic on its own).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "agent/store/store_impl.hpp"

namespace aciswarm::agent::store {
namespace fs = std::filesystem;
namespace {

Labels labels_from_json(std::string_view text) {
    Labels out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return out;
    for (const auto& [k, v] : j.items()) {
        if (v.is_string()) out.emplace(k, v.get<std::string>());
    }
    return out;
}

Compression compression_from(std::string_view s) {
    for (Compression c :
         {Compression::gzip, Compression::bzip2, Compression::xz, Compression::zstd}) {
        if (compression_name(c) == s) return c;
    }
    return Compression::none;
}

bool labels_match(const Labels& have, const Labels& want) {
    return std::all_of(want.begin(), want.end(), [&](const auto& kv) {
        auto it = have.find(kv.first);
        return it != have.end() && it->second == kv.second;
    });
}

constexpr const char* record_columns =
    "id, blob_sha512, size, compression, name, labels, info_hash_v1, info_hash_v2, torrent, "
    "url_aci, url_asc, url_torrent, url_magnet, etag, max_age, imported_at, last_used, pinned, "
    "seeding_policy, verified_by, verified_at";

}  // namespace

std::int64_t to_unix_ms(Clock::WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::WallTime from_unix_ms(std::int64_t ms) {
    return Clock::WallTime(
        std::chrono::duration_cast<Clock::WallTime::duration>(std::chrono::milliseconds(ms)));
}

std::string labels_json(const Labels& labels) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : labels)
        j[k] = v;
    return j.dump();
}

std::string select_records(std::string_view where) {
    return std::string("SELECT ") + record_columns + " FROM images " + std::string(where);
}

HashColumns info_hash_columns(const InfoHashes& hashes) {
    return HashColumns{hashes.v1 ? std::optional(hashes.v1->hex()) : std::nullopt,
                       hashes.v2 ? std::optional(hashes.v2->hex()) : std::nullopt};
}

Result<ImageRecord> Store::Impl::record_from(const Stmt& s) const {
    ImageRecord r;
    auto id = ImageId::parse(s.text(0));
    if (!id) return with_context("store index", std::move(id).error());
    r.id = *id;
    auto blob = BlobSha512::from_hex(s.text(1));
    if (!blob) return with_context("store index", std::move(blob).error());
    r.blob_sha512 = *blob;
    r.size = static_cast<std::uint64_t>(s.int64(2));
    r.compression = compression_from(s.text(3));
    r.name = s.text(4);
    r.labels = labels_from_json(s.text(5));
    if (!s.is_null(6)) {
        if (auto h = InfoHash::from_hex(s.text(6))) r.info_hashes.v1 = *h;
    }
    if (!s.is_null(7)) {
        if (auto h = InfoHashV2::from_hex(s.text(7))) r.info_hashes.v2 = *h;
    }
    r.torrent = s.text(8);
    r.urls = SourceUrls{s.text(9), s.text(10), s.text(11), s.text(12)};
    if (!s.is_null(13)) r.etag = s.text(13);
    if (!s.is_null(14)) r.max_age = std::chrono::seconds(s.int64(14));
    r.imported_at = from_unix_ms(s.int64(15));
    r.last_used = from_unix_ms(s.int64(16));
    r.pinned = s.int64(17) != 0;
    r.seeding_policy = s.text(18);
    r.verified_by = s.text(19);
    if (!s.is_null(20)) r.verified_at = from_unix_ms(s.int64(20));
    std::error_code ec;
    r.has_signature = fs::exists(signature_path(r.id), ec);
    return r;
}

Result<std::vector<ImageRecord>> Store::Impl::query(const std::string& sql,
                                                    const std::function<void(Stmt&)>& bind) const {
    Stmt s(db, sql.c_str());
    if (!s.ok()) return sql_error("prepare query");
    if (bind) bind(s);
    std::vector<ImageRecord> out;
    for (;;) {
        const int rc = s.step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return sql_error("query");
        auto r = record_from(s);
        if (!r) return std::move(r).error();
        out.push_back(std::move(*r));
    }
    return out;
}

Result<ImageRecord> Store::Impl::get(const ImageId& id) const {
    auto rows = query(select_records("WHERE key = ?1"), [&](Stmt& s) { s.bind(1, id.key()); });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::not_found, "no image " + id.display());
    return std::move(rows->front());
}

Status Store::Impl::update_one(const ImageId& id, const char* sql,
                               const std::function<void(Stmt&)>& bind) {
    Stmt s(db, sql);
    if (!s.ok()) return sql_error("prepare update");
    bind(s);
    if (s.step() != SQLITE_DONE) return sql_error("update " + id.display());
    if (sqlite3_changes(db) == 0) {
        return make_error(Errc::not_found, "no image " + id.display());
    }
    return {};
}

Status Store::Impl::delete_row(const ImageId& id) {
    Stmt s(db, "DELETE FROM images WHERE key = ?1");
    if (!s.ok()) {
        rollback();
        return sql_error("prepare remove");
    }
    s.bind(1, id.key());
    if (s.step() != SQLITE_DONE) {
        rollback();
        return sql_error("remove " + id.display());
    }
    return {};
}

Result<ImageRecord> Store::get(const ImageId& id) const {
    return impl_->get(id);
}

Result<ImageRecord> Store::find(std::string_view id_prefix) const {
    auto digits = normalize_image_id_prefix(id_prefix);
    if (!digits) return std::move(digits).error();
    std::vector<ImageId> candidates;
    {
        // Keys hold 64 hex digits; longer prefixes are checked by the resolver.
        Stmt s(impl_->db, "SELECT id FROM images WHERE substr(key, 8, ?2) = ?1");
        if (!s.ok()) return impl_->sql_error("prepare find");
        const std::string key_part = digits->substr(0, ImageId::key_hex_digits);
        s.bind(1, key_part).bind(2, static_cast<std::int64_t>(key_part.size()));
        for (;;) {
            const int rc = s.step();
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return impl_->sql_error("find");
            if (auto id = ImageId::parse(s.text(0))) candidates.push_back(*id);
        }
    }
    auto id = resolve_image_id_prefix(id_prefix, candidates);
    if (!id) return std::move(id).error();
    return impl_->get(*id);
}

Result<ImageRecord> Store::find_by_info_hash(const InfoHash& hash) const {
    auto rows =
        impl_->query(select_records("WHERE info_hash_v1 = ?1 OR substr(info_hash_v2, 1, 40) = ?1 "
                                    "ORDER BY imported_at DESC LIMIT 1"),
                     [&](Stmt& s) { s.bind(1, hash.hex()); });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::not_found, "no image with info hash " + hash.hex());
    return std::move(rows->front());
}

Result<ImageRecord> Store::find_by_info_hash_v2(const InfoHashV2& hash) const {
    auto rows =
        impl_->query(select_records("WHERE info_hash_v2 = ?1 ORDER BY imported_at DESC LIMIT 1"),
                     [&](Stmt& s) { s.bind(1, hash.hex()); });
    if (!rows) return std::move(rows).error();
    if (rows->empty()) {
        return make_error(Errc::not_found, "no image with v2 info hash " + hash.hex());
    }
    return std::move(rows->front());
}

Result<ImageRecord> Store::find_by_name(std::string_view name, const Labels& labels) const {
    auto rows = impl_->query(select_records("WHERE name = ?1 ORDER BY imported_at DESC, key"),
                             [&](Stmt& s) { s.bind(1, name); });
    if (!rows) return std::move(rows).error();
    for (auto& r : *rows) {
        if (labels_match(r.labels, labels)) return std::move(r);
    }
    std::string what = "no image named '" + std::string(name) + "'";
    for (const auto& [k, v] : labels)
        what += " " + k + "=" + v;
    return make_error(Errc::not_found, what);
}

Result<std::vector<ImageRecord>> Store::list() const {
    return impl_->query(select_records("ORDER BY imported_at DESC, key"), nullptr);
}

Result<std::string> Store::manifest(const ImageId& id) const {
    Stmt s(impl_->db, "SELECT manifest FROM images WHERE key = ?1");
    if (!s.ok()) return impl_->sql_error("prepare manifest");
    s.bind(1, id.key());
    if (s.step() != SQLITE_ROW) return make_error(Errc::not_found, "no image " + id.display());
    return s.text(0);
}

fs::path Store::blob_path(const ImageId& id) const {
    return impl_->blob_path(id);
}

fs::path Store::signature_path(const ImageId& id) const {
    return impl_->signature_path(id);
}

Status Store::attach_signature(const ImageId& id, std::string_view bytes) {
    auto sig = impl_->create_staging_file("signature");
    if (!sig) return std::move(sig).error();
    if (auto ok = sig->write(bytes); !ok) return ok;
    if (auto ok = sig->sync(); !ok) return ok;
    // Under the write lock, so recovery never sees the signature without its row.
    if (auto ok = impl_->exec("BEGIN IMMEDIATE", "begin attach signature"); !ok) return ok;
    if (auto r = impl_->get(id); !r) {
        impl_->rollback();
        return std::move(r).error();
    }
    if (::rename(sig->path().c_str(), signature_path(id).c_str()) != 0) {
        const int err = errno;
        impl_->rollback();
        return errno_error("store signature", id.display(), err);
    }
    sig->release();
    if (auto ok = fsync_directory(impl_->blobs.string()); !ok) {
        impl_->rollback();
        return ok;
    }
    return impl_->exec("COMMIT", "commit attach signature");
}

Status Store::set_torrent(const ImageId& id, std::string_view torrent, const InfoHashes& hashes) {
    const HashColumns hex = info_hash_columns(hashes);
    return impl_->update_one(
        id, "UPDATE images SET torrent = ?2, info_hash_v1 = ?3, info_hash_v2 = ?4 WHERE key = ?1",
        [&](Stmt& s) {
            s.bind(1, id.key()).bind_blob(2, torrent).bind_opt(3, hex.v1).bind_opt(4, hex.v2);
        });
}

Status Store::touch(const ImageId& id) {
    const std::int64_t now = to_unix_ms(impl_->clock->wall_now());
    return impl_->update_one(id, "UPDATE images SET last_used = ?2 WHERE key = ?1",
                             [&](Stmt& s) { s.bind(1, id.key()).bind(2, now); });
}

Status Store::set_pinned(const ImageId& id, bool pinned) {
    return impl_->update_one(id, "UPDATE images SET pinned = ?2 WHERE key = ?1", [&](Stmt& s) {
        s.bind(1, id.key()).bind(2, std::int64_t{pinned ? 1 : 0});
    });
}

Status Store::set_seeding_policy(const ImageId& id, std::string_view policy) {
    return impl_->update_one(id, "UPDATE images SET seeding_policy = ?2 WHERE key = ?1",
                             [&](Stmt& s) { s.bind(1, id.key()).bind(2, policy); });
}

}  // namespace aciswarm::agent::store
