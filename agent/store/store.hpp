// The content-addressed image store: every fetched image lands here and the
// daemon seeds from here. It never holds a wrong or partial image.
//
// Layout under the root (see docs/store.md):
//   index.db                      SQLite index (WAL), schema versioned (schema.hpp)
//   blobs/sha512-<64 hex>.aci     the .aci exactly as fetched (seedable byte for byte)
//   blobs/sha512-<64 hex>.aci.asc its detached signature, when known
//   staging/                      downloads and imports in progress
//   quarantine/                   blobs `verify` found corrupt
//
// Keys are rkt's: "sha512-" + the first 64 hex digits of the image ID.
//
// Crash safety: a blob is written to staging/, fsynced, then renamed into
// blobs/ inside the write transaction that inserts its row; the directory is
// fsynced before the commit. Store::open() removes staging files no live
// process holds (each StagingFile holds an flock; a directory counts as held
// while a live process holds an flock on its ".lock" file), blobs without a row and
// rows without a blob, so `kill -9` at any moment leaves no partial image and
// no orphan row. Several processes may open the same root at once (SQLite
// WAL + busy timeout); importing the same image twice ends as one entry.
//
// Thread ownership: a Store (one SQLite connection) is owned by one thread;
// open one Store per thread. A StagingFile belongs to the thread that made it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appc/aci_reader.hpp"
#include "appc/label.hpp"
#include "appc/manifest.hpp"
#include "common/clock.hpp"
#include "common/image_id.hpp"
#include "common/info_hash.hpp"
#include "common/log.hpp"
#include "common/result.hpp"

namespace aciswarm::agent::store {

// The store indexes appc images and speaks appc's vocabulary: its records and
// requests carry these types as they are.
using appc::AciInfo;
using appc::AciLimits;
using appc::BlobSha512;
using appc::ChunkReader;
using appc::Compression;
using appc::default_max_image_size;
using appc::ImageExpectation;
using appc::Labels;

class EarlyPass;  // agent/store/early_pass.hpp

// Where an image came from (appc discovery's endpoints); empty = unknown.
struct SourceUrls {
    std::string aci;
    std::string asc;
    std::string torrent;
    std::string magnet;
};

// Seeding policies the store understands when collecting garbage: an image
// whose policy is neither empty nor "none" counts as seeding and is kept.
// The daemon owns the policy's meaning ("always", "24h", ...).
inline constexpr std::string_view seeding_none = "none";

struct ImportRequest {
    ImageExpectation expected;  // name + labels (rkt's rule); empty = anything
    SourceUrls urls;
    std::string torrent;     // .torrent bytes, if any
    InfoHashes info_hashes;  // v1 and/or v2, if known
    std::optional<std::string> etag;
    std::optional<std::chrono::seconds> max_age;
    std::string seeding_policy;            // "" = none
    std::optional<std::string> signature;  // .aci.asc bytes to store beside the blob
    bool pinned = false;
    // Rename the file into the store instead of copying it. The file must be
    // on the store's file system (a StagingFile is); it is gone afterwards,
    // whether the import succeeds or fails validation.
    bool move = false;
    // With move: the import's pass, already run while the file was written
    // (early_pass.hpp). Used when it read this very file; else the import
    // reads the file itself. Not owned.
    EarlyPass* early_pass = nullptr;
    // Called with the staged blob (validated, fsynced, not yet visible) and
    // the manifest's name; an error aborts the import and nothing is stored.
    // Returns what the store records as verified_by (trust/: the fingerprint
    // of the key that verified the image's signature; "" = not verified).
    std::function<Result<std::string>(const std::filesystem::path& blob, std::string_view name)>
        verify;
};

struct ImageRecord {
    ImageId id;
    BlobSha512 blob_sha512;
    std::uint64_t size = 0;
    Compression compression = Compression::none;
    std::string name;
    Labels labels;
    InfoHashes info_hashes;
    std::string torrent;  // .torrent bytes, empty when none
    SourceUrls urls;
    std::optional<std::string> etag;
    std::optional<std::chrono::seconds> max_age;
    Clock::WallTime imported_at;
    Clock::WallTime last_used;
    bool pinned = false;
    std::string seeding_policy;
    bool has_signature = false;
    // Fingerprint of the trusted key that verified the signature; "" = not verified.
    std::string verified_by;
    std::optional<Clock::WallTime> verified_at;

