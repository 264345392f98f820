#include "agent/mirror/mirror.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <thread>

namespace aciswarm::agent::mirror {
namespace {

const std::string hex64(64, 'b');
const std::string digest = "sha256:" + hex64;

// An in-memory source: manifests by reference, blob files by digest, and an
// optional gate that holds blob() until released (for the in-flight limit).
class FakeSource final : public MirrorSource {
  public:
    std::map<std::string, ManifestBlob> manifests;
    std::map<std::string, BlobFile> blobs;
    Error failure{Errc::not_found, ""};
    std::promise<void> entered;
    std::shared_future<void> release;
    bool gated = false;

    Result<ManifestBlob> manifest(const MirrorRoute& route, const MirrorRequest&) override {
        auto it = manifests.find(route.reference);
        if (it == manifests.end()) return failure;
        return it->second;
    }
    Result<BlobFile> blob(const MirrorRoute& route, const MirrorRequest&) override {
        if (gated) {
            entered.set_value();
            release.wait();
        }
        auto it = blobs.find(route.digest->to_string());
        if (it == blobs.end()) return failure;
        return it->second;
    }
};

Logger quiet("test", LogLevel::off);

MirrorRequest get(std::string path, std::optional<std::string> ns = "registry.example") {
    MirrorRequest r;
    r.path = std::move(path);
    r.ns = std::move(ns);
    return r;
}

std::string header(const MirrorResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

TEST(Mirror, ApiVersionAnswersWithoutSource) {
    Mirror mirror(nullptr, 4, quiet);
    const MirrorResponse r = mirror.handle(get("/v2/", std::nullopt));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Docker-Distribution-API-Version"), "registry/2.0");
}

TEST(Mirror, WithoutSourceEverythingIsNotFoundSoContainerdGoesUpstream) {
    Mirror mirror(nullptr, 4, quiet);
    const MirrorResponse r = mirror.handle(get("/v2/a/blobs/" + digest));
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("BLOB_UNKNOWN"), std::string::npos);
    EXPECT_EQ(mirror.handle(get("/v2/a/manifests/latest")).status, 404);
    EXPECT_EQ(mirror.counters().not_found, 2u);
}

TEST(Mirror, BadRouteIs400AndOtherMethods405) {
    Mirror mirror(nullptr, 4, quiet);
    const MirrorResponse bad = mirror.handle(get("/v2/../x/blobs/" + digest));
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("NAME_INVALID"), std::string::npos);
    const MirrorResponse put = mirror.method_not_allowed();
    EXPECT_EQ(put.status, 405);
    EXPECT_EQ(header(put, "Allow"), "GET, HEAD");
    EXPECT_EQ(mirror.counters().refused, 2u);
}

TEST(Mirror, ManifestCarriesMediaTypeAndDigest) {
    auto source = std::make_shared<FakeSource>();
    source->manifests.emplace("1.0",
                              ManifestBlob{"application/vnd.oci.image.manifest.v1+json",
                                           *oci::parse_digest(digest), "{\"schemaVersion\":2}"});
    Mirror mirror(source, 4, quiet);
    MirrorResponse r = mirror.handle(get("/v2/a/manifests/1.0"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Content-Type"), "application/vnd.oci.image.manifest.v1+json");
    EXPECT_EQ(header(r, "Docker-Content-Digest"), digest);
    EXPECT_EQ(r.body, "{\"schemaVersion\":2}");
    MirrorRequest head = get("/v2/a/manifests/1.0");
    head.head = true;
    r = mirror.handle(head);
    EXPECT_EQ(r.content_length(), 19u);  // HEAD: the length of what GET sends
    EXPECT_EQ(mirror.counters().bytes_served, 19u);
    EXPECT_EQ(mirror.counters().manifests_served, 2u);
}

TEST(Mirror, BlobIsServedFromItsVerifiedFile) {
    auto source = std::make_shared<FakeSource>();
    source->blobs.emplace(digest, BlobFile{"/cache/blob", 1234});
    Mirror mirror(source, 4, quiet);
    const MirrorResponse r = mirror.handle(get("/v2/a/blobs/" + digest));
    EXPECT_EQ(r.status, 200);
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->path, "/cache/blob");
    EXPECT_EQ(r.content_length(), 1234u);
    EXPECT_EQ(header(r, "Docker-Content-Digest"), digest);
    EXPECT_EQ(mirror.counters().bytes_served, 1234u);
}

TEST(Mirror, SourceFailureIs503NotFoundIs404) {
    auto source = std::make_shared<FakeSource>();
    Mirror mirror(source, 4, quiet);
    EXPECT_EQ(mirror.handle(get("/v2/a/blobs/" + digest)).status, 404);
    source->failure = make_error(Errc::timeout, "swarm: no piece in 5s");
    const MirrorResponse r = mirror.handle(get("/v2/a/blobs/" + digest));
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("no piece in 5s"), std::string::npos);
    EXPECT_EQ(mirror.counters().unavailable, 1u);
}

TEST(Mirror, OneRequestOverTheLimitIs503AtOnce) {
    auto source = std::make_shared<FakeSource>();
    source->gated = true;
    std::promise<void> open;
    source->release = open.get_future().share();
    source->blobs.emplace(digest, BlobFile{"/cache/blob", 1});
    Mirror mirror(source, 1, quiet);
    auto first = std::async(std::launch::async,
                            [&] { return mirror.handle(get("/v2/a/blobs/" + digest)).status; });
    source->entered.get_future().wait();  // the first request holds the only slot
    EXPECT_EQ(mirror.handle(get("/v2/a/blobs/" + digest)).status, 503);
    open.set_value();
    EXPECT_EQ(first.get(), 200);
    EXPECT_EQ(mirror.handle(get("/v2/", std::nullopt)).status, 200);  // no slot needed
}

}  // namespace
}  // namespace aciswarm::agent::mirror
