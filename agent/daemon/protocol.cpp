#include "agent/daemon/protocol.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <type_traits>
#include <utility>

#include "common/duration.hpp"
#include "common/hex.hpp"

namespace aciswarm::agent {
namespace {

constexpr std::array<std::pair<ApiOp, std::string_view>, 7> op_names{{
    {ApiOp::fetch, "fetch"},
    {ApiOp::list, "list"},
    {ApiOp::status, "status"},
    {ApiOp::seed, "seed"},
    {ApiOp::unseed, "unseed"},
    {ApiOp::rm, "rm"},
    {ApiOp::gc, "gc"},
}};

Error invalid(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

}  // namespace

std::string_view api_op_name(ApiOp op) {
    for (const auto& [o, name] : op_names) {
        if (o == op) return name;
    }
    return "?";
}

namespace {

// Fields each op takes beyond "op" and "id"; every other field is an error naming it.
struct OpFields {
    std::vector<std::string_view> allowed;
    std::vector<std::string_view> required;
};

OpFields fields_of(ApiOp op) {
    switch (op) {
        case ApiOp::fetch:
            return {{"source", "policy", "dir", "peers", "trackers", "no_store",
                     "no_https_fallback", "swarm_timeout", "source_fd", "signature"},
                    {"source"}};
        case ApiOp::seed:
            return {{"image", "policy"}, {"image", "policy"}};
        case ApiOp::unseed:
        case ApiOp::rm:
            return {{"image"}, {"image"}};
        case ApiOp::gc:
            return {{"older_than", "dry_run"}, {}};
        case ApiOp::list:
        case ApiOp::status:
            break;
    }
    return {};
}

Result<ApiOp> read_op(const nlohmann::json& doc) {
    const auto op_it = doc.find("op");
    if (op_it == doc.end()) return invalid("request: missing 'op'");
    if (!op_it->is_string()) return invalid("request: 'op' must be a string");
    const std::string op = op_it->get<std::string>();
    for (const auto& [o, name] : op_names) {
        if (name == op) return o;
    }
    return invalid("request: unknown op '" + op +
                   "' (want fetch, list, status, seed, unseed, rm or gc)");
}

Status read_string_list(const std::string& op, const std::string& key, const nlohmann::json& value,
                        std::vector<std::string>& out) {
    const std::string must = op + ": '" + key + "' must be an array of strings";
    if (!value.is_array()) return invalid(must);
    for (const auto& p : value) {
        if (!p.is_string()) return invalid(must);
        out.push_back(p.get<std::string>());
    }
    return {};
}

Status read_text_field(const std::string& op, const std::string& key, std::string text,
                       ApiRequest& req) {
    if (text.empty()) return invalid(op + ": '" + key + "' is empty");
    if (key == "older_than") {
        auto d = parse_duration(text);
        if (!d) return invalid(op + ": 'older_than' '" + text + "' is not a duration");
        req.older_than = std::chrono::duration_cast<std::chrono::seconds>(*d);
        return {};
    }
    if (key == "signature") {
        auto bytes = hex_decode(text);
        if (!bytes) return invalid(op + ": 'signature': " + bytes.error().message);
        req.signature.assign(bytes->begin(), bytes->end());
        return {};
    }
    if (key == "swarm_timeout") {
        auto d = parse_duration(text);
        if (!d || d->count() <= 0)
            return invalid(op + ": 'swarm_timeout' '" + text + "' is not a positive duration");
    }
    std::string* target = key == "image"           ? &req.image
                          : key == "policy"        ? &req.policy
                          : key == "source"        ? &req.source
                          : key == "dir"           ? &req.dir
                          : key == "swarm_timeout" ? &req.swarm_timeout
                                                   : nullptr;
    if (target != nullptr) *target = std::move(text);
    return {};
}

// One field the op allows, type-checked into `req`.
Status read_request_field(const std::string& op, const std::string& key,
                          const nlohmann::json& value, ApiRequest& req) {
    if (key == "peers") return read_string_list(op, key, value, req.peers);
    if (key == "trackers") return read_string_list(op, key, value, req.trackers);
    if (key == "dry_run" || key == "no_store" || key == "no_https_fallback" || key == "source_fd") {
        if (!value.is_boolean()) return invalid(op + ": '" + key + "' must be true or false");
        bool& target = key == "dry_run"     ? req.dry_run
                       : key == "no_store"  ? req.no_store
                       : key == "source_fd" ? req.source_fd
                                            : req.no_https_fallback;
        target = value.get<bool>();
        return {};
    }
    if (!value.is_string()) return invalid(op + ": '" + key + "' must be a string");
    return read_text_field(op, key, value.get<std::string>(), req);
}

}  // namespace

template <>
Result<ApiRequest> from_json<ApiRequest>(const nlohmann::json& doc) {
    if (!doc.is_object()) return invalid("request: not a JSON object");
    ApiRequest req;
    if (auto it = doc.find("id"); it != doc.end()) {
        if (!it->is_number_integer() && !it->is_string())
            return invalid("request: 'id' must be an integer or string");
        req.id = *it;
    }
    auto op = read_op(doc);
    if (!op) return op.error();
    req.op = *op;
    const std::string op_name(api_op_name(req.op));
    const OpFields fields = fields_of(req.op);
    for (const auto& [key, value] : doc.items()) {
        if (key == "op" || key == "id") continue;
        if (std::find(fields.allowed.begin(), fields.allowed.end(), key) == fields.allowed.end())
            return invalid(op_name + ": unknown field '" + key + "'");
        if (Status s = read_request_field(op_name, key, value, req); !s) return s.error();
    }
    for (std::string_view r : fields.required) {
        if (!doc.contains(r)) return invalid(op_name + ": missing '" + std::string(r) + "'");
    }
    return req;
}

Result<ApiRequest> parse_api_request(std::string_view line) {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded()) return invalid("request: not valid JSON");
    return from_json<ApiRequest>(doc);
}

nlohmann::json to_json(const ApiRequest& req) {
    nlohmann::json j{{"op", api_op_name(req.op)}};
    if (!req.id.is_null()) j["id"] = req.id;
    const auto put_text = [&](const char* key, const std::string& value) {
        if (!value.empty()) j[key] = value;
    };
    const auto put_flag = [&](const char* key, bool value) {
        if (value) j[key] = true;
    };
    switch (req.op) {
        case ApiOp::fetch:
            put_text("source", req.source);
            put_text("policy", req.policy);
            put_text("dir", req.dir);
            if (!req.peers.empty()) j["peers"] = req.peers;
            if (!req.trackers.empty()) j["trackers"] = req.trackers;
            put_flag("no_store", req.no_store);
            put_flag("no_https_fallback", req.no_https_fallback);
            put_text("swarm_timeout", req.swarm_timeout);
            put_flag("source_fd", req.source_fd);
            if (!req.signature.empty()) {
                j["signature"] =
                    to_hex(std::span(reinterpret_cast<const std::uint8_t*>(req.signature.data()),
                                     req.signature.size()));
            }
            break;
        case ApiOp::seed:
            put_text("image", req.image);
            put_text("policy", req.policy);
            break;
        case ApiOp::unseed:
        case ApiOp::rm:
            put_text("image", req.image);
            break;
        case ApiOp::gc:
            j["older_than"] = std::to_string(req.older_than.count()) + "s";
            put_flag("dry_run", req.dry_run);
            break;
        case ApiOp::list:
        case ApiOp::status:
            break;
    }
    return j;
}

ApiRequest seed_request(std::string image, std::string policy) {
    ApiRequest req;
    req.op = ApiOp::seed;
    req.image = std::move(image);
    req.policy = std::move(policy);
    return req;
}

ApiRequest unseed_request(std::string image) {
    ApiRequest req;
    req.op = ApiOp::unseed;
    req.image = std::move(image);
    return req;
}

ApiRequest status_request() {
    return ApiRequest{};
}

namespace {

// The JSON type a reply field must have for `T`; a decoder never throws.
template <class T>
bool json_fits(const nlohmann::json& v) {
    if constexpr (std::is_same_v<T, std::string>) {
        return v.is_string();
    } else if constexpr (std::is_same_v<T, bool>) {
        return v.is_boolean();
    } else if constexpr (std::is_floating_point_v<T>) {
        return v.is_number();
    } else if constexpr (std::is_unsigned_v<T>) {
        return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
    } else {
        return v.is_number_integer() && v.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
               v.get<std::int64_t>() <= std::numeric_limits<T>::max();
    }
}

// Reads j[key] into `out`. An absent optional field leaves `out` as it is.
template <class T>
Status read_field(const nlohmann::json& j, const char* key, T& out, bool required = true) {
    const auto it = j.find(key);
    if (it == j.end()) {
        if (!required) return {};
        return make_error(Errc::protocol, std::string("reply: missing '") + key + "'");
    }
    if (!json_fits<T>(*it))
        return make_error(Errc::protocol, std::string("reply: '") + key + "' has the wrong type");
    out = it->get<T>();
    return {};
}

template <class T>
Status read_list(const nlohmann::json& j, const char* key, std::vector<T>& out) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array())
        return make_error(Errc::protocol, std::string("reply: '") + key + "' must be an array");
    for (const auto& item : *it) {
        auto m = from_json<T>(item);
        if (!m) return with_context(std::string("reply: '") + key + "'", m.error());
        out.push_back(std::move(*m));
    }
    return {};
}