    std::string key() const { return id.key(); }
    // Seeding for gc purposes: policy neither empty nor "none".
    bool seeding() const { return !seeding_policy.empty() && seeding_policy != seeding_none; }
};

// A file in staging/ being written (a download, an import's copy). Holds an
// exclusive flock so Store::open() in another process leaves it alone; the
// file is deleted when the object dies unless it was imported with move.
class StagingFile {
  public:
    StagingFile() = default;
    ~StagingFile();
    StagingFile(StagingFile&& other) noexcept;
    StagingFile& operator=(StagingFile&& other) noexcept;
    StagingFile(const StagingFile&) = delete;
    StagingFile& operator=(const StagingFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    int fd() const { return fd_; }  // open read-write
    // Writes all bytes at the current offset; the error names the file.
    Status write(std::span<const std::uint8_t> bytes);
    Status write(std::string_view bytes);
    Status sync();
    // Forget the file without deleting it (after it was renamed away).
    void release();

  private:
    friend class Store;
    StagingFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
    std::filesystem::path path_;
    int fd_ = -1;
};

struct GcOptions {
    // Images not used (imported, fetched, run, touched) for this long go.
    std::chrono::seconds older_than{std::chrono::hours(24)};
    bool dry_run = false;
    // Extra veto from the caller (the daemon's live seeding state): true keeps.
    std::function<bool(const ImageRecord&)> keep;
};

struct VerifyReport {
    std::size_t checked = 0;
    std::vector<ImageId> ok;
    // Blob bytes no longer hash to the recorded digest or image ID (moved to
    // quarantine/ and their rows removed), with the reason.
    std::vector<std::pair<ImageId, std::string>> corrupt;
    std::vector<ImageId> missing;  // row without blob (row removed)
};

struct DiskUsage {
    std::size_t images = 0;
    std::uint64_t blob_bytes = 0;       // .aci blobs
    std::uint64_t signature_bytes = 0;  // .aci.asc
    std::uint64_t index_bytes = 0;      // index.db + WAL
    std::uint64_t staging_bytes = 0;
    std::uint64_t quarantine_bytes = 0;
    std::uint64_t total() const {
        return blob_bytes + signature_bytes + index_bytes + staging_bytes + quarantine_bytes;
    }
};

struct StoreOptions {
    // Test hook: called at named points of an import ("staged", "synced",
    // "renamed", "committed") and removal ("row-deleted"). The CLI wires it to
    // the ACISWARM_TEST_PAUSE_AT environment variable so integration tests can
    // kill -9 the binary at a deterministic point.
    std::function<void(std::string_view point)> on_point;
    std::chrono::milliseconds busy_timeout{std::chrono::seconds(30)};
    // The largest image accepted, as stored and uncompressed (--max-image-size);
    // fetches also cap downloads at it.
    std::uint64_t max_image_size = default_max_image_size;
    // Open for reading only (image list, cat-manifest, export, du): needs
    // only read access to the store. No directory, open.lock, staging
    // cleanup, recovery or migration; SQLite opens the index read-only (and,
    // when no writer has it open and no -wal/-shm file exists, as immutable,
    // since a reader that cannot create -shm cannot open a WAL database
    // otherwise). Writes through such a Store fail. A store without
    // index.db yet is opened read-write as usual (created, then empty).
    bool read_only = false;
};

// The default root: /var/lib/aciswarm for root (uid 0); for other users
// $XDG_DATA_HOME/aciswarm, else $HOME/.local/share/aciswarm; an error naming
// --store when none of these is known. Pure: the caller passes uid and env.
Result<std::filesystem::path> default_store_root(uid_t uid, const char* xdg_data_home,
                                                 const char* home);

class Store {
  public:
    // Creates the directories, runs schema migrations, removes abandoned
    // staging files and orphan blobs/rows.
    static Result<Store> open(const std::filesystem::path& root, const Clock& clock, Logger& log,
                              StoreOptions options = {});
    ~Store();
    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;

    const std::filesystem::path& root() const;
    std::uint64_t max_image_size() const;
    std::filesystem::path staging_dir() const;
    // A new empty file in staging/ (name: hint + random suffix), flocked.
    Result<StagingFile> create_staging_file(std::string_view hint = "download");

    // Validates and imports an .aci in one streaming pass. The same image
    // again (same ID) keeps one entry: its metadata is updated with what the
    // request gives (URLs, torrent, info hashes, etag, max-age, signature),
    // and last use is refreshed. Errors name the file and leave the store as it was.
    Result<ImageRecord> import_file(const std::filesystem::path& path,
                                    const ImportRequest& request);
    // Import from a StagingFile (move semantics; the StagingFile is consumed).
    Result<ImageRecord> import_staged(StagingFile file, const ImportRequest& request);

    // Lookups. Errc::not_found when nothing matches.
    Result<ImageRecord> get(const ImageId& id) const;
    // "sha512-abc", "abc": a unique prefix; Errc::ambiguous lists the matches.
    Result<ImageRecord> find(std::string_view id_prefix) const;
    // By the 20-byte hash a swarm is announced under: v1, or truncated v2.
    Result<ImageRecord> find_by_info_hash(const InfoHash& hash) const;
    Result<ImageRecord> find_by_info_hash_v2(const InfoHashV2& hash) const;
    // The newest import with this name carrying all these labels (rkt's rule).
    Result<ImageRecord> find_by_name(std::string_view name, const Labels& labels = {}) const;
    // Every image, newest import first.
    Result<std::vector<ImageRecord>> list() const;
    // The manifest bytes as found in the image.
    Result<std::string> manifest(const ImageId& id) const;

    // The blob, exactly as fetched (seed it byte for byte); may not exist.
    std::filesystem::path blob_path(const ImageId& id) const;
    std::filesystem::path signature_path(const ImageId& id) const;

    Status attach_signature(const ImageId& id, std::string_view bytes);
    Status set_torrent(const ImageId& id, std::string_view torrent, const InfoHashes& hashes);
    Status touch(const ImageId& id);  // last use = now
    Status set_pinned(const ImageId& id, bool pinned);
    Status set_seeding_policy(const ImageId& id, std::string_view policy);
    // Copies the blob to `dest` (atomically: temp file + rename), checking its digest.
    Status export_to(const ImageId& id, const std::filesystem::path& dest) const;

    Status remove(const ImageId& id);
    // Removes images unused for options.older_than that are not pinned, not
    // seeding and not kept by options.keep. Returns what was (or would be) removed.
    Result<std::vector<ImageRecord>> gc(const GcOptions& options);
    // Re-hashes every blob; corrupt ones go to quarantine/, their rows go.
    Result<VerifyReport> verify();
    Result<DiskUsage> disk_usage() const;

  private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    static Result<Store> open_read_only(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace aciswarm::agent::store
