// The leader's view of one follower or learner (etcd's tracker.Progress, thesis §3.5 nextIndex
// and matchIndex), with the flow-control state that bounds what is in flight.
//
//   probe:     the leader does not know where the follower's log matches; it sends one append
//              at a time and waits for the answer (or the next heartbeat response).
//   replicate: the logs match up to `match`; appends are pipelined optimistically, at most
//              inflight_max messages unacknowledged.
//   snapshot:  the follower needs entries the leader compacted; the leader sends the snapshot in
//              chunks, one at a time, starting at `snapshot_offset`.
//
// Invariants: match < next; in replicate, inflight is ascending and every element is < next.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "consensus/types.h"

namespace wd::consensus {

enum class ProgressState : uint8_t { probe, replicate, snapshot };

struct Progress {
    LogIndex match;
    LogIndex next{1};
    ProgressState state = ProgressState::probe;
    bool probe_sent = false;     // probe: an append is outstanding
    bool recent_active = false;  // heard from within the current check-quorum window
    std::deque<LogIndex> inflight;  // replicate: last index of each unacknowledged append
    LogIndex snapshot_index;        // snapshot: the snapshot being sent
    uint64_t snapshot_offset = 0;   // snapshot: the next byte to send (acknowledged so far)

    bool is_paused(uint32_t inflight_max) const;
    // Records that an append ending at `last` (count entries) was sent.
    void sent_append(LogIndex last, size_t count);
    // An acknowledgement up to `index`; false when it is stale.
    bool maybe_update(LogIndex index);
    // A rejection of prev index `rejected`; `probe_hint` is the next index to try, already
    // derived from the follower's hint. False when the rejection is stale.
    bool maybe_decrease(LogIndex rejected, LogIndex probe_hint);
    void become_probe();
    void become_replicate();
    void become_snapshot(LogIndex index);
    void free_inflight_to(LogIndex index);
};

std::string describe(const Progress& progress);

}  // namespace wd::consensus