Status must_be_object(const nlohmann::json& j) {
    if (j.is_object()) return {};
    return make_error(Errc::protocol, "reply: not a JSON object");
}

// The first failed status of a decoder's field reads, or ok.
Status first_error(std::initializer_list<Status> reads) {
    for (const Status& s : reads) {
        if (!s) return s;
    }
    return {};
}

}  // namespace

nlohmann::json to_json(const ImageSummary& m) {
    return {{"id", m.id},     {"display", m.display}, {"name", m.name},
            {"size", m.size}, {"state", m.state},     {"policy", m.policy}};
}

template <>
Result<ImageSummary> from_json<ImageSummary>(const nlohmann::json& j) {
    ImageSummary m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s =
            first_error({read_field(j, "id", m.id), read_field(j, "display", m.display),
                         read_field(j, "name", m.name), read_field(j, "size", m.size),
                         read_field(j, "state", m.state), read_field(j, "policy", m.policy)});
        !s)
        return s.error();
    return m;
}

namespace {
// "zone_leaders": optional, a list of strings.
Status read_zone_leaders(const nlohmann::json& j, std::vector<std::string>& out) {
    const auto it = j.find("zone_leaders");
    if (it == j.end()) return {};
    if (!it->is_array()) return make_error(Errc::protocol, "reply: 'zone_leaders' is not a list");
    for (const auto& leader : *it) {
        if (!leader.is_string()) {
            return make_error(Errc::protocol, "reply: 'zone_leaders' has a non-string entry");
        }
        out.push_back(leader.get<std::string>());
    }
    return {};
}
}  // namespace

