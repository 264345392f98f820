#include "tracker/livesync/instances.hpp"

#include <algorithm>
#include <variant>

namespace aciswarm::livesync {

InstanceTable::InstanceTable(const Clock& clock, std::size_t max_rows)
    : clock_(clock), max_rows_(std::max<std::size_t>(max_rows, 1)) {}

InstanceRow* InstanceTable::row_for(InstanceId instance, const PeerEndpoint& source,
                                    bool may_evict) {
    for (InstanceRow& r : rows_) {
        if (r.instance == instance && r.address == source) return &r;
    }
    InstanceRow fresh;
    fresh.instance = instance;
    fresh.address = source;
    if (rows_.size() < max_rows_) {
        rows_.push_back(fresh);
        return &rows_.back();
    }
    if (!may_evict) return nullptr;
    // The row heard from longest ago, among those never accepted when there are any.
    const bool any_unaccepted = std::any_of(rows_.begin(), rows_.end(),
                                            [](const InstanceRow& r) { return r.packets == 0; });
    auto victim = rows_.end();
    for (auto it = rows_.begin(); it != rows_.end(); ++it) {
        if (any_unaccepted && it->packets != 0) continue;
        if (victim == rows_.end() || it->last_packet < victim->last_packet) victim = it;
    }
    *victim = fresh;
    return &*victim;
}

void InstanceTable::note(const Received& received, std::span<const std::uint8_t> datagram,
                         const PeerEndpoint& source) {
    const Verdict v = received.verdict;
    if (v != Verdict::accepted && v != Verdict::bad_tag && v != Verdict::stale &&
        v != Verdict::replay) {
        return;  // own packets; or refused before the header names an instance
    }
    std::optional<Header> header;
    if (received.packet) {
        header = received.packet->header;
    } else if (auto parsed = parse_packet(datagram)) {
        header = parsed->header;
    }
    if (!header) return;
    std::lock_guard lock(mutex_);
    InstanceRow* row = row_for(header->instance, source, v == Verdict::accepted);
    if (row == nullptr) return;
    row->last_packet = clock_.now();
    if (v == Verdict::bad_tag) {
        ++row->auth_failures;
    } else if (v == Verdict::stale) {
        ++row->stale;
    } else if (v == Verdict::replay) {
        ++row->replayed;
    } else {
        ++row->packets;
        // By body, not header type: a new peer packet type still counts its records.
        const Body& body = received.packet->body;
        if (const auto* peers = std::get_if<std::vector<PeerRecord>>(&body)) {
            ++row->peer_packets;
            row->peers_received += peers->size();
        } else if (std::holds_alternative<Beacon>(body)) {
            ++row->beacons;
        } else if (std::holds_alternative<Inquire>(body)) {
            ++row->inquires;
        } else if (std::holds_alternative<std::vector<TellRecord>>(body)) {
            ++row->tells;
        }
    }
}

std::vector<InstanceRow> InstanceTable::rows() const {
    std::vector<InstanceRow> out;
    {
        std::lock_guard lock(mutex_);
        out = rows_;
    }
    std::sort(out.begin(), out.end(), [](const InstanceRow& a, const InstanceRow& b) {
        return a.last_packet > b.last_packet;
    });
    return out;
}

}  // namespace aciswarm::livesync
