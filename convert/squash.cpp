#include "convert/squash.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>
#include <unordered_set>

#include "common/text.hpp"
#include "convert/layer_path.hpp"
#include "convert/overlay.hpp"

namespace aciswarm::convert {
namespace {

namespace fs = std::filesystem;

struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadArchive = std::unique_ptr<archive, ReadFree>;
using WriteArchive = std::unique_ptr<archive, WriteFree>;
using Entry = std::unique_ptr<archive_entry, EntryFree>;

constexpr std::string_view rootfs_prefix = "rootfs/";

std::string archive_message(archive* a) {
    const char* why = archive_error_string(a);
    return why ? why : "unknown libarchive error";
}

// A hard link still to be written: `path` links to `target` (both in the tree).
struct PendingLink {
    std::string path;
    std::string target;
};

class Squasher {
  public:
    Squasher(const std::vector<LayerFile>& layers, const SquashOptions& options)
        : layers_(layers), options_(options), buffer_(std::size_t{1} << 16) {}

    // Into `path`, or into `fd` when `path` is empty.
    Result<SquashStats> run(std::string_view manifest_json, const fs::path& path, int fd);

  private:
    std::string what(int layer) const {
        return "layer " + std::to_string(layer) + " (" + escape_control(layers_[layer].name, 128) +
               ")";
    }
    Error layer_error(int layer, Errc code, const std::string& why) const {
        return make_error(code, what(layer) + ": " + why);
    }
    Result<ReadArchive> open_layer(int layer) const;
    using EntryHandler = Status (Squasher::*)(int, archive*, archive_entry*, const LayerPath&);
    Status read_layer(int layer, EntryHandler on_entry);
    Status squash_entry(int layer, archive* in, archive_entry* e, const LayerPath& where);
    Status keep_entry(int layer, archive* in, archive_entry* e, const std::string& path,
                      NodeType type);
    Status copy_orphan(int layer, archive* in, archive_entry* e, const LayerPath& where);
    Result<NodeType> node_type(int layer, archive_entry* e, const std::string& path) const;
    Status write_entry(archive_entry* e, const std::string& path, const std::string* link_target);
    Status copy_data(int layer, archive* in, const std::string& path);
    Status write_manifest(std::string_view manifest_json);
    Status write_tail();

