#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "common/url.hpp"

namespace aciswarm {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

TEST(Hex, RoundTripsAllByteValues) {
    std::vector<std::uint8_t> all(256);
    for (int i = 0; i < 256; ++i)
        all[i] = static_cast<std::uint8_t>(i);
    const std::string hex = to_hex(all);
    EXPECT_EQ(hex.substr(0, 8), "00010203");
    EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
    auto back = hex_decode(hex);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, all);
}

TEST(Hex, AcceptsUpperCase) {
    auto v = hex_decode("DEADbeef");
    ASSERT_TRUE(v);
    EXPECT_EQ(to_hex(*v), "deadbeef");
}

TEST(Hex, RejectsOddLengthAndNonHex) {
    auto odd = hex_decode("abc");
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.error().code, Errc::invalid_argument);
    EXPECT_NE(odd.error().message.find("odd"), std::string::npos);
    auto bad = hex_decode("0g");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("offset 1"), std::string::npos);
}

TEST(Hex, DecodeIntoChecksLength) {
    std::array<std::uint8_t, 4> out{};
    EXPECT_FALSE(hex_decode_into("0102", out));
    EXPECT_TRUE(hex_decode_into("01020304", out));
    EXPECT_EQ(out[3], 4);
}

TEST(Url, EncodesAllButUnreserved) {
    EXPECT_EQ(percent_encode(std::string_view("aZ09-._~")), "aZ09-._~");
    EXPECT_EQ(percent_encode(std::string_view("a b/c?d=e&%")), "a%20b%2Fc%3Fd%3De%26%25");
    const std::uint8_t raw[] = {0x00, 0xff, 0x12};
    EXPECT_EQ(percent_encode(std::span<const std::uint8_t>(raw)), "%00%FF%12");
}

TEST(Url, DecodeRoundTripsBinary) {
    std::vector<std::uint8_t> all(256);
    for (int i = 0; i < 256; ++i)
        all[i] = static_cast<std::uint8_t>(i);
    auto decoded = percent_decode(percent_encode(std::span<const std::uint8_t>(all)));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(bytes(*decoded), all);
}

TEST(Url, DecodeIsStrict) {
    for (std::string_view bad : {"%", "%4", "abc%", "%zz", "%4g", "%%41"}) {
        auto r = percent_decode(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_argument) << bad;
        EXPECT_NE(r.error().message.find("offset"), std::string::npos) << bad;
    }
}

TEST(Url, PlusHandling) {
    EXPECT_EQ(*percent_decode("a+b"), "a+b");
    EXPECT_EQ(*percent_decode("a+b", PlusIs::space), "a b");
    EXPECT_EQ(*percent_decode("%2B", PlusIs::space), "+");
}

TEST(Url, DecodeIntoRespectsBufferSize) {
    std::array<std::uint8_t, 3> out{};
    auto n = percent_decode_into("%41%42%43", out);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 3u);
    EXPECT_EQ(out[2], 'C');
    auto over = percent_decode_into("%41%42%43%44", out);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, Errc::too_large);
}

TEST(Url, ParseQueryKeepsOrderAndRepeats) {
    auto q = parse_query("info_hash=%01%02&info_hash=ab&c&&d=x+y&e=");
    ASSERT_TRUE(q);
    ASSERT_EQ(q->size(), 5u);
    EXPECT_EQ((*q)[0].key, "info_hash");
    EXPECT_EQ((*q)[0].value, std::string("\x01\x02"));
    EXPECT_EQ((*q)[1].value, "ab");
    EXPECT_EQ((*q)[2].key, "c");
    EXPECT_EQ((*q)[2].value, "");
    EXPECT_EQ((*q)[3].value, "x y");
    EXPECT_EQ((*q)[4].key, "e");
}

TEST(Url, ParseQueryNamesTheBadKey) {
    auto q = parse_query("ok=1&port=%zz");
    ASSERT_FALSE(q);
    EXPECT_NE(q.error().message.find("'port'"), std::string::npos) << q.error().message;
}

// Private registries and swarms (docs/private.md): the key in tracker URLs,
// and what logs and resume files get instead of credentials.
TEST(UrlSecrets, PasskeyIsAddedOnceAfterAnyQuery) {
    EXPECT_EQ(with_passkey("http://t:6969/announce", "K"), "http://t:6969/announce?passkey=K");
    EXPECT_EQ(with_passkey("http://t/announce?x=1", "K"), "http://t/announce?x=1&passkey=K");
    EXPECT_EQ(with_passkey("udp://t:6969/announce?passkey=A", "K"),
              "udp://t:6969/announce?passkey=A");
    EXPECT_EQ(with_passkey("http://t/announce?", "K"), "http://t/announce?passkey=K");
    // A parameter whose name only starts like passkey is another parameter.
    EXPECT_EQ(with_passkey("http://t/announce?passkeyx=1", "K"),
              "http://t/announce?passkeyx=1&passkey=K");
    const QueryParam two[] = {{"a", "1"}, {"b", "2"}};
    EXPECT_EQ(with_query_params("http://t/x?b=9#frag", two), "http://t/x?b=9&a=1#frag");
    EXPECT_EQ(with_query_params("http://t/x?a=0&", two), "http://t/x?a=0&b=2");
}

// A changed key (the daemon's SIGHUP) replaces the old one: every passkey goes,
// the other parameters and the fragment stay.
TEST(UrlSecrets, PasskeyIsRemovedKeepingTheRestOfTheQuery) {
    EXPECT_EQ(without_passkey("http://t/announce?passkey=OLD"), "http://t/announce");
    EXPECT_EQ(without_passkey("http://t/announce?passkey=OLD&zone=a&leader=none"),
              "http://t/announce?zone=a&leader=none");
    EXPECT_EQ(without_passkey("http://t/announce?zone=a&passkey=A&passkey=B#f"),
              "http://t/announce?zone=a#f");
    EXPECT_EQ(without_passkey("udp://t:6969/announce?passkeyx=1&passkey"),
              "udp://t:6969/announce?passkeyx=1");
    EXPECT_EQ(without_passkey("http://t/announce"), "http://t/announce");
    EXPECT_EQ(with_passkey(without_passkey("http://t/announce?passkey=OLD&x=1"), "NEW"),
              "http://t/announce?x=1&passkey=NEW");
}

TEST(UrlSecrets, LogsGetNeitherPasskeysNorUserinfo) {
    EXPECT_EQ(redact_url_secrets("app (http://t/announce?passkey=SECRETKEY&x=1)[1.2.3.4] v1"),
              "app (http://t/announce?passkey=REDACTED&x=1)[1.2.3.4] v1");
    EXPECT_EQ(redact_url_secrets("seed https://ci:SECRETPW@r.test/a.aci and https://r.test/b@c"),
              "seed https://r.test/a.aci and https://r.test/b@c");
    EXPECT_EQ(redact_url_secrets("no url here"), "no url here");
    EXPECT_EQ(url_without_userinfo("https://u:p@h:8443/x"), "https://h:8443/x");
}

}  // namespace
}  // namespace aciswarm
