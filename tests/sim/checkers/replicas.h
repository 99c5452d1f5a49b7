// The replica-side checkers, fed by the simulated servers as they apply entries:
// - Election Safety (Raft thesis §3.6.3): at most one leader per term;
// - Leader Completeness (§3.6.3): a new leader holds every entry applied anywhere, and no
//   server that conflicts with an applied entry could win an election;
// - committed prefixes identical: the entry any server applies at an index is the entry every
//   server applies there, and no server is asked to replace an entry it counts as committed;
// - every server's tree is identical at the same applied index (DataTree::digest());
// - ephemerals: a close_session removes exactly the session's ephemerals and no other entry
//   removes an ephemeral except a client's delete; no ephemeral outlives its session.
// The first failure is kept; the simulator stops the run there.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "consensus/messages.h"
#include "consensus/storage.h"
#include "tree/data_tree.h"

namespace wd::sim {

struct CommittedEntry {
    uint64_t term = 0;
    std::string data;
    int64_t session_id = 0;  // of the tree entry, 0 for noop and config entries
    int32_t xid = 0;
    int server = 0;          // the first server seen applying it
};

class ReplicaChecker {
public:
    void observe_leader(uint64_t term, int server);
    // Leader Completeness (thesis §3.6.3): a new leader's written log holds every entry any
    // server has applied (those below its snapshot are inside the snapshot). Checked once
    // per term.
    void observe_new_leader(int server, uint64_t term, const consensus::LogStorage& log);
    // Every server's written and durable log, so that each newly applied entry can be checked
    // against them: a server whose log conflicts with it at its index must not be electable,
    // i.e. fewer than a majority of servers may have a durable log no more up-to-date than
    // its written one (§3.6.1's comparison). This is the heart of the Leader Completeness
    // proof (§3.6.3); it catches a commit that a later election could undo before the
    // election happens. The storages must outlive the checker's use.
    void watch_log(int server, const consensus::LogStorage* written,
                   const consensus::LogStorage* durable) {
        logs_[server] = {written, durable};
    }
    void observe_applied(int server, const consensus::Entry& entry, int64_t session_id,
                         int32_t xid);
    // The tree after applying `index`: its digest and the last zxid it reports to clients
    // (the zxid a reconnecting client is compared with) must agree across servers.
    void observe_tree(int server, uint64_t index, uint64_t digest, int64_t last_zxid);
    // Before `server` steps an append of its current term or a later one (a stale one is
    // ignored by the core): none of its entries may replace one at or below the server's
    // commit index.
    void observe_append(int server, consensus::Term term, consensus::LogIndex commit_index,
                        const consensus::LogStorage& log, const consensus::Message& m);
    // After `server` applied `entry`: the ephemeral counts around it.
    struct EphemeralCounts {
        size_t total_before = 0;
        size_t total_after = 0;
        size_t session_before = 0;  // the entry's session's ephemerals
        size_t session_after = 0;
        bool session_open_after = false;
    };
    void observe_ephemerals(int server, const tree::Entry& entry, const EphemeralCounts& c);
    // No node is owned by a session the tree does not hold.
    void check_orphans(int server, const tree::DataTree& tree, uint64_t keys);

    void fail(std::string message);
    bool failed() const { return !failure_.empty(); }
    const std::string& failure() const { return failure_; }
    const std::map<uint64_t, CommittedEntry>& committed() const { return committed_; }
    uint64_t leaders() const { return leaders_.size(); }

private:
    std::map<uint64_t, int> leaders_;  // term -> server
    uint64_t completeness_checked_term_ = 0;
    void check_not_undoable(int server, const consensus::Entry& entry);
    std::map<int, std::pair<const consensus::LogStorage*, const consensus::LogStorage*>>
        logs_;
    std::map<uint64_t, CommittedEntry> committed_;
    struct TreeSeen {
        uint64_t digest = 0;
        int64_t last_zxid = 0;
        int server = 0;  // the first server seen at that index
    };
    std::map<uint64_t, TreeSeen> digests_;  // by applied index
    std::string failure_;
};

std::string key_path(uint64_t key);

}  // namespace wd::sim