    const std::vector<LayerFile>& layers_;
    const SquashOptions& options_;
    std::vector<char> buffer_;
    WriteArchive out_;
    OverlayState state_;
    SquashStats stats_;
    std::uint64_t content_bytes_ = 0;
    std::vector<PendingLink> links_;
    // Per layer: target → links of that layer whose target a higher layer replaced.
    std::map<int, std::map<std::string, std::vector<std::string>>> orphans_;
    std::unordered_set<std::string> orphan_copies_;  // links written as regular files
};

Result<ReadArchive> Squasher::open_layer(int layer) const {
    ReadArchive a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_empty(a.get());
    if (archive_read_open_filename(a.get(), layers_[layer].path.c_str(), buffer_.size()) !=
        ARCHIVE_OK) {
        return layer_error(layer, Errc::io,
                           layers_[layer].path.string() + ": " + archive_message(a.get()));
    }
    return a;
}

// Offers every entry of `layer` to `on_entry`, in tar order.
Status Squasher::read_layer(int layer, EntryHandler on_entry) {
    auto in = open_layer(layer);
    if (!in) return std::move(in).error();
    archive_entry* e = nullptr;
    for (;;) {
        const int r = archive_read_next_header(in->get(), &e);
        if (r == ARCHIVE_EOF) return {};
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            return layer_error(layer, Errc::corrupt, archive_message(in->get()));
        }
        auto where =
            classify_layer_entry(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        if (!where) return layer_error(layer, Errc::invalid_argument, where.error().message);
        if (auto ok = (this->*on_entry)(layer, in->get(), e, *where); !ok) return ok;
        if (state_.size() > options_.max_paths) {
            return layer_error(
                layer, Errc::too_large,
                "more than " + std::to_string(options_.max_paths) + " paths in the image");
        }
    }
}

Result<NodeType> Squasher::node_type(int layer, archive_entry* e, const std::string& path) const {
    if (archive_entry_hardlink(e) != nullptr) return NodeType::hard_link;
    switch (archive_entry_filetype(e)) {
        case AE_IFDIR:
            return NodeType::directory;
        case AE_IFREG:
            return NodeType::regular;
        case AE_IFLNK:
        case AE_IFIFO:
            return NodeType::other;
        case AE_IFCHR:
        case AE_IFBLK:
            if (options_.allow_devices) return NodeType::other;
            return layer_error(
                layer, Errc::permission,
                "entry '" + escape_control(path, 256) + "' is a device node (not allowed)");
        default:
            return layer_error(
                layer, Errc::unsupported,
                "entry '" + escape_control(path, 256) + "' has a file type an image cannot hold");
    }
}

Status Squasher::squash_entry(int layer, archive* in, archive_entry* e, const LayerPath& where) {
    switch (where.kind) {
        case LayerEntryKind::root:
        case LayerEntryKind::ignore:
            return {};
        case LayerEntryKind::whiteout:
            state_.offer_whiteout(where.path, layer);
            return {};
        case LayerEntryKind::opaque: {
            auto ok = state_.offer_opaque(where.path, layer);
            return ok ? ok : layer_error(layer, Errc::invalid_argument, ok.error().message);
        }
        case LayerEntryKind::normal:
            break;
    }
    auto type = node_type(layer, e, where.path);
    if (!type) return std::move(type).error();
    auto keep = state_.offer_entry(where.path, *type, layer);
    if (!keep) return layer_error(layer, Errc::invalid_argument, keep.error().message);
    if (!*keep) {
        ++stats_.entries_hidden;
        return {};
    }
    return keep_entry(layer, in, e, where.path, *type);
}

Status Squasher::keep_entry(int layer, archive* in, archive_entry* e, const std::string& path,
                            NodeType type) {
    if (type != NodeType::hard_link) {
        if (auto ok = write_entry(e, path, nullptr); !ok) return ok;
        return type == NodeType::regular ? copy_data(layer, in, path) : Status{};
    }
    auto target = clean_link_target(archive_entry_hardlink(e));
    if (!target) {
        return layer_error(
            layer, Errc::invalid_argument,
            "hard link '" + escape_control(path, 256) + "': " + target.error().message);
    }
    if (state_.replaced_above(*target, layer)) {
        orphans_[layer][*target].push_back(path);
    } else {
        links_.push_back({path, *target});
    }
    return {};
}

// Second pass over a layer with orphaned links: the target's content as this
// layer has it goes to the first link's path.
Status Squasher::copy_orphan(int layer, archive* in, archive_entry* e, const LayerPath& where) {
    if (where.kind != LayerEntryKind::normal || archive_entry_hardlink(e) != nullptr ||
        archive_entry_filetype(e) != AE_IFREG) {
        return {};
    }
    auto& wanted = orphans_[layer];
    const auto it = wanted.find(where.path);
    if (it == wanted.end()) return {};
    const std::vector<std::string>& paths = it->second;
    if (auto ok = write_entry(e, paths.front(), nullptr); !ok) return ok;
    if (auto ok = copy_data(layer, in, paths.front()); !ok) return ok;
    orphan_copies_.insert(paths.front());
    ++stats_.hard_links_copied;
    for (std::size_t i = 1; i < paths.size(); ++i)
        links_.push_back({paths[i], paths.front()});
    wanted.erase(it);
    return {};
}

Status Squasher::write_entry(archive_entry* source, const std::string& path,
                             const std::string* link_target) {
    Entry e(archive_entry_clone(source));
    const bool directory = archive_entry_filetype(e.get()) == AE_IFDIR && link_target == nullptr;
    const std::string name = std::string(rootfs_prefix) + path + (directory ? "/" : "");
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_uname(e.get(), nullptr);
    archive_entry_set_gname(e.get(), nullptr);
    archive_entry_sparse_clear(e.get());
    if (link_target != nullptr) {
        archive_entry_set_hardlink(e.get(), (std::string(rootfs_prefix) + *link_target).c_str());
        archive_entry_set_size(e.get(), 0);
    } else {
        archive_entry_set_hardlink(e.get(), nullptr);
    }
    if (archive_write_header(out_.get(), e.get()) != ARCHIVE_OK) {
        return make_error(Errc::io, name + ": " + archive_message(out_.get()));
    }
    ++stats_.entries_written;
    return {};
}

Status Squasher::copy_data(int layer, archive* in, const std::string& path) {
    for (;;) {
        const la_ssize_t n = archive_read_data(in, buffer_.data(), buffer_.size());
        if (n == 0) return {};
        if (n < 0) {
            return layer_error(layer, Errc::corrupt,
                               "entry '" + escape_control(path, 256) + "': " + archive_message(in));
        }
        content_bytes_ += static_cast<std::uint64_t>(n);
        if (content_bytes_ > options_.max_content_bytes) {
            return layer_error(layer, Errc::too_large,
                               "file contents over the limit of " +
                                   std::to_string(options_.max_content_bytes) + " bytes");
        }
        if (archive_write_data(out_.get(), buffer_.data(), static_cast<std::size_t>(n)) != n) {
            return make_error(Errc::io, path + ": " + archive_message(out_.get()));
        }
    }
}

Status Squasher::write_manifest(std::string_view manifest_json) {
    Entry e(archive_entry_new());
    archive_entry_set_pathname(e.get(), "manifest");
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(manifest_json.size()));
    if (archive_write_header(out_.get(), e.get()) != ARCHIVE_OK ||
        archive_write_data(out_.get(), manifest_json.data(), manifest_json.size()) < 0) {
        return make_error(Errc::io, "manifest: " + archive_message(out_.get()));
    }
    Entry root(archive_entry_new());
    archive_entry_set_pathname(root.get(), "rootfs/");
    archive_entry_set_filetype(root.get(), AE_IFDIR);
    archive_entry_set_perm(root.get(), 0755);
    if (archive_write_header(out_.get(), root.get()) != ARCHIVE_OK) {
        return make_error(Errc::io, "rootfs/: " + archive_message(out_.get()));
    }
    return {};
}

// Hard links, then the directories only implied by entries under them.
Status Squasher::write_tail() {
    Entry link(archive_entry_new());
    archive_entry_set_filetype(link.get(), AE_IFREG);
    for (const PendingLink& pending : links_) {
        if (!state_.is_written_regular(pending.target) &&
            !orphan_copies_.contains(pending.target)) {
            return make_error(Errc::invalid_argument,
                              "hard link '" + escape_control(pending.path, 256) + "': target '" +
                                  escape_control(pending.target, 256) +
                                  "' is not a regular file of the image");
        }
        if (auto ok = write_entry(link.get(), pending.path, &pending.target); !ok) return ok;
    }
    Entry dir(archive_entry_new());
    archive_entry_set_filetype(dir.get(), AE_IFDIR);
    archive_entry_set_perm(dir.get(), 0755);
    for (const std::string& path : state_.implied_directories()) {
        if (auto ok = write_entry(dir.get(), path, nullptr); !ok) return ok;
    }
    return {};
}

Result<SquashStats> Squasher::run(std::string_view manifest_json, const fs::path& path, int fd) {
    out_.reset(archive_write_new());
    archive_write_set_format_pax_restricted(out_.get());
    archive_write_add_filter_gzip(out_.get());
    // No time stamp in the gzip header: the same layers give the same bytes.
    archive_write_set_filter_option(out_.get(), "gzip", "timestamp", nullptr);
    const std::string what = path.empty() ? "fd " + std::to_string(fd) : path.string();
    const int opened = path.empty() ? archive_write_open_fd(out_.get(), fd)
                                    : archive_write_open_filename(out_.get(), path.c_str());
    if (opened != ARCHIVE_OK)
        return make_error(Errc::io, what + ": " + archive_message(out_.get()));
    if (auto ok = write_manifest(manifest_json); !ok) return std::move(ok).error();
    for (int layer = static_cast<int>(layers_.size()) - 1; layer >= 0; --layer) {
        if (auto ok = read_layer(layer, &Squasher::squash_entry); !ok) {
            return std::move(ok).error();
        }
    }
    for (auto& [layer, wanted] : orphans_) {
        if (wanted.empty()) continue;
        if (auto ok = read_layer(layer, &Squasher::copy_orphan); !ok) {
            return std::move(ok).error();
        }
        if (!wanted.empty()) {
            return layer_error(
                layer, Errc::invalid_argument,
                "hard link '" + escape_control(wanted.begin()->second.front(), 256) +
                    "': its target '" + escape_control(wanted.begin()->first, 256) +
                    "' was replaced by a higher layer and is not a file of this layer");
        }
    }
    if (auto ok = write_tail(); !ok) return std::move(ok).error();
    if (archive_write_close(out_.get()) != ARCHIVE_OK) {
        return make_error(Errc::io, what + ": " + archive_message(out_.get()));
    }
    return stats_;
}

}  // namespace

Result<SquashStats> write_squashed_aci(const std::vector<LayerFile>& layers,
                                       std::string_view manifest_json, const fs::path& out,
                                       const SquashOptions& options) {
    const fs::path tmp = out.string() + ".tmp";
    auto stats = Squasher(layers, options).run(manifest_json, tmp, -1);
    std::error_code ec;
    if (stats) {
        fs::rename(tmp, out, ec);
        if (!ec) return stats;
        stats = make_error(Errc::io, "rename to " + out.string() + ": " + ec.message());
    }
    fs::remove(tmp, ec);
    return stats;
}

Result<SquashStats> write_squashed_aci_fd(const std::vector<LayerFile>& layers,
                                          std::string_view manifest_json, int fd,
                                          const SquashOptions& options) {
    return Squasher(layers, options).run(manifest_json, {}, fd);
}

}  // namespace aciswarm::convert
