#include "agent/daemon/policy.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/duration.hpp"

namespace aciswarm::agent {

Result<SeedPolicy> SeedPolicy::parse(std::string_view text) {
    const auto fail = [&](const std::string& why) {
        return make_error(Errc::invalid_argument,
                          "seed policy '" + std::string(text) + "': " + why);
    };
    if (text == "forever") return SeedPolicy::forever();
    if (text == "none") return SeedPolicy::none();
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
        return fail("want forever, none, ratio=R, for=DURATION or idle=DURATION");
    }
    const std::string_view key = text.substr(0, eq);
    const std::string_view value = text.substr(eq + 1);
    if (key == "ratio") {
        double r = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), r);
        if (ec != std::errc() || end != value.data() + value.size())
            return fail("ratio is not a number");
        if (!std::isfinite(r) || r <= 0) return fail("ratio must be a positive number");
        return SeedPolicy::ratio_of(r);
    }
    if (key == "for" || key == "idle") {
        auto d = parse_duration(value);
        if (!d) return fail(d.error().message);
        if (d->count() <= 0) return fail("duration must be positive");
        return key == "for" ? SeedPolicy::for_(*d) : SeedPolicy::idle(*d);
    }
    return fail("unknown kind '" + std::string(key) + "'");
}

std::string SeedPolicy::to_string() const {
    switch (kind) {
        case Kind::none:
            return "none";
        case Kind::forever:
            return "forever";
        case Kind::ratio: {
            char buf[64];
            const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ratio);
            return "ratio=" + std::string(buf, ec == std::errc() ? end : buf);
        }
        case Kind::for_duration:
            return "for=" + format_duration(duration);
        case Kind::idle:
            return "idle=" + format_duration(duration);
    }
    return "?";
}

double seed_ratio(std::uint64_t uploaded, std::uint64_t size) {
    return size == 0 ? 0.0 : static_cast<double>(uploaded) / static_cast<double>(size);
}

SeedDecision evaluate_seed_policy(const SeedPolicy& policy, const SeedProgress& progress,
                                  Clock::WallTime now) {
    SeedDecision d;
    switch (policy.kind) {
        case SeedPolicy::Kind::none:
            d.keep_seeding = false;
            d.reason = "policy none";
            return d;
        case SeedPolicy::Kind::forever:
            return d;
        case SeedPolicy::Kind::ratio: {
            // Compare in integers where possible: uploaded >= ratio * size.
            const long double target =
                static_cast<long double>(policy.ratio) * static_cast<long double>(progress.size);
            if (static_cast<long double>(progress.uploaded) >= target) {
                char buf[160];
                std::snprintf(buf, sizeof buf, "ratio %.2f reached (uploaded %llu of %llu bytes)",
                              policy.ratio, static_cast<unsigned long long>(progress.uploaded),
                              static_cast<unsigned long long>(progress.size));
                d.keep_seeding = false;
                d.reason = buf;
            }
            return d;
        }
        case SeedPolicy::Kind::for_duration: {
            const auto end = progress.seeding_since + policy.duration;
            d.expires_at = end;
            if (now >= end) {
                d.keep_seeding = false;
                d.reason = "seeded for " + format_duration(policy.duration);
            }
            return d;
        }
        case SeedPolicy::Kind::idle: {
            const auto last = std::max(progress.last_peer_activity, progress.seeding_since);
            const auto end = last + policy.duration;
            d.expires_at = end;
            if (now >= end) {
                d.keep_seeding = false;
                d.reason = "no peer asked for " + format_duration(policy.duration);
            }
            return d;
        }
    }
    return d;
}

}  // namespace aciswarm::agent
