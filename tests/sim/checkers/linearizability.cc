#include "checkers/linearizability.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "base/code.h"

namespace wd::sim {
namespace {

constexpr int32_t code(Code c) { return static_cast<int32_t>(c); }

// The model: one znode, and which of the key's sessions are closed.
struct KeyState {
    bool exists = false;
    std::string data;
    int32_t version = 0;
    int64_t owner = 0;
    uint64_t closed = 0;  // bit per session of this key's sub-history

    std::string describe() const {
        std::string out = exists ? "\"" + data + "\" v" + std::to_string(version) : "absent";
        if (exists && owner != 0) {
            out += " owner " + std::to_string(owner);
        }
        return out;
    }
    void append_key(std::string& out) const {
        out += exists ? '1' : '0';
        out += data;
        out += '\0';
        out += std::to_string(version) + ":" + std::to_string(owner) + ":" +
               std::to_string(closed);
    }
};

// The model's write outcome for a session; ok or the error DataTree::apply reports, in its
// order of checks (session, existence, version).
int32_t write_outcome(const KeyState& s, const Op& op, bool closed) {
    if (closed) {
        return code(op.kind == OpKind::create && op.ephemeral ? Code::session_expired
                                                              : Code::unknown_session);
    }
    if (op.kind == OpKind::create) {
        return s.exists ? code(Code::node_exists) : 0;
    }
    if (!s.exists) {
        return code(Code::no_node);
    }
    if (op.version != -1 && op.version != s.version) {
        return code(Code::bad_version);
    }
    return 0;
}

// Applies `op` to the model; false when the op completed with a response the model does not
// give. An op without a response is applied with whatever outcome the model gives.
bool step(KeyState& s, const Op& op, uint64_t bit) {
    const bool check = op.completed();
    const bool closed = (s.closed & bit) != 0;
    switch (op.kind) {
        case OpKind::get:
        case OpKind::exists:
            if (op.err == code(Code::no_node)) {
                return !s.exists;
            }
            return op.err == 0 && s.exists && s.version == op.out_version &&
                   s.owner == op.out_owner && (op.kind == OpKind::exists || s.data == op.out_data);
        case OpKind::close:
            s.closed |= bit;
            if (s.exists && s.owner == op.session_id) {
                s.exists = false;
            }
            return !check || op.err == 0;
        case OpKind::create:
        case OpKind::set:
        case OpKind::remove: break;
    }
    const int32_t outcome = write_outcome(s, op, closed);
    if (check && outcome != op.err) {
        return false;
    }
    if (outcome != 0) {
        return true;
    }
    if (op.kind == OpKind::create) {
        s = KeyState{true, op.data, 0, op.ephemeral ? op.session_id : 0, s.closed};
    } else if (op.kind == OpKind::set) {
        s.data = op.data;
        s.version += 1;
        return !check || op.out_version == s.version;
    } else {
        s.exists = false;
    }
    return true;
}

class Search {
public:
    Search(std::vector<Op> ops, std::vector<uint64_t> bits, uint64_t states_max)
        : ops_(std::move(ops)), bits_(std::move(bits)), states_max_(states_max),
          done_((ops_.size() + 63) / 64, 0) {
        for (size_t i = 0; i < ops_.size(); ++i) {
            if (ops_[i].completed()) {
                definite_left_ += 1;
                if (ops_[i].zxid > 0) {
                    known_.push_back(i);
                }
            }
        }
        std::sort(known_.begin(), known_.end(), [&](size_t a, size_t b) {
            const Op& x = ops_[a];
            const Op& y = ops_[b];
            return std::tuple(x.zxid, x.is_read(), a) < std::tuple(y.zxid, y.is_read(), b);
        });
    }

    Verdict run() { return dfs(KeyState{}, 0) ? Verdict::ok : verdict_on_fail(); }
    uint64_t states() const { return visited_.size(); }
    std::string explain() const;

private:
    bool linearized(size_t i) const { return (done_[i / 64] >> (i % 64)) & 1; }
    void flip(size_t i) { done_[i / 64] ^= uint64_t{1} << (i % 64); }
    // Completed ops constrain real time, except reads placed by their zxid.
    bool timed(const Op& op) const { return op.completed() && !(op.is_read() && op.zxid > 0); }
    bool free_op(const Op& op) const { return !op.completed() || op.zxid == 0; }
    Verdict verdict_on_fail() const {
        return exhausted_ ? Verdict::inconclusive : Verdict::violation;
    }

    bool dfs(const KeyState& state, size_t next_known);
    void note_stuck(const KeyState& state, size_t depth, const std::vector<size_t>& tried);

