// `aciswarm discover NAME`: appc meta discovery of an image's endpoints
// (image, signature, torrent, magnet, public keys), printed as a table or JSON.
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "agent/cli/auth_options.hpp"
#include "agent/cli/cli.hpp"
#include "common/duration.hpp"
#include "common/options.hpp"
#include "common/units.hpp"
#include "discovery/discover.hpp"
#include "discovery/http_page_fetcher.hpp"

namespace aciswarm::agent {
namespace {

using namespace aciswarm::discovery;

const OptionParser& parser() {
    static const OptionParser p(
        "aciswarm discover NAME[:VERSION][,LABEL=VALUE]... [OPTIONS]",
        with_common_flags({
            {"insecure-options", OptionSpec::Kind::value,
             "comma list: http (retry over plain http), tls (skip certificate checks)", "LIST"},
            {"ca-file", OptionSpec::Kind::value, "PEM file of CAs to trust instead of the system's",
             "FILE"},
            {"auth-dir", OptionSpec::Kind::value, std::string(auth_dir_help), "DIR"},
            {"connect-timeout", OptionSpec::Kind::value, "connect timeout per page (default 5s)",
             "DURATION"},
            {"timeout", OptionSpec::Kind::value, "total timeout per page (default 30s)",
             "DURATION"},
            {"json", OptionSpec::Kind::flag, "print JSON instead of a table", ""},
        }),
        {"aciswarm discover example.com/app:1.0",
         "aciswarm discover example.com/app,os=linux,arch=arm64 --json",
         "aciswarm discover registry.local/app --ca-file=/etc/aciswarm/ca.pem"});
    return p;
}

nlohmann::ordered_json endpoints_json(const std::vector<Endpoint>& list) {
    auto out = nlohmann::ordered_json::array();
    for (const Endpoint& e : list)
        out.push_back({{"url", e.url}, {"page", e.page}});
    return out;
}

nlohmann::ordered_json result_json(const DiscoveryResult& r) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const Label& l : r.image.labels)
        labels[l.name] = l.value;
    nlohmann::ordered_json pages = nlohmann::ordered_json::array();
    for (const PageInfo& p : r.pages) {
        nlohmann::ordered_json page{{"url", p.url}};
        page["max_age"] = p.max_age ? nlohmann::ordered_json(p.max_age->count()) : nullptr;
        page["etag"] =
            p.etag.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.etag);
        pages.push_back(std::move(page));
    }
    nlohmann::ordered_json attempts = nlohmann::ordered_json::array();
    for (const Attempt& a : r.attempts) {
        attempts.push_back({{"walk", a.walk}, {"url", a.url}, {"outcome", a.outcome}});
    }
    return {
        {"name", r.image.name},
        {"labels", labels},
        {"images", endpoints_json(r.images)},
        {"signatures", endpoints_json(r.signatures)},
        {"torrents", endpoints_json(r.torrents)},
        {"magnets", endpoints_json(r.magnets)},
        {"pubkeys", endpoints_json(r.pubkeys)},
        {"pubkeys_error", r.pubkeys_error.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(r.pubkeys_error)},
        {"pages", pages},
        {"attempts", attempts},
    };
}

void print_table(std::ostream& out, const DiscoveryResult& r) {
    out << "name    " << r.image.name << "\nlabels ";
    for (const Label& l : r.image.labels)
        out << " " << l.name << "=" << l.value;
    out << "\n\n";
    std::vector<std::pair<std::string, const Endpoint*>> rows;
    auto add = [&](const char* kind, const std::vector<Endpoint>& list) {
        for (const Endpoint& e : list)
            rows.emplace_back(kind, &e);
    };
    add("image", r.images);
    add("signature", r.signatures);
    add("torrent", r.torrents);
    add("magnet", r.magnets);
    add("pubkeys", r.pubkeys);
    std::size_t url_width = 3;
    for (const auto& row : rows)
        url_width = std::max(url_width, row.second->url.size());
    auto pad = [](std::string s, std::size_t width) {
        if (s.size() < width) s.resize(width, ' ');
        return s;
    };
    out << pad("KIND", 10) << "  " << pad("URL", url_width) << "  PAGE\n";
    for (const auto& [kind, e] : rows) {
        out << pad(kind, 10) << "  " << pad(e->url, url_width) << "  " << e->page << "\n";
    }
    for (const PageInfo& p : r.pages) {
        out << "\npage " << p.url << "  max-age "
            << (p.max_age ? std::to_string(p.max_age->count()) + "s" : std::string("-"))
            << "  etag " << (p.etag.empty() ? std::string("-") : p.etag);
    }
    if (!r.pages.empty()) out << "\n";
}

}  // namespace

int run_discover(std::span<const std::string> args, CliContext& ctx) {
    int code = exit_ok;
    auto parsed = parse_command(parser(), args, ctx, code, "aciswarm discover");
    if (!parsed) return code;
    if (parsed->positional().size() != 1) {
        ctx.err << "aciswarm discover: want exactly one image NAME (see --help)\n";
        return exit_usage;
    }
    auto image = parse_image_ref(parsed->positional()[0]);
    if (!image) {
        ctx.err << "aciswarm discover: " << image.error().message << "\n";
        return exit_usage;
    }

    http::ClientOptions transport = http::page_options();
    std::string list = parsed->get_or("insecure-options", "");
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string item = list.substr(0, comma);
        list = comma == std::string::npos ? std::string() : list.substr(comma + 1);
        if (item == "http") {
            transport.allow_http = true;
        } else if (item == "tls") {
            transport.skip_tls_verify = true;
        } else if (item != "none" && !item.empty()) {
            ctx.err << "aciswarm discover: --insecure-options: '" << item
                    << "' is not one of http, tls, none\n";
            return exit_usage;
        }
    }
    transport.ca_file = parsed->get_or("ca-file", "");
    auto credentials = load_auth_options(*parsed, ctx.log);
    if (!credentials) {
        ctx.err << "aciswarm discover: " << credentials.error().message << "\n";
        return exit_failure;
    }
    transport.credentials = std::move(*credentials);
    for (const auto& [name, target] : {std::pair<const char*, std::chrono::milliseconds*>{
                                           "connect-timeout", &transport.connect_timeout},
                                       {"timeout", &transport.total_timeout}}) {
        if (auto text = parsed->get(name)) {
            auto d = parse_duration_option("--" + std::string(name), *text,
                                           std::chrono::milliseconds(1));
            if (!d) {
                ctx.err << "aciswarm discover: " << d.error().message << "\n";
                return exit_usage;
            }
            *target = *d;
        }
    }

    HttpPageFetcher fetcher(transport);
    DiscoveryOptions options;
    options.allow_http = transport.allow_http;
    ctx.log.debug("discovering ", image->to_string());
    auto result = discover(*image, fetcher, options);
    if (!result) {
        ctx.err << "aciswarm discover: " << result.error().message << "\n";
        return exit_failure;
    }
    if (!result->pubkeys_error.empty()) {
        ctx.err << "aciswarm discover: warning: public keys not discovered: "
                << result->pubkeys_error << "\n";
    }
    for (const Attempt& a : result->attempts) {
        ctx.log.debug(a.walk, " walk passed over ", a.url, ": ", a.outcome);
    }
    if (parsed->flag("json")) {
        ctx.out << result_json(*result).dump(2) << "\n";
    } else {
        print_table(ctx.out, *result);
    }
    return exit_ok;
}

}  // namespace aciswarm::agent
