// Private swarms' keys (tracker/core/keys.hpp): the keys file, the passkey
// query parameter, BEP 41 URL data, and the KeyRing's replace semantics. The
// frontends' use of it is in handler_test.cpp.
#include "tracker/core/keys.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace aciswarm;
using namespace aciswarm::tracker;

namespace {

const std::string kKeyA = "node-a-0123456789abcdef";
const std::string kKeyB = "cluster_B.key~0123456789";

// One BEP 41 URL data option: type 2, length, bytes.
std::vector<std::uint8_t> url_data_option(const std::string& text) {
    const std::string bytes = std::string(1, '\x02') + static_cast<char>(text.size()) + text;
    return {bytes.begin(), bytes.end()};
}

}  // namespace

TEST(KeysFile, OneKeyPerLineWithCommentsAndBlanks) {
    auto keys = parse_keys_file("# cluster keys\n" + kKeyA + "\r\n\n   " + kKeyB + "  \n", "k");
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(*keys, (std::vector<std::string>{kKeyA, kKeyB}));
    auto none = parse_keys_file("", "k");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(KeysFile, RefusesShortLongAndUnsafeKeysNamingTheLineNotTheKey) {
    for (const std::string& bad :
         {std::string("short-key"), std::string(129, 'k'), std::string("has space 0123456789"),
          std::string("pass&word=0123456789"), std::string("percent%20encoded-key")}) {
        auto r = parse_keys_file(kKeyA + "\n" + bad + "\n", "/etc/aciswarm/keys");
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.rfind("/etc/aciswarm/keys:2: ", 0), 0u) << r.error().message;
        EXPECT_EQ(r.error().message.find(bad), std::string::npos) << r.error().message;
    }
}

TEST(PasskeyParam, IsTheFirstPasskeyOfTheQuery) {
    EXPECT_EQ(passkey_param("info_hash=x&passkey=" + kKeyA + "&port=1"), kKeyA);
    EXPECT_EQ(passkey_param("passkey=" + kKeyA), kKeyA);
    EXPECT_EQ(passkey_param("passkey=a&passkey=b"), "a");
    // BEP 7's "key" (every client's own random id) is not a passkey.
    EXPECT_FALSE(passkey_param("key=" + kKeyA + "&port=1"));
    EXPECT_FALSE(passkey_param("mypasskey=" + kKeyA));
    EXPECT_FALSE(passkey_param(""));
}

TEST(Bep41, ConcatenatesUrlDataSkippingNops) {
    std::vector<std::uint8_t> options = url_data_option("/announce?pass");
    options.push_back(1);  // NOP
    const auto rest = url_data_option("key=" + kKeyA);
    options.insert(options.end(), rest.begin(), rest.end());
    options.push_back(0);  // end of options
    options.push_back(2);  // ignored after the end
    EXPECT_EQ(bep41_url_data(options), "/announce?passkey=" + kKeyA);
    EXPECT_EQ(bep41_url_data({}), "");
    // An option longer than the datagram is malformed.
    EXPECT_FALSE(bep41_url_data(std::vector<std::uint8_t>{2, 40, 'x'}));
    EXPECT_FALSE(bep41_url_data(std::vector<std::uint8_t>{2}));
}

TEST(KeyRing, AdmitsEveryoneUntilKeysAreSetThenOnlyThem) {
    KeyRing ring;
    EXPECT_FALSE(ring.enabled());
    EXPECT_TRUE(ring.admits_query("info_hash=x"));
    ring.replace({kKeyA, kKeyB});
    EXPECT_TRUE(ring.enabled());
    EXPECT_TRUE(ring.admits_query("info_hash=x&passkey=" + kKeyA));
    EXPECT_TRUE(ring.admits_query("passkey=" + kKeyB + "&info_hash=x"));
    EXPECT_FALSE(ring.admits_query("info_hash=x"));
    EXPECT_FALSE(ring.admits_query("info_hash=x&passkey=" + kKeyA + "x"));
    EXPECT_FALSE(ring.admits_query("info_hash=x&key=" + kKeyA));
    EXPECT_TRUE(ring.admits_udp_options(url_data_option("/announce?passkey=" + kKeyA)));
    EXPECT_FALSE(ring.admits_udp_options(url_data_option("/announce")));
    EXPECT_FALSE(ring.admits_udp_options({}));
    // A key removed from the file: locked out on the next request.
    ring.replace({kKeyB});
    EXPECT_FALSE(ring.admits_query("passkey=" + kKeyA));
    EXPECT_TRUE(ring.admits_query("passkey=" + kKeyB));
    // The last key removed: nobody, never everybody.
    ring.replace({});
    EXPECT_TRUE(ring.enabled());
    EXPECT_FALSE(ring.admits_query("passkey=" + kKeyB));
    EXPECT_EQ(ring.size(), 0u);
}
