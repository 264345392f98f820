// OCI image layers and their ACI outputs for tests: a layer is a tar built
// with libarchive from a list of entries (files, directories, symlinks, hard
// links, whiteouts, opaque markers, FIFOs, devices, with modes, ids, mtimes
// and xattrs), optionally compressed; read_tar lists a tar's (or an ACI's)
// entries back, in order, with their contents, so a test can assert on the
// squashed tree. Deterministic: the same entries give the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/aci_builder.hpp"

namespace aciswarm::test {

struct LayerEntry {
    enum class Type { file, directory, symlink, hard_link, fifo, char_device };
    Type type = Type::file;
    std::string path;      // as written into the tar ("etc/x", "./etc/x", "/abs")
    std::string data;      // file contents, or the symlink / hard link target
    unsigned mode = 0644;  // permission bits
    std::int64_t uid = 0;
    std::int64_t gid = 0;
    std::int64_t mtime = 1'700'000'000;
    std::map<std::string, std::string> xattrs;
};

LayerEntry file(std::string path, std::string contents, unsigned mode = 0644);
LayerEntry dir(std::string path, unsigned mode = 0755);
LayerEntry symlink(std::string path, std::string target);
LayerEntry hard_link(std::string path, std::string target);
LayerEntry char_device(std::string path);  // 1:3, like /dev/null
// Any entry: the helpers above all go through this.
LayerEntry make_entry(LayerEntry::Type type, std::string path, std::string data, unsigned mode);
// "<dir>/.wh.<name>" for "<dir>/<name>".
LayerEntry whiteout(std::string_view path);
// "<dir>/.wh..wh..opq".
LayerEntry opaque(std::string_view dir_path);

// The layer tar, compressed as asked (none, gzip or zstd for real layers).
std::string build_layer(const std::vector<LayerEntry>& entries,
                        AciCompression compression = AciCompression::gzip);
std::filesystem::path write_layer(const std::filesystem::path& path,
                                  const std::vector<LayerEntry>& entries,
                                  AciCompression compression = AciCompression::gzip);

// One entry of a tar as read back.
struct TarEntry {
    LayerEntry::Type type = LayerEntry::Type::file;
    std::string path;  // as stored ("rootfs/etc/x"; directories keep no trailing '/')
    std::string data;  // contents, symlink target or hard link target
    unsigned mode = 0;
    std::int64_t uid = 0;
    std::int64_t gid = 0;
    std::int64_t mtime = 0;
    std::string uname;
    std::map<std::string, std::string> xattrs;
};

// Every entry of a (possibly compressed) tar file, in order. Fails the
// calling test (ADD_FAILURE) and returns what it read so far on a bad tar.
std::vector<TarEntry> read_tar(const std::filesystem::path& path);
// Entries by path; a path that appears twice fails the calling test.
std::map<std::string, TarEntry> tar_tree(const std::filesystem::path& path);

}  // namespace aciswarm::test
