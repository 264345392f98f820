// common/fd: UniqueFd closes exactly once and moves ownership; write_all
// writes everything and names the file when it fails; fsync_directory names
// the directory it could not open.
#include "common/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "common/file_read.hpp"

namespace aciswarm {
namespace {

namespace fs = std::filesystem;

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

int open_null() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TEST(UniqueFd, ClosesOnDestruction) {
    const int raw = open_null();
    ASSERT_GE(raw, 0);
    {
        UniqueFd fd(raw);
        EXPECT_TRUE(fd);
        EXPECT_EQ(fd.get(), raw);
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnershipAndAssignmentClosesTheOld) {
    const int first = open_null();
    const int second = open_null();
    ASSERT_GE(first, 0);
    ASSERT_GE(second, 0);
    UniqueFd a(first);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(b.get(), first);
    UniqueFd c(second);
    c = std::move(b);
    EXPECT_FALSE(is_open(second));
    EXPECT_TRUE(is_open(first));
    EXPECT_EQ(c.get(), first);
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
    const int raw = open_null();
    ASSERT_GE(raw, 0);
    {
        UniqueFd fd(raw);
        EXPECT_EQ(fd.release(), raw);
        EXPECT_FALSE(fd);
    }
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(UniqueFd, CloseCheckedReportsSuccessOnceAndLeavesItEmpty) {
    UniqueFd fd(open_null());
    ASSERT_TRUE(fd);
    const int raw = fd.get();
    EXPECT_EQ(fd.close_checked(), 0);
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(raw));
    EXPECT_EQ(fd.close_checked(), 0);  // nothing left to close
}

class FdFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "fd_test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(FdFiles, WriteAllWritesEveryByte) {
    const std::string path = (dir_ / "out").string();
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd);
    const std::string bytes(3 * 1024 * 1024 + 7, 'x');
    ASSERT_TRUE(write_all(fd.get(), bytes, path));
    auto back = read_file_bounded(path, bytes.size());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, bytes);
}

TEST_F(FdFiles, WriteAllNamesTheFileOnFailure) {
    UniqueFd fd(open_null());  // read-only: write fails with EBADF
    ASSERT_TRUE(fd);
    auto written = write_all(fd.get(), "abc", "the-null-file");
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().code, Errc::io);
    EXPECT_EQ(written.error().message.rfind("the-null-file: write: ", 0), 0u)
        << written.error().message;
}

TEST_F(FdFiles, FsyncDirectorySyncsADirectoryAndNamesAMissingOne) {
    EXPECT_TRUE(fsync_directory(dir_.string()));
    const std::string missing = (dir_ / "missing").string();
    auto synced = fsync_directory(missing);
    ASSERT_FALSE(synced);
    EXPECT_EQ(synced.error().code, Errc::not_found);
    EXPECT_EQ(synced.error().message.rfind(missing + ": open: ", 0), 0u) << synced.error().message;
}

}  // namespace
}  // namespace aciswarm