nlohmann::json to_json(const ImageReport& m) {
    nlohmann::json j = to_json(m.summary);
    j.update({{"peers", m.peers},
              {"download_rate", m.download_rate},
              {"upload_rate", m.upload_rate},
              {"uploaded", m.uploaded},
              {"ratio", m.ratio},
              {"policy_source", m.policy_is_default ? "default" : "image"}});
    if (!m.stop_reason.empty()) j["stop_reason"] = m.stop_reason;
    if (m.expires_at) j["expires_at"] = *m.expires_at;
    if (!m.zone_role.empty()) {
        j.update({{"zone_role", m.zone_role}, {"zone", m.zone}, {"zone_leaders", m.zone_leaders}});
    }
    return j;
}

template <>
Result<ImageReport> from_json<ImageReport>(const nlohmann::json& j) {
    auto summary = from_json<ImageSummary>(j);
    if (!summary) return summary.error();
    ImageReport m;
    m.summary = std::move(*summary);
    std::string policy_source;
    std::int64_t expires_at = 0;
    if (Status s = first_error(
            {read_field(j, "peers", m.peers), read_field(j, "download_rate", m.download_rate),
             read_field(j, "upload_rate", m.upload_rate), read_field(j, "uploaded", m.uploaded),
             read_field(j, "ratio", m.ratio), read_field(j, "policy_source", policy_source),
             read_field(j, "stop_reason", m.stop_reason, false),
             read_field(j, "expires_at", expires_at, false),
             read_field(j, "zone_role", m.zone_role, false), read_field(j, "zone", m.zone, false),
             read_zone_leaders(j, m.zone_leaders)});
        !s)
        return s.error();
    m.policy_is_default = policy_source == "default";
    if (j.contains("expires_at")) m.expires_at = expires_at;
    return m;
}

