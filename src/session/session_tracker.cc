#include "session/session_tracker.h"

#include <algorithm>
#include <cstdint>

#include "base/assert.h"

namespace wd::session {

namespace {

// Keeps now + timeout + tick far from overflow.
constexpr int64_t time_abs_max = int64_t{1} << 62;

void check_time(int64_t now_ms) {
    WD_ASSERT(now_ms < time_abs_max);
    WD_ASSERT(now_ms > -time_abs_max);
}

}  // namespace

SessionTracker::SessionTracker(int64_t tick_ms) : tick_ms_(tick_ms) {
    WD_ASSERT(tick_ms > 0);
    WD_ASSERT(tick_ms < time_abs_max);
}

// ExpiryQueue.roundToNextInterval: the next multiple of the interval strictly after `ms`.
// Floor division keeps that true for negative times as well.
int64_t SessionTracker::round_up(int64_t ms) const {
    int64_t quotient = ms / tick_ms_;
    if (ms % tick_ms_ < 0) {
        --quotient;
    }
    const int64_t rounded = (quotient + 1) * tick_ms_;
    WD_ASSERT(rounded > ms);
    WD_ASSERT(rounded - ms <= tick_ms_);
    return rounded;
}

void SessionTracker::set_deadline(int64_t session_id, State& state, int64_t now_ms) {
    WD_ASSERT(!state.closing);
    const int64_t deadline_ms = round_up(now_ms + state.timeout_ms);
    if (deadline_ms == state.deadline_ms) {
        return;  // Same bucket: nothing moves (ExpiryQueue.update returns early too).
    }
    deadlines_.erase({state.deadline_ms, session_id});
    state.deadline_ms = deadline_ms;
    deadlines_.emplace(deadline_ms, session_id);
}

void SessionTracker::add(int64_t session_id, int32_t timeout_ms, int64_t now_ms) {
    WD_ASSERT(timeout_ms > 0);
    check_time(now_ms);
    auto [it, inserted] = sessions_.try_emplace(session_id);
    State& state = it->second;
    state.timeout_ms = timeout_ms;
    if (state.closing) {
        WD_ASSERT(!inserted);
        return;  // A closing session is never revived.
    }
    if (inserted) {
        state.deadline_ms = round_up(now_ms + timeout_ms);
        deadlines_.emplace(state.deadline_ms, session_id);
        return;
    }
    set_deadline(session_id, state, now_ms);
}

bool SessionTracker::touch(int64_t session_id, int64_t now_ms) {
    check_time(now_ms);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) {
        return false;
    }
    if (it->second.closing) {
        return false;
    }
    set_deadline(session_id, it->second, now_ms);
    return true;
}

void SessionTracker::remove(int64_t session_id) {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) {
        return;
    }
    if (!it->second.closing) {
        const size_t erased = deadlines_.erase({it->second.deadline_ms, session_id});
        WD_ASSERT(erased == 1);
    }
    sessions_.erase(it);
}

void SessionTracker::set_closing(int64_t session_id) {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second.closing) {
        return;
    }
    const size_t erased = deadlines_.erase({it->second.deadline_ms, session_id});
    WD_ASSERT(erased == 1);
    it->second.closing = true;
}

std::vector<int64_t> SessionTracker::expired(int64_t now_ms) {
    check_time(now_ms);
    std::vector<int64_t> out;
    const size_t open_count = deadlines_.size();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
        WD_ASSERT(out.size() < open_count);
        const int64_t session_id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        auto it = sessions_.find(session_id);
        WD_ASSERT(it != sessions_.end());
        WD_ASSERT(!it->second.closing);
        it->second.closing = true;
        out.push_back(session_id);
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool SessionTracker::contains(int64_t session_id) const {
    return sessions_.contains(session_id);
}

bool SessionTracker::closing(int64_t session_id) const {
    auto it = sessions_.find(session_id);
    return it != sessions_.end() && it->second.closing;
}

std::optional<int64_t> SessionTracker::deadline_ms(int64_t session_id) const {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second.closing) {
        return std::nullopt;
    }
    return it->second.deadline_ms;
}

std::optional<int32_t> SessionTracker::timeout_ms(int64_t session_id) const {
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) {
        return std::nullopt;
    }
    return it->second.timeout_ms;
}

int64_t SessionTracker::next_deadline_ms() const {
    return deadlines_.empty() ? INT64_MAX : deadlines_.begin()->first;
}

}  // namespace wd::session
