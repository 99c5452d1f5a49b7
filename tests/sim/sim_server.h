// One simulated server: a consensus core driven by the Ready contract (core.h), a SimDisk, the
// DataTree the committed entries are applied to (zxid = log index), the session tracker that
// the leader uses to expire sessions, and log compaction with tree snapshots.
//
// It follows src/server/pipeline_replica.cc: a write becomes the proposal
// `origin | sequence | tree entry`; a follower forwards it to its leader; the origin answers its
// client when it applies the entry; when the leader changes, the origin gives up its proposals
// in flight (the clients see a lost connection). Reads are answered at once from the local tree
// with the applied index as their zxid. Only the leader expires sessions, by proposing
// close_session entries; followers report their clients' pings to it.
//
// Test-only; single-threaded. Output goes to two outboxes the simulator drains.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checkers/history.h"
#include "checkers/replicas.h"
#include "consensus/core.h"
#include "session/session_tracker.h"
#include "replica.h"
#include "sim_disk.h"
#include "sim_net.h"
#include "tree/data_tree.h"

namespace wd::sim {

class SimServer final : public Replica {
public:
    SimServer(int id, consensus::Membership membership, const ServerKnobs& knobs,
              ReplicaChecker& checker, ExpiryHook on_expiry);

    bool up() const override { return core_.has_value(); }
    void start(uint64_t seed, int64_t now_ms) override;
    CrashLoss crash(Rng& rng) override;

    void tick(int64_t now_ms) override;
    void on_peer(int from, const PeerMessage& message, int64_t now_ms) override;
    void on_client(const ClientRequest& request, int64_t now_ms) override;
    // Follows every Ready the core has (bounded). With a crash armed, the next Ready that
    // writes anything is written but not synced, and the server stops there.
    bool transfer_leadership() override;
    void process_ready(int64_t now_ms) override;
    void arm_crash_before_sync() override { crash_armed_ = true; }
    void disarm_crash() override { crash_armed_ = false; }
    bool stopped_before_sync() const override { return stopped_before_sync_; }

    const consensus::Core& core() const override { return *core_; }
    const tree::DataTree& tree() const override { return tree_; }
    const consensus::LogStorage& log() const override { return disk_.live(); }
    const SimDisk& disk() const { return disk_; }
    int64_t applied_index() const override { return applied_; }
    uint64_t snapshots_installed() const override { return installs_; }
    uint64_t compactions() const override { return compactions_; }

private:
    struct Pending {
        ClientRequest::Kind kind = ClientRequest::Kind::write;
        int client = 0;
        uint64_t conn = 0;
        int32_t xid = 0;
        uint64_t op = 0;
    };
    bool is_leader() const;
    void propose(const tree::Entry& entry, const Pending& pending);
    void propose_payload(std::string payload);
    void observe_leader(int64_t now_ms);
    void reset_tracker(int64_t now_ms);
    void touch(int64_t session_id, int64_t now_ms);
    void answer_read(const ClientRequest& request);
    void answer_connect(const ClientRequest& request, int64_t now_ms);
    void apply_committed(const consensus::Entry& entry, int64_t now_ms);
    void apply_tree_entry(tree::Entry entry, uint64_t origin_seq, bool mine, int64_t now_ms);
    void install_snapshot(const consensus::Snapshot& snapshot, int64_t now_ms);
    void maybe_compact();
    void trace_ready(const consensus::Ready& ready, int64_t now_ms) const;
    void give_up_pending();
    consensus::CoreConfig core_config() const;

    consensus::Membership membership_;
    ServerKnobs knobs_;
    ReplicaChecker& checker_;
    ExpiryHook on_expiry_;

    SimDisk disk_;
    std::optional<consensus::Core> core_;
    tree::DataTree tree_;
    session::SessionTracker tracker_;
    int64_t applied_ = 0;
    uint64_t incarnation_ = 0;
    uint64_t next_seq_ = 0;
    std::map<uint64_t, Pending> pending_;  // by proposal sequence
    std::vector<std::string> unsent_;      // held while no leader is known
    int known_leader_ = 0;
    std::set<std::pair<int, uint64_t>> conns_;  // (client, conn) accepted since start
    std::vector<int64_t> touched_;
    uint32_t touch_elapsed_ = 0;
    bool crash_armed_ = false;
    bool stopped_before_sync_ = false;
    uint64_t installs_ = 0;
    uint64_t compactions_ = 0;
};

}  // namespace wd::sim