nlohmann::json to_json(const DaemonReport& m) {
    return {{"pid", m.pid},
            {"uptime_seconds", m.uptime_seconds},
            {"listen_port", m.listen_port},
            {"seed_policy", m.seed_policy},
            {"store", m.store},
            {"images", m.images},
            {"seeding", m.seeding}};
}

template <>
Result<DaemonReport> from_json<DaemonReport>(const nlohmann::json& j) {
    DaemonReport m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = first_error(
            {read_field(j, "pid", m.pid), read_field(j, "uptime_seconds", m.uptime_seconds),
             read_field(j, "listen_port", m.listen_port),
             read_field(j, "seed_policy", m.seed_policy), read_field(j, "store", m.store),
             read_field(j, "images", m.images), read_field(j, "seeding", m.seeding)});
        !s)
        return s.error();
    return m;
}

template <class T>
nlohmann::json json_array(const std::vector<T>& items) {
    nlohmann::json a = nlohmann::json::array();
    for (const T& item : items)
        a.push_back(to_json(item));
    return a;
}

nlohmann::json to_json(const ListReply& m) {
    return {{"images", json_array(m.images)}};
}

template <>
Result<ListReply> from_json<ListReply>(const nlohmann::json& j) {
    ListReply m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = read_list(j, "images", m.images); !s) return s.error();
    return m;
}

nlohmann::json to_json(const MirrorReport& m) {
    return {{"address", m.address},       {"served", m.served},
            {"fallbacks", m.fallbacks},   {"bytes_served", m.bytes_served},
            {"from_peers", m.from_peers}, {"from_upstream", m.from_upstream}};
}

template <>
Result<MirrorReport> from_json<MirrorReport>(const nlohmann::json& j) {
    MirrorReport m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = first_error(
            {read_field(j, "address", m.address), read_field(j, "served", m.served),
             read_field(j, "fallbacks", m.fallbacks), read_field(j, "bytes_served", m.bytes_served),
             read_field(j, "from_peers", m.from_peers),
             read_field(j, "from_upstream", m.from_upstream)});
        !s)
        return s.error();
    return m;
}

nlohmann::json to_json(const StatusReply& m) {
    nlohmann::json j = {{"daemon", to_json(m.daemon)}, {"images", json_array(m.images)}};
    if (m.mirror) j["mirror"] = to_json(*m.mirror);
    return j;
}

template <>
Result<StatusReply> from_json<StatusReply>(const nlohmann::json& j) {
    StatusReply m;
    if (Status s = must_be_object(j); !s) return s.error();
    auto daemon = from_json<DaemonReport>(j.contains("daemon") ? j["daemon"] : nlohmann::json());
    if (!daemon) return with_context("reply: 'daemon'", daemon.error());
    m.daemon = std::move(*daemon);
    if (Status s = read_list(j, "images", m.images); !s) return s.error();
    if (j.contains("mirror")) {  // only from a daemon with --mirror
        auto mirror = from_json<MirrorReport>(j["mirror"]);
        if (!mirror) return with_context("reply: 'mirror'", mirror.error());
        m.mirror = std::move(*mirror);
    }
    return m;
}

nlohmann::json to_json(const SeedReply& m) {
    return {{"image", to_json(m.image)}};
}

template <>
Result<SeedReply> from_json<SeedReply>(const nlohmann::json& j) {
    if (Status s = must_be_object(j); !s) return s.error();
    auto image = from_json<ImageReport>(j.contains("image") ? j["image"] : nlohmann::json());
    if (!image) return with_context("reply: 'image'", image.error());
    return SeedReply{std::move(*image)};
}

nlohmann::json to_json(const RemoveReply& m) {
    return {{"removed", m.removed}};
}

template <>
Result<RemoveReply> from_json<RemoveReply>(const nlohmann::json& j) {
    RemoveReply m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = read_field(j, "removed", m.removed); !s) return s.error();
    return m;
}

nlohmann::json to_json(const RemovedImage& m) {
    return {{"id", m.id}, {"name", m.name}};
}

template <>
Result<RemovedImage> from_json<RemovedImage>(const nlohmann::json& j) {
    RemovedImage m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = first_error({read_field(j, "id", m.id), read_field(j, "name", m.name)}); !s)
        return s.error();
    return m;
}

nlohmann::json to_json(const GcReply& m) {
    return {{"gc", {{"removed", json_array(m.removed)}}}, {"store", m.store}};
}

