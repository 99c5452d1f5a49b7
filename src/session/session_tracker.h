// Session liveness and expiry, on a time the caller supplies (no clock is read here).
//
// The tracker only decides *when* a session has expired; closing it (deleting its ephemerals)
// is a close_session entry that the server proposes, so that every replica closes it at the
// same point of the log. A session returned by expired() is marked closing and is not returned
// again; touch() of a closing session is refused so a late ping cannot revive it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace wd::session {

class SessionTracker {
public:
    // Expiry is checked in buckets of `tick_ms` (ZooKeeper's ExpiryQueue granularity): a
    // session heard from at `now_ms` expires at the first multiple of tick_ms strictly after
    // now_ms + timeout_ms (ExpiryQueue.roundToNextInterval: (t / tick + 1) * tick).
    // REQUIRES: tick_ms > 0. Times must stay within +-2^62 ms.
    explicit SessionTracker(int64_t tick_ms);

    // Tracks a session and sets its deadline from `timeout_ms` (> 0). For a session already
    // tracked it re-tracks (SessionTrackerImpl.trackSession): the timeout is replaced and the
    // deadline refreshed, unless the session is closing, which it stays.
    void add(int64_t session_id, int32_t timeout_ms, int64_t now_ms);
    // Heard from the session (any request or ping). False when unknown or closing.
    bool touch(int64_t session_id, int64_t now_ms);
    void remove(int64_t session_id);
    // Marks the session closing (client sent closeSession); it is no longer touched.
    void set_closing(int64_t session_id);

    // Sessions whose deadline is at or before `now_ms`, ascending id; each marked closing.
    std::vector<int64_t> expired(int64_t now_ms);

    bool contains(int64_t session_id) const;
    bool closing(int64_t session_id) const;
    // Deadline of an open session; nullopt when unknown or closing.
    std::optional<int64_t> deadline_ms(int64_t session_id) const;
    // Timeout of a tracked session; nullopt when unknown.
    std::optional<int32_t> timeout_ms(int64_t session_id) const;
    size_t size() const { return sessions_.size(); }
    // Next deadline, for a timer; INT64_MAX when there are no open sessions.
    int64_t next_deadline_ms() const;

private:
    struct State {
        int32_t timeout_ms = 0;
        int64_t deadline_ms = 0;
        bool closing = false;
    };
    int64_t round_up(int64_t ms) const;
    void set_deadline(int64_t session_id, State& state, int64_t now_ms);
    int64_t tick_ms_;
    std::map<int64_t, State> sessions_;
    // (deadline_ms, session_id) of every open session; closing sessions are not in it.
    std::set<std::pair<int64_t, int64_t>> deadlines_;
};

}  // namespace wd::session
