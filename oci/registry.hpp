// The seam between aciswarm and an upstream OCI registry: the read side of
// the distribution API that the mirror (agent/mirror), the origin
// (agent/origin) and docker:// conversion (convert/) need. RegistryClient
// (oci/registry_client.hpp) speaks it over HTTP; tests/support/fake_registry
// is the in-memory fake for unit tests.
//
// Every answer is verified: a manifest fetched by digest hashes to it (and to
// Docker-Content-Digest when the registry sends one), a blob's bytes hash to
// its digest before get_blob returns success. The sink sees bytes as they
// arrive, so a caller must treat them as incomplete until get_blob succeeds
// (download_blob_to_file does: a temp file renamed only after verification).
//
// Thread: implementations are safe to call from several threads at once.
// Crash safety: download_blob_to_file leaves at most a "<path>.partial" file
// after kill -9, never a file at `path` with the wrong content.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/client.hpp"
#include "oci/digest.hpp"
#include "oci/manifest.hpp"

namespace aciswarm::oci {

struct ManifestResponse {
    std::string body;        // the bytes as served (what the digest is over)
    std::string media_type;  // one of the four manifest media types
    Digest digest;           // sha256 of body
    Manifest manifest;       // body, parsed
};

struct ManifestHead {
    std::string media_type;  // the Content-Type the registry sent
    Digest digest;           // Docker-Content-Digest
    std::uint64_t size = 0;  // Content-Length
};

class Registry {
  public:
    virtual ~Registry() = default;
    // The registry's name as references write it ("docker.io", "localhost:5000").
    virtual const std::string& name() const = 0;

    // GET /v2/<repository>/manifests/<reference> (a tag or "sha256:..."),
    // accepting all four manifest media types. Errc::not_found for an unknown
    // repository or reference, Errc::corrupt when the body does not hash to
    // the digest asked for or announced, Errc::permission when the registry
    // refuses the credentials, Errc::network for other failures.
    virtual Result<ManifestResponse> get_manifest(std::string_view repository,
                                                  std::string_view reference) = 0;
    // HEAD of the same: the digest a tag points at now, without the body.
    virtual Result<ManifestHead> head_manifest(std::string_view repository,
                                               std::string_view reference) = 0;
    // HEAD /v2/<repository>/blobs/<digest>: the blob's size.
    virtual Result<std::uint64_t> head_blob(std::string_view repository, const Digest& digest) = 0;
    // GET /v2/<repository>/blobs/<digest> into `sink`; returns the size once the
    // bytes hashed to `digest` (Errc::corrupt otherwise).
    virtual Result<std::uint64_t> get_blob(std::string_view repository, const Digest& digest,
                                           const http::SinkFn& sink, std::stop_token stop) = 0;
};

// get_blob into "<path>.partial", fsynced, renamed to `path` only after the
// digest matched (the directory is fsynced too). On failure nothing is left
// at `path` and the partial file is removed. `received`, when given, grows by
// each chunk's size as it is written (a progress sign for waiting callers).
Result<std::uint64_t> download_blob_to_file(Registry& registry, std::string_view repository,
                                            const Digest& digest, const std::filesystem::path& path,
                                            std::stop_token stop = {},
                                            std::atomic<std::uint64_t>* received = nullptr);

}  // namespace aciswarm::oci