    std::vector<Op> ops_;
    std::vector<uint64_t> bits_;
    uint64_t states_max_;
    std::vector<uint64_t> done_;
    std::vector<size_t> known_;
    size_t definite_left_ = 0;
    size_t depth_ = 0;
    std::vector<size_t> order_;
    std::unordered_set<std::string> visited_;
    bool exhausted_ = false;
    // The deepest dead end, for the report.
    size_t best_depth_ = 0;
    std::vector<size_t> best_order_;
    std::vector<size_t> best_tried_;
    std::string best_state_;
};

bool Search::dfs(const KeyState& state, size_t next_known) {
    if (definite_left_ == 0) {
        return true;
    }
    std::string key(reinterpret_cast<const char*>(done_.data()), done_.size() * 8);
    state.append_key(key);
    if (!visited_.insert(std::move(key)).second) {
        return false;
    }
    if (visited_.size() > states_max_) {
        exhausted_ = true;
        return false;
    }
    // The earliest completion among unlinearized timed ops, and the runner-up, so that an op
    // is eligible iff it was invoked before every other such op completed.
    uint64_t first = time_never;
    uint64_t second = time_never;
    size_t first_op = SIZE_MAX;
    for (size_t i = 0; i < ops_.size(); ++i) {
        if (linearized(i) || !timed(ops_[i])) {
            continue;
        }
        if (ops_[i].complete_time < first) {
            second = first;
            first = ops_[i].complete_time;
            first_op = i;
        } else if (ops_[i].complete_time < second) {
            second = ops_[i].complete_time;
        }
    }
    std::vector<size_t> candidates;
    if (next_known < known_.size()) {
        candidates.push_back(known_[next_known]);
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
        if (!linearized(i) && free_op(ops_[i])) {
            candidates.push_back(i);
        }
    }
    std::vector<size_t> tried;
    for (size_t i : candidates) {
        const Op& op = ops_[i];
        const uint64_t bound = i == first_op ? second : first;
        if (!(op.is_read() && op.zxid > 0) && op.invoke_time > bound) {
            continue;
        }
        tried.push_back(i);
        KeyState after = state;
        if (!step(after, op, bits_[i])) {
            continue;
        }
        flip(i);
        order_.push_back(i);
        definite_left_ -= op.completed() ? 1 : 0;
        const bool found = dfs(after, next_known + (op.completed() && op.zxid > 0 ? 1 : 0));
        definite_left_ += op.completed() ? 1 : 0;
        order_.pop_back();
        flip(i);
        if (found) {
            return true;
        }
        if (exhausted_) {
            return false;
        }
    }
    note_stuck(state, order_.size(), tried);
    return false;
}

void Search::note_stuck(const KeyState& state, size_t depth, const std::vector<size_t>& tried) {
    if (!best_state_.empty() && depth <= best_depth_) {
        return;
    }
    best_depth_ = depth;
    best_order_ = order_;
    best_tried_ = tried;
    best_state_ = state.describe();
}

std::string Search::explain() const {
    std::string out = "no linearization; the longest places " + std::to_string(best_depth_) +
                      " ops, ending:\n";
    const size_t tail = std::min<size_t>(best_order_.size(), 8);
    for (size_t i = best_order_.size() - tail; i < best_order_.size(); ++i) {
        out += "    " + describe(ops_[best_order_[i]]) + "\n";
    }
    out += "  then the model holds " + best_state_ + " and no eligible op fits:\n";
    size_t shown = 0;
    for (size_t i : best_tried_) {
        if (shown++ < 6) {
            out += "    " + describe(ops_[i]) + "\n";
        }
    }
    if (best_tried_.empty()) {
        for (size_t i = 0; i < ops_.size() && shown < 6; ++i) {
            if (ops_[i].completed() && std::find(best_order_.begin(), best_order_.end(), i) ==
                                           best_order_.end()) {
                out += "    (blocked) " + describe(ops_[i]) + "\n";
                shown += 1;
            }
        }
    }
    return out;
}

}  // namespace

LinearizabilityResult check_key(const std::vector<Op>& history, const std::string& path,
                                uint64_t states_max) {
    std::set<int64_t> sessions;
    for (const Op& op : history) {
        if (op.kind != OpKind::close && op.path == path) {
            sessions.insert(op.session_id);
        }
    }
    LinearizabilityResult result;
    result.keys = 1;
    if (sessions.size() > 64) {
        result.verdict = Verdict::inconclusive;
        result.explanation = path + ": more than 64 sessions";
        return result;
    }
    std::map<int64_t, uint64_t> bit_of;
    for (int64_t s : sessions) {
        bit_of.emplace(s, uint64_t{1} << bit_of.size());
    }
    std::vector<Op> ops;
    std::vector<uint64_t> bits;
    for (const Op& op : history) {
        const bool mine = op.kind == OpKind::close ? sessions.contains(op.session_id)
                                                   : op.path == path;
        // A read with no response, or refused (its session was gone), says nothing.
        const bool useful = !op.is_read() ||
                            (op.completed() && (op.err == 0 || op.err == code(Code::no_node)));
        if (mine && useful) {
            ops.push_back(op);
            bits.push_back(bit_of.at(op.session_id));
        }
    }
    Search search(std::move(ops), std::move(bits), states_max);
    result.verdict = search.run();
    result.states = search.states();
    if (result.verdict == Verdict::violation) {
        result.explanation = "path " + path + ": " + search.explain();
    } else if (result.verdict == Verdict::inconclusive) {
        result.explanation = "path " + path + ": search budget exhausted";
    }
    return result;
}

LinearizabilityResult check_linearizable(const std::vector<Op>& history,
                                         uint64_t states_max_per_key) {
    std::set<std::string> paths;
    for (const Op& op : history) {
        if (op.kind != OpKind::close) {
            paths.insert(op.path);
        }
    }
    LinearizabilityResult total;
    for (const std::string& path : paths) {
        LinearizabilityResult r = check_key(history, path, states_max_per_key);
        total.states += r.states;
        total.keys += 1;
        if (r.verdict == Verdict::violation) {
            total.verdict = Verdict::violation;
            total.explanation = r.explanation;
            return total;
        }
        if (r.verdict == Verdict::inconclusive) {
            total.verdict = Verdict::inconclusive;
            total.explanation = r.explanation;
        }
    }
    return total;
}

}  // namespace wd::sim
