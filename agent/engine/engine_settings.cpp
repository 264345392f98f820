// EngineConfig -> libtorrent's settings_pack and peer class filter, and the
// names of the engine's policies and states.
#include <libtorrent/fingerprint.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/version.hpp>

#include <algorithm>

#include "agent/engine/engine_impl.hpp"

namespace aciswarm::engine {

Result<EncryptionPolicy> parse_encryption_policy(std::string_view text) {
    if (text == "prefer") return EncryptionPolicy::prefer;
    if (text == "require") return EncryptionPolicy::require;
    if (text == "disable") return EncryptionPolicy::disable;
    return make_error(Errc::invalid_argument, "encryption policy '" + std::string(text) +
                                                  "': want prefer, require or disable");
}

std::string_view encryption_policy_name(EncryptionPolicy policy) {
    switch (policy) {
        case EncryptionPolicy::prefer:
            return "prefer";
        case EncryptionPolicy::require:
            return "require";
        case EncryptionPolicy::disable:
            return "disable";
    }
    return "?";
}

Result<WebSeedUse> parse_web_seed_use(std::string_view text) {
    if (text == "always") return WebSeedUse::always;
    if (text == "fallback") return WebSeedUse::fallback;
    return make_error(Errc::invalid_argument,
                      "web seed use '" + std::string(text) + "': want always or fallback");
}

std::string_view web_seed_use_name(WebSeedUse use) {
    return use == WebSeedUse::always ? "always" : "fallback";
}

std::string_view torrent_state_name(TorrentState state) {
    switch (state) {
        case TorrentState::checking:
            return "checking";
        case TorrentState::downloading_metadata:
            return "downloading_metadata";
        case TorrentState::downloading:
            return "downloading";
        case TorrentState::finished:
            return "finished";
        case TorrentState::seeding:
            return "seeding";
        case TorrentState::error:
            return "error";
    }
    return "?";
}

lt::settings_pack make_settings(const EngineConfig& config) {
    lt::settings_pack pack;
    pack.set_int(
        lt::settings_pack::alert_mask,
        static_cast<int>(static_cast<std::uint32_t>(
            lt::alert_category::error | lt::alert_category::status | lt::alert_category::storage |
            lt::alert_category::tracker | lt::alert_category::peer)));
    pack.set_int(lt::settings_pack::alert_queue_size, 10000);
    pack.set_str(lt::settings_pack::listen_interfaces, join(config.listen_interfaces, ','));
    pack.set_bool(lt::settings_pack::enable_dht, config.dht);
    pack.set_bool(lt::settings_pack::enable_lsd, config.local_service_discovery);
    pack.set_bool(lt::settings_pack::enable_upnp, false);
    pack.set_bool(lt::settings_pack::enable_natpmp, false);
    if (!config.dht) pack.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
    pack.set_int(lt::settings_pack::upload_rate_limit,
                 static_cast<int>(std::min<std::int64_t>(config.upload_rate_limit, INT32_MAX)));
    pack.set_int(lt::settings_pack::download_rate_limit,
                 static_cast<int>(std::min<std::int64_t>(config.download_rate_limit, INT32_MAX)));
    pack.set_int(lt::settings_pack::connections_limit, config.connections_limit);
    pack.set_bool(lt::settings_pack::enable_outgoing_utp, config.outgoing_utp);
    pack.set_bool(lt::settings_pack::enable_incoming_utp, config.incoming_utp);
    int policy = lt::settings_pack::pe_enabled;
    if (config.encryption == EncryptionPolicy::require) policy = lt::settings_pack::pe_forced;
    if (config.encryption == EncryptionPolicy::disable) policy = lt::settings_pack::pe_disabled;
    pack.set_int(lt::settings_pack::out_enc_policy, policy);
    pack.set_int(lt::settings_pack::in_enc_policy, policy);
    pack.set_int(lt::settings_pack::allowed_enc_level,
                 config.encryption == EncryptionPolicy::require ? lt::settings_pack::pe_rc4
                                                                : lt::settings_pack::pe_both);
    pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip,
                  config.allow_multiple_connections_per_ip);
    pack.set_bool(lt::settings_pack::validate_https_trackers, !config.insecure_tls);
    pack.set_bool(lt::settings_pack::ssrf_mitigation, config.ssrf_mitigation);
    pack.set_str(lt::settings_pack::user_agent, config.user_agent + "/" LIBTORRENT_VERSION);
    pack.set_str(lt::settings_pack::peer_fingerprint, lt::generate_fingerprint("AW", 0, 1));
    // Stop announces must not hold up shutdown, but should reach the tracker
    // (else it hands the gone peer out until its announce interval ends).
    pack.set_int(lt::settings_pack::stop_tracker_timeout, 2);
    // Images are served to a cluster: no seeding-time or ratio limits, no queueing.
    pack.set_int(lt::settings_pack::active_seeds, -1);
    pack.set_int(lt::settings_pack::active_downloads, -1);
    pack.set_int(lt::settings_pack::active_limit, -1);
    pack.set_int(lt::settings_pack::urlseed_max_request_bytes, config.web_seed_request_bytes);
    // libtorrent picks its first 4 pieces at random, ignoring piece priorities: with
    // piece shares, a node's first pieces are its share's (piece_shares.hpp).
    if (config.piece_shares) pack.set_int(lt::settings_pack::initial_picker_threshold, 0);
    return pack;
}

// libtorrent's default peer class filter maps local networks to its local
// peer class, which ignores the session's rate limits. Unless local peers are
// exempt, every IPv4 and IPv6 address maps to the global class, where the
// limits live (libtorrent's documented way to rate-limit local peers).
void apply_peer_class_filter(lt::session& session, const EngineConfig& config) {
    if (config.exempt_local_peers) return;
    lt::ip_filter filter;
    const std::uint32_t global = 1u
                                 << static_cast<std::uint32_t>(lt::session::global_peer_class_id);
    filter.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"), global);
    filter.add_rule(lt::make_address("::"),
                    lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), global);
    session.set_peer_class_filter(filter);
}

std::map<std::string, std::string> describe_settings(const EngineConfig& config) {
    const lt::settings_pack pack = make_settings(config);
    std::map<std::string, std::string> out;
    for (int i = 0; i < lt::settings_pack::num_string_settings; ++i) {
        const int key = lt::settings_pack::string_type_base + i;
        if (pack.has_val(key)) out[lt::name_for_setting(key)] = pack.get_str(key);
    }
    for (int i = 0; i < lt::settings_pack::num_int_settings; ++i) {
        const int key = lt::settings_pack::int_type_base + i;
        if (pack.has_val(key)) out[lt::name_for_setting(key)] = std::to_string(pack.get_int(key));
    }
    for (int i = 0; i < lt::settings_pack::num_bool_settings; ++i) {
        const int key = lt::settings_pack::bool_type_base + i;
        if (pack.has_val(key))
            out[lt::name_for_setting(key)] = pack.get_bool(key) ? "true" : "false";
    }
    return out;
}

}  // namespace aciswarm::engine
