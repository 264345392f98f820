// `aciswarm trust`: the trusted-key store (trust/trust_store.hpp, rkt's
// layout). `trust --prefix=NAME [KEY]` trusts a key for names under NAME (KEY
// a file or https URL; without it the key comes from NAME's
// ac-discovery-pubkeys tag), `trust --root KEY` for every name, `trust list`,
// `trust rm FINGERPRINT`. A key not given on the command line is shown
// (fingerprint, user ids) and needs "yes" on the terminal unless
// --skip-fingerprint-review, as `rkt trust`.
#include <unistd.h>

#include <iostream>
#include <ostream>
#include <string>

#include "agent/cli/auth_options.hpp"
#include "agent/cli/cli.hpp"
#include "agent/cli/store_cli.hpp"
#include "agent/cli/trust_options.hpp"
#include "common/file_read.hpp"
#include "discovery/discover.hpp"
#include "discovery/http_page_fetcher.hpp"
#include "discovery/image_ref.hpp"
#include "trust/openpgp.hpp"
#include "trust/printable.hpp"
#include "trust/trust_store.hpp"

namespace aciswarm::agent {
namespace {

constexpr std::size_t max_key_bytes = 1024 * 1024;

std::vector<OptionSpec> common_trust_options(std::vector<OptionSpec> own) {
    own.push_back({"trust-dir", OptionSpec::Kind::value, std::string(trust_dir_help), "DIR"});
    return with_common_flags(std::move(own));
}

http::ClientOptions transport(bool allow_http, const std::string& ca_file) {
    http::ClientOptions t = http::page_options();
    t.allow_http = allow_http;
    t.ca_file = ca_file;
    t.max_body = max_key_bytes;
    return t;
}

// A key from a file or an http(s) URL.
Result<std::string> load_key(const std::string& where, const http::ClientOptions& transport) {
    if (where.starts_with("https://") || where.starts_with("http://")) {
        if (where.starts_with("http://") && !transport.allow_http) {
            return make_error(Errc::permission,
                              "key " + where + ": refusing plain http (--insecure-options=http)");
        }
        discovery::HttpPageFetcher fetcher(transport);
        auto r = fetcher.get(where);
        if (!r) return with_context("key " + where, std::move(r).error());
        if (r->status != 200) {
            return make_error(Errc::network,
                              "key " + where + ": HTTP " + std::to_string(r->status));
        }
        return std::move(r->body);
    }
    auto bytes = read_file_bounded(where, max_key_bytes);
    if (!bytes) return with_context("key file", std::move(bytes).error());
    return bytes;
}

// Prints the key as rkt does and asks on the terminal; true when accepted.
bool review(const std::string& prefix, const std::string& where, const trust::KeyInfo& info,
            bool skip, CliContext& ctx) {
    std::ostream& o = ctx.err;
    o << "Prefix: \"" << trust::printable(prefix) << "\"\n"
      << "Key: \"" << trust::printable(where) << "\"\n"
      << "GPG key fingerprint is: " << info.fingerprint.grouped() << "\n";
    for (const auto& sub : info.subkeys)
        o << "\tSubkey fingerprint: " << sub.grouped() << "\n";
    for (const auto& uid : info.user_ids)
        o << "\t" << trust::printable(uid) << "\n";
    if (info.revoked) o << "\tThis key is REVOKED.\n";
    if (skip) return true;
    if (::isatty(STDIN_FILENO) == 0) {
        o << "aciswarm trust: no terminal to confirm the key on; check the fingerprint and "
             "pass --skip-fingerprint-review\n";
        return false;
    }
    for (int tries = 0; tries < 3; ++tries) {
        o << "Are you sure you want to trust this key (yes/no)? " << std::flush;
        std::string answer;
        if (!std::getline(std::cin, answer)) return false;
        if (answer == "yes" || answer == "y") return true;
        if (answer == "no" || answer == "n") return false;
    }
    return false;
}

// The key URLs in PREFIX's ac-discovery-pubkeys tags; the error is the line to print.
Result<std::vector<std::string>> discover_key_urls(const discovery::ImageRef& ref,
                                                   const std::string& prefix,
                                                   const http::ClientOptions& transport) {
    discovery::HttpPageFetcher pages(transport);
    discovery::DiscoveryOptions d;
    d.allow_http = transport.allow_http;
    d.want_images = false;
    auto found = discovery::discover(ref, pages, d);
    if (!found) {
        return make_error(found.error().code, "key discovery for " + trust::printable(prefix) +
                                                  ": " + found.error().message);
    }
    std::vector<std::string> urls;
    for (const auto& k : found->pubkeys)
        urls.push_back(k.url);
    if (urls.empty()) {
        return make_error(Errc::not_found,
                          "no ac-discovery-pubkeys tag for " + trust::printable(prefix) +
                              (found->pubkeys_error.empty() ? "" : ": " + found->pubkeys_error) +
                              " (give the KEY file or URL)");
    }
    return urls;
}

struct KeyToAdd {
    std::string prefix;             // "" for a root key
    http::ClientOptions transport;  // for a key URL
    bool needs_review = false;      // discovered, and no --skip-fingerprint-review
};

// Loads, shows (and asks, when needs_review) and stores the key at `where`.
// Returns the exit code.
int add_key(trust::TrustStore& store, const std::string& where, const KeyToAdd& key,
            CliContext& ctx) {
    auto bytes = load_key(where, key.transport);
    if (!bytes) {
        ctx.err << "aciswarm trust: " << bytes.error().message << "\n";
        return exit_failure;
    }
    auto info = trust::read_public_key(trust::as_bytes(*bytes), "key " + where);
    if (!info) {
        ctx.err << "aciswarm trust: " << info.error().message << "\n";
        return exit_failure;
    }
    if (!review(key.prefix, where, *info, !key.needs_review, ctx)) {
        ctx.err << "aciswarm trust: not trusting " << info->fingerprint.grouped() << "\n";
        return exit_failure;
    }
    auto added = store.add(key.prefix, trust::as_bytes(*bytes), "key " + where);
    if (!added) {
        ctx.err << "aciswarm trust: " << added.error().message << "\n";
        return exit_failure;
    }
    ctx.err << "Added "
            << (key.prefix.empty() ? "root key" : "key for prefix \"" + key.prefix + "\"")
            << " at \"" << added->file.string() << "\"\n";
    ctx.out << added->fingerprint.hex << "\n";
    return exit_ok;
}

int trust_add(const ParsedOptions& opts, CliContext& ctx) {
    const bool root = opts.flag("root");
    const std::string prefix = opts.get_or("prefix", "");
    const bool allow_http = opts.get_or("insecure-options", "") == "http";
    if (root == !prefix.empty()) {
        ctx.err << "aciswarm trust: give either --prefix=NAME or --root (see --help)\n";
        return exit_usage;
    }
    if (!prefix.empty()) {
        if (auto ok = trust::check_prefix(prefix); !ok) {
            ctx.err << "aciswarm trust: " << ok.error().message << "\n";
            return exit_usage;
        }
    }
    http::ClientOptions key_transport = transport(allow_http, opts.get_or("ca-file", ""));
    auto credentials = load_auth_options(opts, ctx.log);
    if (!credentials) {
        ctx.err << "aciswarm trust: " << credentials.error().message << "\n";
        return exit_failure;
    }
    key_transport.credentials = std::move(*credentials);
    std::vector<std::string> sources = opts.positional();
    const bool discovered = sources.empty();
    if (discovered) {
        if (root) {
            ctx.err << "aciswarm trust: --root needs a KEY file (no discovery for every name)\n";
            return exit_usage;
        }
        auto ref = discovery::parse_image_ref(prefix);
        if (!ref) {
            ctx.err << "aciswarm trust: " << ref.error().message << "\n";
            return exit_usage;
        }
        auto urls = discover_key_urls(*ref, prefix, key_transport);
        if (!urls) {
            ctx.err << "aciswarm trust: " << urls.error().message << "\n";
            return exit_failure;
        }
        sources = std::move(*urls);
    }
    trust::TrustStore store(trust_dirs(opts));
    // A key named on the command line was chosen by the caller; a
    // discovered one must be confirmed (rkt's rule).
    const KeyToAdd key{prefix, key_transport, discovered && !opts.flag("skip-fingerprint-review")};
    int rc = exit_ok;
    for (const std::string& where : sources) {
        if (add_key(store, where, key, ctx) != exit_ok) rc = exit_failure;
    }
    return rc;
}

}  // namespace

int cmd_trust(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm trust --prefix=NAME [KEY...] | --root KEY...\n\n"
        "Trusts OpenPGP public keys (armoured or binary; KEY a file or https URL) to sign\n"
        "the images whose names start with NAME (whole path segments), or every image\n"
        "(--root). Without KEY the keys come from NAME's ac-discovery-pubkeys meta tag and\n"
        "are shown for confirmation. Keys go to /etc/aciswarm/trustedkeys (rkt's layout;\n"
        "--trust-dir elsewhere). Prints each trusted key's fingerprint. See docs/trust.md.\n"
        "Also: aciswarm trust list, aciswarm trust rm FINGERPRINT.",
        common_trust_options({
            {"prefix", OptionSpec::Kind::value, "trust the keys for names under this prefix",
             "NAME"},
            {"root", OptionSpec::Kind::flag, "trust the keys for every image name", ""},
            {"skip-fingerprint-review", OptionSpec::Kind::flag,
             "trust discovered keys without asking", ""},
            {"insecure-options", OptionSpec::Kind::value,
             "http: allow plain http for key discovery and download", "LIST"},
            {"ca-file", OptionSpec::Kind::value,
             "PEM file of CAs to trust instead of the system's (discovery, key download)", "FILE"},
            {"auth-dir", OptionSpec::Kind::value, std::string(auth_dir_help), "DIR"},
        }),
        {"aciswarm trust --prefix=registry.example.com/app ./app-signing-key.asc",
         "aciswarm trust --root /etc/aciswarm/keys/cluster.gpg",
         "aciswarm trust --prefix=registry.example.com/app  # asks the name's pubkeys"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm trust");
    if (!opts) return code;
    return trust_add(*opts, ctx);
}

int cmd_trust_list(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser("aciswarm trust list [OPTIONS]\n\nLists the trusted keys.",
                              common_trust_options({}),
                              {"aciswarm trust list", "aciswarm trust list --trust-dir=/tmp/keys"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm trust");
    if (!opts) return code;
    trust::TrustStore store(trust_dirs(*opts));
    auto all = store.list();
    if (!all) {
        ctx.err << "aciswarm trust list: " << all.error().message << "\n";
        return exit_failure;
    }
    ctx.out << "FINGERPRINT                               PREFIX  SOURCE  USER IDS\n";
    for (const auto& k : *all) {
        std::string uids = "-";
        if (auto bytes = trust::read_key_file(k.file)) {
            if (auto info = trust::read_public_key(trust::as_bytes(*bytes), k.file.string());
                info && !info->user_ids.empty()) {
                uids = trust::printable(info->user_ids.front());
            }
        }
        ctx.out << k.fingerprint.hex << "  " << (k.root() ? "(root)" : k.prefix) << "  "
                << (k.vendor ? "vendor" : "admin") << "  " << uids << "\n";
    }
    return exit_ok;
}

int cmd_trust_rm(std::span<const std::string> args, CliContext& ctx) {
    const OptionParser parser(
        "aciswarm trust rm FINGERPRINT...\n\nStops trusting keys (every prefix, and root); a "
        "vendor key is disabled by an empty file of the same name.",
        common_trust_options({}),
        {"aciswarm trust rm 0123456789ABCDEF0123456789ABCDEF01234567",
         "aciswarm trust rm --trust-dir=/tmp/keys 0123456789ABCDEF0123456789ABCDEF01234567"});
    int code = exit_ok;
    auto opts = parse_command(parser, args, ctx, code, "aciswarm trust");
    if (!opts) return code;
    if (opts->positional().empty()) {
        ctx.err << "aciswarm trust rm: want at least one FINGERPRINT\n";
        return exit_usage;
    }
    trust::TrustStore store(trust_dirs(*opts));
    int rc = exit_ok;
    for (const std::string& text : opts->positional()) {
        auto fp = trust::Fingerprint::parse(text);
        if (!fp) {
            ctx.err << "aciswarm trust rm: " << fp.error().message << "\n";
            rc = exit_usage;
            continue;
        }
        auto removed = store.remove(*fp);
        if (!removed) {
            ctx.err << "aciswarm trust rm: " << removed.error().message << "\n";
            rc = exit_failure;
            continue;
        }
        for (const auto& k : *removed)
            ctx.out << "removed " << k.fingerprint.hex << " "
                    << (k.root() ? std::string("(root)") : k.prefix) << "\n";
    }
    return rc;
}

}  // namespace aciswarm::agent
