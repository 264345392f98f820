#include "agent/daemon/protocol.hpp"

#include <gtest/gtest.h>

namespace aciswarm::agent {
namespace {

TEST(ApiRequest, ParsesEachOp) {
    auto r = parse_api_request(R"({"op":"seed","image":"sha512-abc","policy":"for=24h","id":7})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->op, ApiOp::seed);
    EXPECT_EQ(r->image, "sha512-abc");
    EXPECT_EQ(r->policy, "for=24h");
    EXPECT_EQ(r->id, 7);
    r = parse_api_request(
        R"({"op":"fetch","source":"example.com/app:1.0","dir":"/home/x","peers":["127.0.0.1:6881"]})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->op, ApiOp::fetch);
    EXPECT_EQ(r->source, "example.com/app:1.0");
    EXPECT_EQ(r->peers, std::vector<std::string>{"127.0.0.1:6881"});
    EXPECT_FALSE(parse_api_request(R"({"op":"fetch","source":"x","peers":"127.0.0.1:1"})"));
    EXPECT_FALSE(parse_api_request(R"({"op":"fetch","source":"x","peers":[1]})"));
    EXPECT_TRUE(r->trackers.empty());
    EXPECT_FALSE(r->no_store);
    EXPECT_FALSE(r->no_https_fallback);
    EXPECT_EQ(r->swarm_timeout, "");
    r = parse_api_request(
        R"({"op":"fetch","source":"x","trackers":["http://127.0.0.1:1/announce"],"no_store":true,)"
        R"("no_https_fallback":true,"swarm_timeout":"20s"})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->trackers, std::vector<std::string>{"http://127.0.0.1:1/announce"});
    EXPECT_TRUE(r->no_store);
    EXPECT_TRUE(r->no_https_fallback);
    EXPECT_EQ(r->swarm_timeout, "20s");
    for (const char* bad : {R"({"op":"fetch","source":"x","no_store":"yes"})",
                            R"({"op":"fetch","source":"x","trackers":"http://a/"})",
                            R"({"op":"fetch","source":"x","swarm_timeout":"soon"})",
                            R"({"op":"fetch","source":"x","swarm_timeout":"0s"})"}) {
        auto e = parse_api_request(bad);
        ASSERT_FALSE(e) << bad;
        EXPECT_NE(e.error().message.find("fetch: '"), std::string::npos) << e.error().message;
    }
    for (const char* ok : {R"({"op":"list"})", R"({"op":"status","id":"a"})", R"({"op":"gc"})",
                           R"({"op":"unseed","image":"abc"})", R"({"op":"rm","image":"abc"})"}) {
        EXPECT_TRUE(parse_api_request(ok)) << ok;
    }
}

TEST(ApiRequest, ErrorsSayWhatIsWrong) {
    struct Case {
        const char* line;
        const char* want;
    };
    for (const Case& k : {
             Case{"not json", "request: not valid JSON"},
             Case{"[1]", "request: not a JSON object"},
             Case{R"({"image":"x"})", "request: missing 'op'"},
             Case{R"({"op":5})", "request: 'op' must be a string"},
             Case{R"({"op":"frob"})", "request: unknown op 'frob'"},
             Case{R"({"op":"seed","image":"abc"})", "seed: missing 'policy'"},
             Case{R"({"op":"rm"})", "rm: missing 'image'"},
             Case{R"({"op":"rm","image":5})", "rm: 'image' must be a string"},
             Case{R"({"op":"rm","image":""})", "rm: 'image' is empty"},
             Case{R"({"op":"status","verbose":true})", "status: unknown field 'verbose'"},
             Case{R"({"op":"status","id":[1]})", "request: 'id' must be an integer or string"},
         }) {
        auto r = parse_api_request(k.line);
        ASSERT_FALSE(r) << k.line;
        EXPECT_NE(r.error().message.find(k.want), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().code, Errc::invalid_argument);
    }
}

TEST(ApiReplies, CarryOkErrorCodeAndId) {
    const auto e = api_error_reply(make_error(Errc::not_found, "image x: not in the store"), 3);
    EXPECT_EQ(e.dump(),
              R"({"code":"not found","error":"image x: not in the store","id":3,"ok":false})");
    const auto ok = api_ok_reply({{"images", nlohmann::json::array()}});
    EXPECT_EQ(ok.dump(), R"({"images":[],"ok":true})");
}

TEST(LineBuffer, SplitsLinesAcrossChunks) {
    LineBuffer b(100);
    auto l = b.feed("{\"op\":");
    ASSERT_TRUE(l);
    EXPECT_TRUE(l->empty());
    l = b.feed("\"list\"}\r\n{\"op\":\"gc\"}\n{\"op");
    ASSERT_TRUE(l);
    ASSERT_EQ(l->size(), 2U);
    EXPECT_EQ((*l)[0], R"({"op":"list"})");
    EXPECT_EQ((*l)[1], R"({"op":"gc"})");
    EXPECT_FALSE(b.empty());
}

TEST(LineBuffer, RefusesALineLongerThanTheLimit) {
    LineBuffer b(16);
    ASSERT_TRUE(b.feed(std::string(16, 'x')));  // exactly the limit, still open
    auto l = b.feed("y");
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, Errc::too_large);
    EXPECT_NE(l.error().message.find("longer than 16 bytes"), std::string::npos);
    EXPECT_FALSE(b.feed("\n"));  // stays failed
}

}  // namespace
}  // namespace aciswarm::agent

namespace aciswarm::agent {
namespace {

TEST(ApiRequest, FetchSourceFdAndGcOptions) {
    auto f = parse_api_request(R"({"op":"fetch","source":"./x.torrent","source_fd":true})");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_TRUE(f->source_fd);
    EXPECT_FALSE(parse_api_request(R"({"op":"fetch","source":"x","source_fd":1})"));
    EXPECT_FALSE(parse_api_request(R"({"op":"status","source_fd":true})"));
    auto g = parse_api_request(R"({"op":"gc","older_than":"1h","dry_run":true})");
    ASSERT_TRUE(g) << g.error().message;
    EXPECT_EQ(g->older_than, std::chrono::hours(1));
    EXPECT_TRUE(g->dry_run);
    auto d = parse_api_request(R"({"op":"gc"})");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->older_than, std::chrono::hours(24));
    EXPECT_FALSE(d->dry_run);
    EXPECT_FALSE(parse_api_request(R"({"op":"gc","older_than":"soon"})"));
}

}  // namespace
}  // namespace aciswarm::agent

namespace aciswarm::agent {
namespace {

// Every message survives to_json -> the wire -> from_json unchanged.
template <class Message>
void expect_round_trip(const Message& m) {
    const std::string wire = to_json(m).dump();
    auto back = from_json<Message>(nlohmann::json::parse(wire));
    ASSERT_TRUE(back) << wire << ": " << back.error().message;
    EXPECT_TRUE(*back == m) << wire;
}

ImageReport sample_report() {
    ImageReport r;
    r.summary = {"sha512-" + std::string(128, 'a'),
                 "sha512-aaaa",
                 "example.com/app:1.0",
                 4096,
                 "seeding",
                 "for=24h"};
    r.peers = 3;
    r.download_rate = 10;
    r.upload_rate = 2000;
    r.uploaded = 1ull << 40;
    r.ratio = 1.5;
    r.policy_is_default = true;
    r.stop_reason = "expired";
    r.expires_at = 1764500000;
    r.zone_role = "follower";
    r.zone = "rack-a";
    r.zone_leaders = {"10.0.0.1:6881", "[::1]:6882"};
    return r;
}

TEST(ApiRoundTrip, EveryRequest) {
    ApiRequest fetch;
    fetch.op = ApiOp::fetch;
    fetch.id = 7;
    fetch.source = "./app.torrent";
    fetch.policy = "forever";
    fetch.dir = "/home/x";
    fetch.peers = {"127.0.0.1:6881"};
    fetch.trackers = {"http://127.0.0.1:1/announce"};
    fetch.no_store = fetch.no_https_fallback = fetch.source_fd = true;
    fetch.swarm_timeout = "20s";
    // A binary signature (not UTF-8) survives: hex on the wire.
    fetch.signature = std::string("\x89\x01\x00\xff-----BEGIN PGP", 18);
    ApiRequest gc;
    gc.op = ApiOp::gc;
    gc.id = "x";
    gc.older_than = std::chrono::hours(7 * 24);
    gc.dry_run = true;
    ApiRequest rm;
    rm.op = ApiOp::rm;
    rm.image = "sha512-ab";
    ApiRequest list;
    list.op = ApiOp::list;
    for (const ApiRequest& r : {fetch, gc, rm, list, status_request(),
                                seed_request("ab", "idle=1h"), unseed_request("ab")}) {
        expect_round_trip(r);
    }
    // The encoder sends only what the op takes: no stray fields for the daemon to refuse.
    EXPECT_EQ(to_json(seed_request("ab", "forever")).dump(),
              R"({"image":"ab","op":"seed","policy":"forever"})");
    EXPECT_EQ(to_json(status_request()).dump(), R"({"op":"status"})");
    EXPECT_EQ(to_json(fetch)["signature"].get<std::string>().substr(0, 8), "890100ff");
    auto bad = parse_api_request(R"({"op":"fetch","source":"x","signature":"zz"})");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("fetch: 'signature'"), std::string::npos)
        << bad.error().message;
}

TEST(ApiRoundTrip, EveryReply) {
    ImageReport bare = sample_report();
    bare.stop_reason.clear();
    bare.expires_at.reset();
    bare.policy_is_default = false;
    bare.zone_role.clear();
    bare.zone.clear();
    bare.zone_leaders.clear();
    expect_round_trip(sample_report());
    expect_round_trip(bare);
    expect_round_trip(ListReply{{sample_report().summary, bare.summary}});
    expect_round_trip(ListReply{});
    expect_round_trip(StatusReply{{1234, 60, 6881, "for=24h", "/var/lib/aciswarm", 2, 1},
                                  {sample_report(), bare}});
    StatusReply with_mirror{{1, 2, 3, "none", "/s", 0, 0}, {}};
    with_mirror.mirror = MirrorReport{"127.0.0.1:5050", 7, 2, 4096, 3000, 1000};
    expect_round_trip(with_mirror);
    EXPECT_FALSE(to_json(StatusReply{}).contains("mirror"));  // without --mirror
    expect_round_trip(SeedReply{bare});
    expect_round_trip(RemoveReply{"sha512-ab"});
    expect_round_trip(GcReply{{{"sha512-ab", "example.com/a:1"}, {"sha512-cd", ""}}, "/s"});
    expect_round_trip(FetchReply{"sha512-ab", "sha512-ab"});
    expect_round_trip(
        fetch::FetchProgress{fetch::FetchPhase::downloading, 10, 100, 5, 2, 1, 8, 3, 2, 1});
    expect_round_trip(fetch::FetchProgress{});  // phase discovering, total unknown (-1)
}

TEST(ApiRoundTrip, WireNamesStayAsDocumented) {
    const auto j = to_json(sample_report());
    EXPECT_EQ(j["policy_source"], "default");
    EXPECT_EQ(j["expires_at"], 1764500000);
    EXPECT_FALSE(to_json(ImageReport{}).contains("stop_reason"));
    EXPECT_FALSE(to_json(ImageReport{}).contains("zone_role"));
    EXPECT_EQ(j["zone_role"], "follower");
    EXPECT_EQ(j["zone_leaders"][1], "[::1]:6882");
    const auto gc = api_ok_reply(to_json(GcReply{{{"sha512-ab", "n"}}, "/s"}), 3);
    EXPECT_EQ(
        gc.dump(),
        R"({"gc":{"removed":[{"id":"sha512-ab","name":"n"}]},"id":3,"ok":true,"store":"/s"})");
    EXPECT_EQ(to_json(fetch::FetchProgress{})["event"], "progress");
    EXPECT_EQ(to_json(fetch::FetchProgress{fetch::FetchPhase::https})["phase"], "https");
}

TEST(ApiRoundTrip, ARefusalKeepsItsErrorKind) {
    for (int c = 0; c <= static_cast<int>(Errc::untrusted); ++c) {
        const Error sent = make_error(static_cast<Errc>(c), "fetch x: refused");
        const Error back = api_reply_error(nlohmann::json::parse(api_error_reply(sent, 4).dump()));
        EXPECT_EQ(back.code, sent.code) << errc_name(sent.code);
        EXPECT_EQ(back.message, sent.message);
    }
    const Error unknown = api_reply_error(nlohmann::json{{"ok", false}, {"code", "frobbed"}});
    EXPECT_EQ(unknown.code, Errc::internal);
    EXPECT_FALSE(unknown.message.empty());
}

TEST(ApiRoundTrip, DecodersRefuseMistypedReplies) {
    auto j = to_json(sample_report());
    j["peers"] = "three";
    auto r = from_json<ImageReport>(j);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("'peers'"), std::string::npos) << r.error().message;
    EXPECT_FALSE(from_json<StatusReply>(nlohmann::json::array()));
    auto status = to_json(StatusReply{});
    status["mirror"] = {{"address", "127.0.0.1:5050"}, {"served", "many"}};
    EXPECT_FALSE(from_json<StatusReply>(status));
    EXPECT_FALSE(from_json<GcReply>(nlohmann::json{{"store", "/s"}}));
    EXPECT_FALSE(from_json<RemoveReply>(nlohmann::json{{"removed", -1}}));
    EXPECT_FALSE(from_json<fetch::FetchProgress>(nlohmann::json{{"event", 5}}));
    auto phase = to_json(fetch::FetchProgress{});
    phase["phase"] = "teleporting";
    auto unknown = from_json<fetch::FetchProgress>(phase);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("'teleporting'"), std::string::npos);
    auto size = to_json(sample_report().summary);
    size["size"] = -5;
    EXPECT_FALSE(from_json<ImageSummary>(size));
}

}  // namespace
}  // namespace aciswarm::agent
