// Linearizability of the clients' writes, and of reads at the zxid they report, against a
// single-threaded model of one znode (Wing & Gong's search with Lowe's memoisation of
// (linearized set, model state) pairs).
//
// The history is split by path: the model has no cross-key operation except closing a
// session, which removes the session's ephemerals and fails its later writes, so each key's
// sub-history also holds the close operations of every session that touched the key.
//
// The rules an order must satisfy:
// - real time: an operation that completed before another was invoked comes first. A read
//   with a known zxid is exempt: ZooKeeper serves reads from the local replica, so a read is
//   only sequentially consistent; it is placed by its zxid instead (below).
// - zxid: operations whose response carried a zxid (every write's own, a read's server zxid)
//   appear in zxid order, a read at zxid z after the write of zxid z. This is ZooKeeper's
//   total order of writes, and reads see a prefix of it.
// - an operation with no response may appear anywhere after its invocation, or not at all.
// - every completed operation's response is the model's.
// The search is bounded by `states_max`; a search that runs out is inconclusive, never a pass.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkers/history.h"

namespace wd::sim {

enum class Verdict : uint8_t { ok, violation, inconclusive };

struct LinearizabilityResult {
    Verdict verdict = Verdict::ok;
    std::string explanation;  // for violation and inconclusive
    uint64_t states = 0;      // model states explored
    uint64_t keys = 0;
};

LinearizabilityResult check_key(const std::vector<Op>& history, const std::string& path,
                                uint64_t states_max);
// Every path in the history; stops at the first violation.
LinearizabilityResult check_linearizable(const std::vector<Op>& history,
                                         uint64_t states_max_per_key);

}  // namespace wd::sim
