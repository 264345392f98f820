#include "agent/daemon/protocol.hpp"

#include <array>

#include <utility>
#include "common/duration.hpp"

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

Result<ApiRequest> parse_api_request(std::string_view line) {
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_discarded()) return invalid("request: not valid JSON");
    if (!doc.is_object()) return invalid("request: not a JSON object");
    ApiRequest req;
    if (auto it = doc.find("id"); it != doc.end()) {
        if (!it->is_number_integer() && !it->is_string())
            return invalid("request: 'id' must be an integer or string");
        req.id = *it;
    }
    const auto op_it = doc.find("op");
    if (op_it == doc.end()) return invalid("request: missing 'op'");
    if (!op_it->is_string()) return invalid("request: 'op' must be a string");
    const std::string op = op_it->get<std::string>();
    bool known = false;
    for (const auto& [o, name] : op_names) {
        if (name == op) {
            req.op = o;
            known = true;
        }
    }
    if (!known) {
        return invalid("request: unknown op '" + op +
                       "' (want fetch, list, status, seed, unseed, rm or gc)");
    }
    // Fields each op accepts; every other field is an error naming it.
    std::vector<std::string_view> allowed{"op", "id"};
    std::vector<std::string_view> required;
    switch (req.op) {
        case ApiOp::fetch:
            allowed.insert(allowed.end(),
                           {"source", "policy", "dir", "peers", "trackers", "no_store",
                            "no_https_fallback", "swarm_timeout", "source_fd"});
            required = {"source"};
            break;
        case ApiOp::seed:
            allowed.insert(allowed.end(), {"image", "policy"});
            required = {"image", "policy"};
            break;
        case ApiOp::unseed:
        case ApiOp::rm:
            allowed.push_back("image");
            required = {"image"};
            break;
        case ApiOp::gc:
            allowed.insert(allowed.end(), {"older_than", "dry_run"});
            break;
        case ApiOp::list:
        case ApiOp::status:
            break;
    }
    for (const auto& [key, value] : doc.items()) {
        bool ok = false;
        for (std::string_view a : allowed)
            ok = ok || a == key;
        if (!ok) return invalid(op + ": unknown field '" + key + "'");
        if (key == "op" || key == "id") continue;
        if (key == "peers" || key == "trackers") {
            const std::string must = op + ": '" + key + "' must be an array of strings";
            if (!value.is_array()) return invalid(must);
            for (const auto& p : value) {
                if (!p.is_string()) return invalid(must);
                (key == "peers" ? req.peers : req.trackers).push_back(p.get<std::string>());
            }
            continue;
        }
        if (key == "dry_run") {
            if (!value.is_boolean()) return invalid(op + ": 'dry_run' must be true or false");
            req.dry_run = value.get<bool>();
            continue;
        }
        if (key == "no_store" || key == "no_https_fallback" || key == "source_fd") {
            if (!value.is_boolean()) return invalid(op + ": '" + key + "' must be true or false");
            (key == "no_store"    ? req.no_store
             : key == "source_fd" ? req.source_fd
                                  : req.no_https_fallback) = value.get<bool>();
            continue;
        }
        if (!value.is_string()) return invalid(op + ": '" + key + "' must be a string");
        std::string s = value.get<std::string>();
        if (s.empty()) return invalid(op + ": '" + key + "' is empty");
        if (key == "image") req.image = std::move(s);
        if (key == "policy") req.policy = std::move(s);
        if (key == "source") req.source = std::move(s);
        if (key == "dir") req.dir = std::move(s);
        if (key == "older_than") {
            auto d = parse_duration(s);
            if (!d) return invalid(op + ": 'older_than' '" + s + "' is not a duration");
            req.older_than = std::chrono::duration_cast<std::chrono::seconds>(*d);
        }
        if (key == "swarm_timeout") {
            auto d = parse_duration(s);
            if (!d || d->count() <= 0)
                return invalid(op + ": 'swarm_timeout' '" + s + "' is not a positive duration");
            req.swarm_timeout = std::move(s);
        }
    }
    for (std::string_view r : required) {
        if (!doc.contains(r)) return invalid(op + ": missing '" + std::string(r) + "'");
    }
    return req;
}

nlohmann::json api_error_reply(const Error& error, const nlohmann::json& id) {
    nlohmann::json reply{{"ok", false}, {"error", error.message}, {"code", errc_name(error.code)}};
    if (!id.is_null()) reply["id"] = id;
    return reply;
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
