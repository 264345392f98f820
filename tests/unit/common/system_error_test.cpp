// common/system_error: errno values map to the project's error categories and
// the message names the subject, the operation and the system's reason.
#include "common/system_error.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace aciswarm {
namespace {

TEST(SystemError, CategoriesFollowErrno) {
    EXPECT_EQ(errc_from_errno(ENOENT), Errc::not_found);
    EXPECT_EQ(errc_from_errno(ENOTDIR), Errc::not_found);
    EXPECT_EQ(errc_from_errno(EACCES), Errc::permission);
    EXPECT_EQ(errc_from_errno(EPERM), Errc::permission);
    EXPECT_EQ(errc_from_errno(ENOSPC), Errc::io);
    EXPECT_EQ(errc_from_errno(ECONNREFUSED, Errc::network), Errc::network);
    EXPECT_EQ(errc_from_errno(EACCES, Errc::network), Errc::permission);
}

TEST(SystemError, MessageNamesSubjectOperationAndReason) {
    const Error e = errno_error("open", "/var/lib/x", ENOENT);
    EXPECT_EQ(e.code, Errc::not_found);
    EXPECT_EQ(e.message, "/var/lib/x: open: No such file or directory");
}

TEST(SystemError, EmptyOperationLeavesItOut) {
    const Error e = errno_error("", "sync key", EACCES);
    EXPECT_EQ(e.code, Errc::permission);
    EXPECT_EQ(e.message, "sync key: Permission denied");
}

TEST(SystemError, FallbackCategoryAppliesToOtherErrors) {
    const Error e = errno_error("bind", "livesync 0.0.0.0:6969", EADDRINUSE, Errc::network);
    EXPECT_EQ(e.code, Errc::network);
    EXPECT_EQ(e.message, "livesync 0.0.0.0:6969: bind: Address already in use");
}

TEST(SystemError, UnknownErrnoStillHasText) {
    EXPECT_FALSE(errno_text(99999).empty());
}

}  // namespace
}  // namespace aciswarm
