#include "common/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace aciswarm {

struct Digest::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(Algorithm algorithm) : ctx_(std::make_unique<Ctx>()) {
    const EVP_MD* md = algorithm == Algorithm::sha1     ? EVP_sha1()
                       : algorithm == Algorithm::sha256 ? EVP_sha256()
                                                        : EVP_sha512();
    ctx_->md = EVP_MD_CTX_new();
    // Only fails on allocation failure: fatal.
    if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, md, nullptr) != 1) {
        throw std::runtime_error("OpenSSL digest init failed");
    }
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(std::span<const std::uint8_t> bytes) {
    EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

void Digest::update(std::string_view bytes) {
    EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

std::vector<std::uint8_t> Digest::finish() {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_->md, out.data(), &len);
    out.resize(len);
    return out;
}

std::vector<std::uint8_t> Digest::of(Algorithm algorithm, std::string_view bytes) {
    Digest d(algorithm);
    d.update(bytes);
    return d.finish();
}

}  // namespace aciswarm
