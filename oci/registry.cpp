#include "oci/registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/fd.hpp"

namespace aciswarm::oci {

Result<std::uint64_t> download_blob_to_file(Registry& registry, std::string_view repository,
                                            const Digest& digest, const std::filesystem::path& path,
                                            std::stop_token stop,
                                            std::atomic<std::uint64_t>* received) {
    std::string temp = path.string() + ".partial.XXXXXX";
    UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd) {
        return make_error(Errc::io, temp + ": create: " + std::string(std::strerror(errno)));
    }
    const auto fail = [&](Error error) -> Result<std::uint64_t> {
        ::unlink(temp.c_str());
        return error;
    };
    auto size = registry.get_blob(
        repository, digest,
        [&](std::string_view bytes) {
            if (received != nullptr) *received += bytes.size();
            return write_all(fd.get(), bytes, temp);
        },
        stop);
    if (!size) return fail(std::move(size).error());
    if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0) {
        return fail(make_error(Errc::io, temp + ": fsync: " + std::string(std::strerror(errno))));
    }
    if (const int err = fd.close_checked(); err != 0) {
        return fail(make_error(Errc::io, temp + ": close: " + std::string(std::strerror(err))));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        return fail(
            make_error(Errc::io, path.string() + ": rename: " + std::string(std::strerror(errno))));
    }
    if (auto ok = fsync_directory(path.parent_path().string()); !ok) return std::move(ok).error();
    return *size;
}

}  // namespace aciswarm::oci
