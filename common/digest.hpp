// Streaming SHA-1 / SHA-256 / SHA-512 over OpenSSL's EVP interface.
// Thread-safety: one instance per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace aciswarm {

class Digest {
  public:
    enum class Algorithm { sha1, sha256, sha512 };

    explicit Digest(Algorithm algorithm);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;

    void update(std::span<const std::uint8_t> bytes);
    void update(std::string_view bytes);
    // Returns the digest; the object must not be updated afterwards.
    std::vector<std::uint8_t> finish();

    static std::vector<std::uint8_t> of(Algorithm algorithm, std::string_view bytes);

  private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

}  // namespace aciswarm
