#include "consensus/progress.h"

#include <algorithm>

namespace wd::consensus {

bool Progress::is_paused(uint32_t inflight_max) const {
    switch (state) {
        case ProgressState::probe:
            return probe_sent;
        case ProgressState::replicate:
            return inflight.size() >= inflight_max;
        case ProgressState::snapshot:
            return true;
    }
    WD_UNREACHABLE();
}

void Progress::sent_append(LogIndex last, size_t count) {
    if (state == ProgressState::replicate) {
        if (count > 0) {
            WD_ASSERT(last + 1 > next);
            next = last + 1;
            inflight.push_back(last);
        }
        return;
    }
    WD_ASSERT(state == ProgressState::probe);
    probe_sent = true;
}

bool Progress::maybe_update(LogIndex index) {
    if (index <= match) {
        return false;
    }
    match = index;
    next = std::max(next, index + 1);
    probe_sent = false;
    WD_ASSERT(match < next);
    return true;
}

bool Progress::maybe_decrease(LogIndex rejected, LogIndex probe_hint) {
    if (state == ProgressState::snapshot) {
        return false;  // an answer to an append sent before the snapshot started
    }
    if (state == ProgressState::replicate) {
        if (rejected <= match) {
            return false;
        }
        next = match + 1;
        return true;
    }
    if (next - 1 != rejected) {
        return false;  // not the answer to the outstanding probe
    }
    next = std::max(std::min(rejected, probe_hint), match + 1);
    probe_sent = false;
    return true;
}

void Progress::become_probe() {
    if (state == ProgressState::snapshot) {
        next = std::max(match, snapshot_index) + 1;
    } else {
        next = match + 1;
    }
    state = ProgressState::probe;
    probe_sent = false;
    inflight.clear();
    snapshot_index = LogIndex{0};
    snapshot_offset = 0;
}

void Progress::become_replicate() {
    state = ProgressState::replicate;
    next = match + 1;
    probe_sent = false;
    inflight.clear();
}

void Progress::become_snapshot(LogIndex index) {
    state = ProgressState::snapshot;
    probe_sent = false;
    inflight.clear();
    snapshot_index = index;
    snapshot_offset = 0;
}

void Progress::free_inflight_to(LogIndex index) {
    while (!inflight.empty() && inflight.front() <= index) {
        inflight.pop_front();
    }
}

std::string describe(const Progress& p) {
    static constexpr const char* names[] = {"probe", "replicate", "snapshot"};
    std::string out = "match=" + std::to_string(p.match.value) +
                      " next=" + std::to_string(p.next.value) + " " +
                      names[static_cast<int>(p.state)];
    if (p.state == ProgressState::replicate) {
        out += " inflight=" + std::to_string(p.inflight.size());
    }
    if (p.state == ProgressState::probe && p.probe_sent) {
        out += " paused";
    }
    if (p.state == ProgressState::snapshot) {
        out += " snap=" + std::to_string(p.snapshot_index.value) +
               " offset=" + std::to_string(p.snapshot_offset);
    }
    return out;
}

}  // namespace wd::consensus
