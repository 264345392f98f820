#include <gtest/gtest.h>

#include "common/digest.hpp"
#include "common/hex.hpp"
#include "common/result.hpp"

namespace aciswarm {
namespace {

Result<int> half(int v) {
    if (v % 2 != 0) return make_error(Errc::invalid_argument, "odd: " + std::to_string(v));
    return v / 2;
}

Status check(bool ok) {
    if (!ok) return make_error(Errc::io, "failed");
    return {};
}

TEST(Result, HoldsValueOrError) {
    auto ok = half(4);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 2);
    auto bad = half(3);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::invalid_argument);
    EXPECT_EQ(bad.error().message, "odd: 3");
    EXPECT_EQ(bad.value_or(-1), -1);
    EXPECT_TRUE(check(true));
    EXPECT_FALSE(check(false));
    EXPECT_EQ(with_context("store", check(false).error()).message, "store: failed");
    EXPECT_STREQ(errc_name(Errc::timeout), "timed out");
}

TEST(Digest, KnownVectors) {
    EXPECT_EQ(to_hex(Digest::of(Digest::Algorithm::sha1, "abc")),
              "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(to_hex(Digest::of(Digest::Algorithm::sha256, "abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Digest streaming(Digest::Algorithm::sha512);
    streaming.update(std::string_view("a"));
    streaming.update(std::string_view("bc"));
    EXPECT_EQ(to_hex(streaming.finish()).substr(0, 16), "ddaf35a193617aba");
}

}  // namespace
}  // namespace aciswarm
