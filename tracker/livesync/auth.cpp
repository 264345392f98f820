#include "tracker/livesync/auth.hpp"

#include <sys/stat.h>

#include <cstdio>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/file_read.hpp"

namespace aciswarm::livesync {
namespace {

// A key is a few dozen bytes; anything this large is the wrong file.
constexpr std::size_t max_key_file_bytes = 64 * 1024;

}  // namespace

Result<SyncKey> SyncKey::from_bytes(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < min_size) {
        return make_error(Errc::invalid_argument, "sync key: " + std::to_string(bytes.size()) +
                                                      " bytes, want at least " +
                                                      std::to_string(min_size));
    }
    SyncKey k;
    k.key_.assign(bytes.begin(), bytes.end());
    return k;
}

std::string key_file_exposure(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return {};
    if ((st.st_mode & 077) == 0) return {};
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "sync key file '" + file.string() + "' has mode " + mode +
           ": group or others can read or change the key (chmod 600 it)";
}

Result<SyncKey> SyncKey::load(const std::filesystem::path& file) {
    const std::string name = "sync key file '" + file.string() + "'";
    auto fd = open_regular_file(file.string(), Symlinks::follow, name);
    if (!fd) return std::move(fd).error();
    auto text = read_regular_file(fd->get(), name, max_key_file_bytes);
    if (!text) return std::move(text).error();
    std::vector<std::uint8_t> bytes(text->begin(), text->end());
    while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r' || bytes.back() == ' ' ||
                              bytes.back() == '\t')) {
        bytes.pop_back();
    }
    auto key = from_bytes(bytes);
    if (!key) return with_context("sync key file '" + file.string() + "'", std::move(key).error());
    return key;
}

std::array<std::uint8_t, tag_size> SyncKey::tag(std::span<const std::uint8_t> bytes) const {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> full{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), bytes.data(), bytes.size(),
         full.data(), &len);
    std::array<std::uint8_t, tag_size> out{};
    std::copy_n(full.begin(), tag_size, out.begin());
    return out;
}

bool SyncKey::verify(std::span<const std::uint8_t> signed_bytes,
                     const std::array<std::uint8_t, tag_size>& tag_bytes) const {
    const auto want = tag(signed_bytes);
    return CRYPTO_memcmp(want.data(), tag_bytes.data(), tag_size) == 0;
}

Result<InstanceId> random_instance_id() {
    for (int attempt = 0; attempt < 8; ++attempt) {
        InstanceId id = 0;
        const ssize_t n = getrandom(&id, sizeof id, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof id)) {
            return make_error(Errc::io, std::string("getrandom for the livesync instance id: ") +
                                            std::strerror(errno));
        }
        if (id != 0) return id;
    }
    return make_error(Errc::internal, "getrandom for the livesync instance id: kept returning 0");
}

std::uint64_t wall_ms(const Clock& clock) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall_now().time_since_epoch());
    return ms.count() < 0 ? 0 : static_cast<std::uint64_t>(ms.count());
}

Sealer::Sealer(InstanceId instance, std::optional<SyncKey> key, const Clock& clock)
    : instance_(instance), key_(std::move(key)), clock_(clock) {}

std::vector<std::uint8_t> Sealer::seal(PacketBuilder&& builder) {
    auto bytes = std::move(builder).finish(instance_, ++sequence_, wall_ms(clock_));
    if (key_) {
        const auto t = key_->tag(bytes);
        bytes.insert(bytes.end(), t.begin(), t.end());
    }
    return bytes;
}

}  // namespace aciswarm::livesync
