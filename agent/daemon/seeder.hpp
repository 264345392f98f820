// Decides which stored images the engine seeds, per each image's policy.
// Keeps per-image bookkeeping (policy override, when seeding started, bytes
// uploaded across restarts, why it stopped) in a JSON state file beside the
// store, written atomically (temp file + rename), so a restarted daemon goes
// on where it stopped. Time comes from the injected Clock's wall time.
// Thread: owned by the daemon's loop thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/daemon/backend.hpp"
#include "agent/daemon/policy.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace aciswarm::agent {

struct ImageSeedStatus {
    StoredImage image;
    SeedPolicy policy;
    bool policy_is_default = true;
    std::string state;  // engine state, or "stopped"
    std::string stop_reason;
    SwarmStats swarm;            // zeros when not in the engine
    std::uint64_t uploaded = 0;  // across restarts, since seeding started
    double ratio = 0;
    std::optional<Clock::WallTime> expires_at;
};

// What `aciswarm image gc` must keep when no daemon runs on the store: the
// images the daemon's state file (STORE/seeding.json, written by Seeder) says
// are pinned (policy forever) or were seeding when it last saved (not
// stopped). A missing file keeps nothing. Reads the file only; any thread.
Result<std::set<ImageId>> images_kept_by_seeding_state(const std::filesystem::path& state_file);

class Seeder {
  public:
    Seeder(DaemonBackend& backend, const Clock& clock, Logger& log, SeedPolicy default_policy,
           std::filesystem::path state_file);

    // Reads the state file (missing is fine). A corrupt file is an error naming it.
    Status load();
    Status save();

    void set_default_policy(SeedPolicy policy);
    // Syncs with the store, tracks peer activity, applies each image's policy.
    void tick();
    // Sets an image's own policy (policy none stops it) and re-evaluates it now.
    Status set_policy(const ImageId& id, SeedPolicy policy);
    std::vector<ImageSeedStatus> status();
    // Forgets an image that was removed from the store.
    void forget(const ImageId& id);
    std::size_t seeding_count() const;

  private:
    struct Entry {
        std::optional<SeedPolicy> policy;  // the image's own; nullopt = default
        Clock::WallTime seeding_since;
        Clock::WallTime last_activity;
        std::uint64_t uploaded_before = 0;   // from earlier daemon sessions
        std::uint64_t session_uploaded = 0;  // last value the engine reported
        std::uint64_t session_base = 0;      // engine's counter when this policy started
        bool seeding = false;
        std::string stop_reason;  // non-empty: stopped by policy, stays stopped
        StoredImage image;
    };

    SeedPolicy policy_of(const Entry& e) const { return e.policy.value_or(default_policy_); }
    std::uint64_t uploaded_of(const Entry& e) const;
    void apply(const ImageId& id, Entry& e);

    DaemonBackend& backend_;
    const Clock& clock_;
    Logger& log_;
    SeedPolicy default_policy_;
    std::filesystem::path state_file_;
    std::map<ImageId, Entry> entries_;
};

}  // namespace aciswarm::agent
