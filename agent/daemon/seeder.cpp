#include "agent/daemon/seeder.hpp"

#include "common/file_read.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

namespace aciswarm::agent {
namespace {

std::int64_t to_ms(Clock::WallTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::WallTime from_ms(std::int64_t ms) {
    return Clock::WallTime(
        std::chrono::duration_cast<Clock::WallTime::duration>(std::chrono::milliseconds(ms)));
}

}  // namespace

Seeder::Seeder(DaemonBackend& backend, const Clock& clock, Logger& log, SeedPolicy default_policy,
               std::filesystem::path state_file)
    : backend_(backend),
      clock_(clock),
      log_(log),
      default_policy_(default_policy),
      state_file_(std::move(state_file)) {}

Result<std::set<ImageId>> images_kept_by_seeding_state(const std::filesystem::path& state_file) {
    std::set<ImageId> keep;
    std::error_code ec;
    if (!std::filesystem::exists(state_file, ec)) return keep;
    auto text = read_file_bounded(state_file.string(), 64 << 20);
    if (!text) return text.error();
    const std::string where = state_file.string();
    const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("images") ||
        !doc["images"].is_object()) {
        return make_error(Errc::corrupt, where + ": not a seeding state file");
    }
    for (const auto& [key, v] : doc["images"].items()) {
        auto id = ImageId::parse(key);
        if (!id) return with_context(where, id.error());
        if (!v.is_object()) continue;
        const bool pinned = v.value("policy", std::string()) == "forever";
        const bool stopped = !v.value("stopped", std::string()).empty();
        if (pinned || !stopped) keep.insert(*id);
    }
    return keep;
}

Status Seeder::load() {
    std::ifstream in(state_file_, std::ios::binary);
    if (!in) return {};  // first start
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string where = state_file_.string();
    const nlohmann::json doc = nlohmann::json::parse(buf.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("images") ||
        !doc["images"].is_object()) {
        return make_error(Errc::corrupt, where + ": not a seeding state file");
    }
    std::map<ImageId, Entry> loaded;
    for (const auto& [key, v] : doc["images"].items()) {
        auto id = ImageId::parse(key);
        if (!id) return with_context(where, id.error());
        if (!v.is_object())
            return make_error(Errc::corrupt, where + ": " + key + ": not an object");
        Entry e;
        try {
            if (v.contains("policy")) {
                auto p = SeedPolicy::parse(v.at("policy").get<std::string>());
                if (!p) return with_context(where, p.error());
                e.policy = *p;
            }
            e.seeding_since = from_ms(v.at("seeding_since_ms").get<std::int64_t>());
            e.last_activity =
                from_ms(v.value("last_activity_ms", v.at("seeding_since_ms").get<std::int64_t>()));
            e.uploaded_before = v.value("uploaded", std::uint64_t{0});
            e.stop_reason = v.value("stopped", std::string());
        } catch (const nlohmann::json::exception& ex) {
            return make_error(Errc::corrupt, where + ": " + key + ": " + ex.what());
        }
        e.image.id = *id;
        loaded.emplace(*id, std::move(e));
    }
    entries_ = std::move(loaded);
    return {};
}

Status Seeder::save() {
    nlohmann::json images = nlohmann::json::object();
    for (const auto& [id, e] : entries_) {
        nlohmann::json v{{"seeding_since_ms", to_ms(e.seeding_since)},
                         {"last_activity_ms", to_ms(e.last_activity)},
                         {"uploaded", uploaded_of(e)}};
        if (e.policy) v["policy"] = e.policy->to_string();
        if (!e.stop_reason.empty()) v["stopped"] = e.stop_reason;
        images[id.full()] = std::move(v);
    }
    const nlohmann::json doc{{"version", 1}, {"images", std::move(images)}};
    const std::filesystem::path tmp = state_file_.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << doc.dump(1) << "\n";
        out.flush();
        if (!out) return make_error(Errc::io, tmp.string() + ": write failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, state_file_, ec);
    if (ec) return make_error(Errc::io, state_file_.string() + ": " + ec.message());
    return {};
}

void Seeder::set_default_policy(SeedPolicy policy) {
    default_policy_ = policy;
}

std::uint64_t Seeder::uploaded_of(const Entry& e) const {
    const std::uint64_t session =
        e.session_uploaded >= e.session_base ? e.session_uploaded - e.session_base : 0;
    return e.uploaded_before + session;
}

void Seeder::tick() {
    auto images = backend_.stored_images();
    if (!images) {
        log_.warn("seeding: ", images.error().message);
        return;
    }
    const auto now = clock_.wall_now();
    std::set<ImageId> present;
    bool changed = false;
    for (const StoredImage& img : *images) {
        present.insert(img.id);
        auto [it, inserted] = entries_.try_emplace(img.id);
        Entry& e = it->second;
        if (inserted) {
            e.seeding_since = now;
            e.last_activity = now;
            changed = true;
        }
        e.image = img;
    }
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (present.contains(it->first)) {
            ++it;
            continue;
        }
        if (it->second.seeding) backend_.stop_seeding(it->first);
        it = entries_.erase(it);
        changed = true;
    }
    for (auto& [id, e] : entries_) {
        if (e.seeding) {
            if (auto stats = backend_.swarm_stats(id)) {
                if (stats->uploaded > e.session_uploaded || stats->upload_rate > 0)
                    e.last_activity = now;
                e.session_uploaded = stats->uploaded;
            }
        }
        apply(id, e);
    }
    if (changed) {
        if (Status s = save(); !s) log_.warn("seeding: ", s.error().message);
    }
}

void Seeder::apply(const ImageId& id, Entry& e) {
    const SeedPolicy policy = policy_of(e);
    if (e.stop_reason.empty()) {
        const SeedProgress progress{e.seeding_since, e.last_activity, uploaded_of(e), e.image.size};
        const SeedDecision d = evaluate_seed_policy(policy, progress, clock_.wall_now());
        if (!d.keep_seeding) {
            e.stop_reason = d.reason;
            log_.info("stop seeding ", id.display(), ": ", d.reason);
            if (Status s = save(); !s) log_.warn("seeding: ", s.error().message);
        }
    }
    if (!e.stop_reason.empty()) {
        if (e.seeding) {
            backend_.stop_seeding(id);
            e.uploaded_before = uploaded_of(e);
            e.session_uploaded = e.session_base = 0;
            e.seeding = false;
        }
        return;
    }
    if (!e.seeding && e.image.seedable) {
        if (Status s = backend_.start_seeding(id); !s) {
            log_.warn("seed ", id.display(), ": ", s.error().message);
            return;
        }
        e.seeding = true;
        e.session_uploaded = e.session_base = 0;
        log_.info("seeding ", id.display(), " (policy ", policy.to_string(), ")");
    }
}

Status Seeder::set_policy(const ImageId& id, SeedPolicy policy) {
    auto it = entries_.find(id);
    if (it == entries_.end()) {
        tick();
        it = entries_.find(id);
        if (it == entries_.end())
            return make_error(Errc::not_found, "image " + id.display() + ": not in the store");
    }
    Entry& e = it->second;
    const auto now = clock_.wall_now();
    e.policy = policy;
    e.seeding_since = now;
    e.last_activity = now;
    e.uploaded_before = 0;
    e.session_base = e.session_uploaded;
    e.stop_reason.clear();
    apply(id, e);
    return save();
}

std::vector<ImageSeedStatus> Seeder::status() {
    std::vector<ImageSeedStatus> out;
    out.reserve(entries_.size());
    for (auto& [id, e] : entries_) {
        ImageSeedStatus s;
        s.image = e.image;
        s.policy = policy_of(e);
        s.policy_is_default = !e.policy.has_value();
        s.stop_reason = e.stop_reason;
        if (auto stats = e.seeding ? backend_.swarm_stats(id) : std::nullopt) {
            s.swarm = *stats;
            s.state = stats->state;
        } else {
            s.state = e.seeding
                          ? "starting"
                          : (e.stop_reason.empty() && !e.image.seedable ? "no-torrent" : "stopped");
        }
        s.uploaded = uploaded_of(e);
        s.ratio = seed_ratio(s.uploaded, e.image.size);
        if (e.stop_reason.empty()) {
            s.expires_at =
                evaluate_seed_policy(s.policy,
                                     {e.seeding_since, e.last_activity, s.uploaded, e.image.size},
                                     clock_.wall_now())
                    .expires_at;
        }
        out.push_back(std::move(s));
    }
    return out;
}

void Seeder::forget(const ImageId& id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (it->second.seeding) backend_.stop_seeding(id);
    entries_.erase(it);
    if (Status s = save(); !s) log_.warn("seeding: ", s.error().message);
}

std::size_t Seeder::seeding_count() const {
    std::size_t n = 0;
    for (const auto& [id, e] : entries_)
        n += e.seeding ? 1 : 0;
    return n;
}

}  // namespace aciswarm::agent
