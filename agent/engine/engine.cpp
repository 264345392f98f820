#include "agent/engine/engine.hpp"

#include <cstdlib>
#include <random>

#include "agent/engine/engine_impl.hpp"

namespace aciswarm::engine {

std::string endpoint_string(const lt::address& addr, int port) {
    if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(port);
    return addr.to_string() + ":" + std::to_string(port);
}

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Engine>> Engine::create(EngineConfig config, Logger& log,
                                               const Clock& clock) {
    if (!config.ca_file.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(config.ca_file, ec)) {
            return make_error(Errc::invalid_argument,
                              "ca file " + config.ca_file.string() + ": not a readable file");
        }
    }
    if (config.insecure_tls) {
        log.warn("TLS certificates of web seeds and trackers are NOT verified (insecure tls)");
    }
    auto impl = std::make_unique<Impl>(std::move(config), log, clock);
    // Zone-aware nodes take no share: their zone's leaders bring its copy.
    if (impl->config.piece_shares && !impl->config.zone.aware()) {
        std::random_device random;
        // 62 bits: a positive bencoded integer in every handshake.
        while (impl->share_key == 0)
            impl->share_key = ((std::uint64_t{random()} << 31) ^ random()) & ((1ULL << 62) - 1);
    }
    try {
        lt::session_params params(make_settings(impl->config));
        impl->session = std::make_unique<lt::session>(std::move(params));
        apply_peer_class_filter(*impl->session, impl->config);
    } catch (const std::exception& e) {
        return make_error(Errc::internal, std::string("bittorrent session: ") + e.what());
    }
    impl->last_resume_save = clock.now();
    Impl* raw = impl.get();
    impl->alert_thread = std::thread([raw] { raw->run_alerts(); });
    if (raw->config.zone.aware()) {
        impl->zone_thread =
            std::jthread([raw](std::stop_token stop) { raw->run_zone_queries(stop); });
    }
    std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
    const auto wanted = static_cast<int>(raw->config.listen_interfaces.size());
    if (wanted > 0) {
        std::unique_lock lock(raw->mu);
        const bool ok = raw->cv.wait_for(lock, raw->config.listen_timeout, [&] {
            return !raw->listeners.empty() || raw->listen_failures >= wanted;
        });
        if (raw->listeners.empty()) {
            lock.unlock();
            return make_error(Errc::network, std::string("bittorrent listen on ") +
                                                 join(raw->config.listen_interfaces, ',') +
                                                 (ok ? ": every listener failed" : ": timed out"));
        }
    }
    return engine;
}

Engine::~Engine() {
    if (!impl_) return;
    if (auto ok = save_resume_data(); !ok) impl_->log.warn(ok.error().message);
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopping = true;
    }
    if (impl_->zone_thread.joinable()) {
        impl_->zone_thread.request_stop();
        impl_->zone_thread.join();
    }
    if (impl_->alert_thread.joinable()) impl_->alert_thread.join();
    impl_->stop_slices();
    impl_->session.reset();
}

void Engine::set_event_callback(EventCallback callback) {
    std::lock_guard lock(impl_->mu);
    impl_->callback = std::move(callback);
}

std::vector<PeerEndpoint> Engine::listen_endpoints() const {
    std::lock_guard lock(impl_->mu);
    return impl_->listeners;
}

std::uint16_t Engine::listen_port() const {
    std::lock_guard lock(impl_->mu);
    return impl_->listeners.empty() ? 0 : impl_->listeners.front().port();
}

const EngineConfig& Engine::config() const {
    return impl_->config;
}

}  // namespace aciswarm::engine