template <>
Result<GcReply> from_json<GcReply>(const nlohmann::json& j) {
    GcReply m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s = read_field(j, "store", m.store); !s) return s.error();
    const auto gc = j.find("gc");
    if (gc == j.end() || !gc->is_object())
        return make_error(Errc::protocol, "reply: 'gc' must be an object");
    if (Status s = read_list(*gc, "removed", m.removed); !s) return s.error();
    return m;
}

nlohmann::json to_json(const FetchReply& m) {
    return {{"image", m.image}, {"display", m.display}};
}

template <>
Result<FetchReply> from_json<FetchReply>(const nlohmann::json& j) {
    FetchReply m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (Status s =
            first_error({read_field(j, "image", m.image), read_field(j, "display", m.display)});
        !s)
        return s.error();
    return m;
}

nlohmann::json to_json(const fetch::FetchProgress& m) {
    return {{"event", "progress"},
            {"phase", fetch::fetch_phase_name(m.phase)},
            {"done", m.done},
            {"total", m.total},
            {"download_rate", m.rate},
            {"peers", m.peers},
            {"web_seeds", m.web_seeds},
            {"from_peers", m.from_peers},
            {"from_everseed", m.from_everseed},
            {"from_web_seeds", m.from_web_seeds},
            {"hash_failures", m.hash_failures}};
}

template <>
Result<fetch::FetchProgress> from_json<fetch::FetchProgress>(const nlohmann::json& j) {
    fetch::FetchProgress m;
    if (Status s = must_be_object(j); !s) return s.error();
    if (const auto event = j.find("event"); event == j.end() || *event != "progress")
        return make_error(Errc::protocol, "event: not a progress event");
    std::string phase;
    if (Status s =
            first_error({read_field(j, "phase", phase), read_field(j, "done", m.done),
                         read_field(j, "total", m.total), read_field(j, "download_rate", m.rate),
                         read_field(j, "peers", m.peers), read_field(j, "web_seeds", m.web_seeds),
                         read_field(j, "from_peers", m.from_peers),
                         read_field(j, "from_everseed", m.from_everseed),
                         read_field(j, "from_web_seeds", m.from_web_seeds),
                         read_field(j, "hash_failures", m.hash_failures)});
        !s)
        return s.error();
    auto known = fetch::parse_fetch_phase(phase);
    if (!known) return make_error(Errc::protocol, "event: unknown phase '" + phase + "'");
    m.phase = *known;
    return m;
}

nlohmann::json api_error_reply(const Error& error, const nlohmann::json& id) {
    nlohmann::json reply{{"ok", false}, {"error", error.message}, {"code", errc_name(error.code)}};
    if (!id.is_null()) reply["id"] = id;
    return reply;
}

Error api_reply_error(const nlohmann::json& reply) {
    Error e{Errc::internal, "daemon: request failed"};
    if (!reply.is_object()) return e;
    if (const auto m = reply.find("error"); m != reply.end() && m->is_string())
        e.message = m->get<std::string>();
    const auto code = reply.find("code");
    if (code == reply.end() || !code->is_string()) return e;
    for (int c = 0; c <= static_cast<int>(Errc::untrusted); ++c) {  // untrusted: the last
        if (*code == errc_name(static_cast<Errc>(c))) e.code = static_cast<Errc>(c);
    }
    return e;
}

nlohmann::json api_ok_reply(nlohmann::json fields, const nlohmann::json& id) {
    nlohmann::json reply{{"ok", true}};
    if (fields.is_object()) reply.update(fields);
    if (!id.is_null()) reply["id"] = id;
    return reply;
}

Result<std::vector<std::string>> LineBuffer::feed(std::string_view bytes) {
    if (failed_) return make_error(Errc::too_large, "request: connection already failed");
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < bytes.size()) {
        const std::size_t nl = bytes.find('\n', start);
        const std::string_view chunk =
            bytes.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        if (pending_.size() + chunk.size() > max_line_) {
            failed_ = true;
            pending_.clear();
            return make_error(Errc::too_large, "request: longer than " + std::to_string(max_line_) +
                                                   " bytes (limit max-request-bytes)");
        }
        pending_.append(chunk);
        if (nl == std::string_view::npos) break;
        if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
        lines.push_back(std::move(pending_));
        pending_.clear();
        start = nl + 1;
    }
    return lines;
}

}  // namespace aciswarm::agent
