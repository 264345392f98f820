#include <gtest/gtest.h>

#include "agent/fetch/source.hpp"

namespace aciswarm::agent::fetch {
namespace {

SourceKind kind_of(std::string_view arg) {
    auto s = classify_source(arg);
    EXPECT_TRUE(s) << arg << ": " << (s ? "" : s.error().message);
    return s ? s->kind : SourceKind::image_name;
}

TEST(ClassifySource, ImageNameWithVersionAndLabels) {
    auto s = classify_source("example.com/app:1.0,os=linux,channel=beta");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->kind, SourceKind::image_name);
    EXPECT_EQ(s->image.name, "example.com/app");
    ASSERT_EQ(s->image.labels.size(), 3u);
    EXPECT_EQ(s->image.labels[0].name, "version");
    EXPECT_EQ(s->image.labels[0].value, "1.0");
    EXPECT_EQ(s->image.labels[2].value, "beta");
}

TEST(ClassifySource, Urls) {
    EXPECT_EQ(kind_of("https://h.example/x/app-1.0.torrent"), SourceKind::torrent_url);
    EXPECT_EQ(kind_of("HTTPS://h.example/x/app-1.0.TORRENT?sig=1"), SourceKind::torrent_url);
    EXPECT_EQ(kind_of("https://h.example/x/app-1.0.aci"), SourceKind::aci_url);
    EXPECT_EQ(kind_of("http://h.example/app.aci"), SourceKind::aci_url);
    // The query is not the path: ".torrent" there does not make a torrent URL.
    EXPECT_EQ(kind_of("https://h.example/get?file=a.torrent"), SourceKind::aci_url);
}

TEST(ClassifySource, MagnetsAndFiles) {
    EXPECT_EQ(kind_of("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"),
              SourceKind::magnet);
    EXPECT_EQ(kind_of("./app.torrent"), SourceKind::torrent_file);
    EXPECT_EQ(kind_of("app.torrent"), SourceKind::torrent_file);
    EXPECT_EQ(kind_of("/var/tmp/app.torrent"), SourceKind::torrent_file);
    EXPECT_EQ(kind_of("../images/app.aci"), SourceKind::aci_file);
    // A bare x.aci was an image name (a DNS lookup of "missing.aci").
    EXPECT_EQ(kind_of("missing.aci"), SourceKind::aci_file);
    EXPECT_EQ(kind_of("images/App-1.0.ACI"), SourceKind::aci_file);
    EXPECT_EQ(kind_of("./missing"), SourceKind::aci_file);
}

TEST(ClassifySource, OciLayouts) {
    EXPECT_EQ(kind_of("oci:./alpine:3.19"), SourceKind::oci_layout);
    EXPECT_EQ(kind_of("oci:/srv/images/alpine"), SourceKind::oci_layout);
    EXPECT_EQ(source_kind_name(SourceKind::oci_layout), "OCI layout");
    EXPECT_FALSE(classify_source("oci:"));
}

TEST(ClassifySource, DockerReferences) {
    EXPECT_EQ(kind_of("docker://alpine:3.19"), SourceKind::docker_image);
    EXPECT_EQ(kind_of("docker://127.0.0.1:5000/team/web@sha256:" + std::string(64, 'a')),
              SourceKind::docker_image);
    auto bad = classify_source("docker://Team/UPPER:1");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("Team/UPPER"), std::string::npos) << bad.error().message;
}

TEST(ClassifySource, ErrorsNameTheArgument) {
    for (std::string_view bad : {"ftp://h.example/a.aci", "https://", "https:///a.aci",
                                 "https://h.example/", "magnet:xt", "Not A Name!"}) {
        auto s = classify_source(bad);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error().code, Errc::invalid_argument) << bad;
    }
    auto s = classify_source("ftp://h.example/a.aci");
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("ftp://h.example/a.aci"), std::string::npos);
    EXPECT_FALSE(classify_source(""));
}

}  // namespace
}  // namespace aciswarm::agent::fetch
