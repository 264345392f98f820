// common/file_read: every kind of path a user or client could name is either
// read whole (a regular file within the limit) or refused with an error that
// names the path, without blocking and without reading past the limit.
#include "common/file_read.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace aciswarm {
namespace {

namespace fs = std::filesystem;

class FileRead : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "file_read.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    std::string write(const std::string& name, std::string_view bytes) const {
        std::ofstream(path(name), std::ios::binary).write(bytes.data(), bytes.size());
        return path(name);
    }
    fs::path dir_;
};

TEST_F(FileRead, ReadsARegularFileWithinTheLimit) {
    const std::string p = write("x.torrent", "d4:infod4:name1:xee");
    auto r = read_file_bounded(p, 64);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, "d4:infod4:name1:xee");
    auto exact = read_file_bounded(p, 19);  // exactly at the limit is fine
    ASSERT_TRUE(exact) << exact.error().message;
}

TEST_F(FileRead, RefusesAFileOverTheLimitNamingIt) {
    const std::string p = write("big.torrent", std::string(4096, 'x'));
    auto r = read_file_bounded(p, 4095);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::too_large);
    EXPECT_NE(r.error().message.find(p), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("4095"), std::string::npos) << r.error().message;
}

TEST_F(FileRead, RefusesASymlinkToDevZeroAsACharacterDevice) {
    const std::string link = path("zero.torrent");
    fs::create_symlink("/dev/zero", link);
    auto r = read_file_bounded(link, 64 << 20);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unsupported);
    EXPECT_NE(r.error().message.find(link + ": a character device, not a regular file"),
              std::string::npos)
        << r.error().message;
    auto nofollow = read_file_bounded(link, 64, Symlinks::refuse);
    ASSERT_FALSE(nofollow);
    EXPECT_NE(nofollow.error().message.find("symbolic link"), std::string::npos)
        << nofollow.error().message;
}

TEST_F(FileRead, RefusesAFifoWithoutBlocking) {
    const std::string fifo = path("fifo.torrent");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // No writer: a blocking open would hang this test for ever.
    auto r = read_file_bounded(fifo, 64);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(fifo + ": a FIFO, not a regular file"), std::string::npos)
        << r.error().message;
}

TEST_F(FileRead, RefusesADirectory) {
    auto r = read_file_bounded(dir_.string(), 64);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("a directory, not a regular file"), std::string::npos)
        << r.error().message;
}

TEST_F(FileRead, MissingFileIsNotFound) {
    auto r = read_file_bounded(path("missing.torrent"), 64);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
    EXPECT_NE(r.error().message.find("missing.torrent"), std::string::npos);
}

TEST_F(FileRead, StopTokenCancelsTheRead) {
    const std::string p = write("x.aci", std::string(3 << 20, 'a'));
    std::stop_source stop;
    stop.request_stop();
    auto r = read_file_bounded(p, 8 << 20, Symlinks::follow, stop.get_token());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::cancelled);
}

}  // namespace
}  // namespace aciswarm
