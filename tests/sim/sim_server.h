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
#include "sim_disk.h"
#include "sim_net.h"
#include "tree/data_tree.h"

namespace wd::sim {

struct ServerKnobs {
    uint32_t election_ticks = 10;
    uint32_t heartbeat_ticks = 1;
    bool pre_vote = true;
    bool check_quorum = true;
    uint32_t append_entries_max = 64;
    uint32_t inflight_max = 8;
    uint64_t snapshot_chunk_size_max = 1 << 20;
    uint64_t snapshot_every = 20;   // compact when this many entries are above the snapshot
    uint32_t touch_every_ticks = 2;  // how often a follower reports pings to its leader
    int64_t tick_ms = 10;            // simulated milliseconds per tick
    uint64_t keys = 4;               // the workload's key space, for the orphan check
    bool bug_commit_prior_term = false;
    bool trace = false;  // print every Ready (replays of failing seeds)
};

struct ClientRequest {
    enum class Kind : uint8_t { connect, write, read, ping };
    Kind kind = Kind::ping;
    int client = 0;
    uint64_t conn = 0;
    int64_t session_id = 0;
    int32_t xid = 0;
    uint64_t op = 0;  // the history entry, for writes and reads
    // connect
    bool new_session = false;
    int64_t last_zxid_seen = 0;
    int32_t timeout_ms = 0;
    // write: the request record as a client sends it
    proto::OpCode type = proto::OpCode::error;
    std::string body;
    // read
    OpKind read_kind = OpKind::get;
    std::string path;
};

struct ClientReply {
    ClientRequest::Kind kind = ClientRequest::Kind::ping;
    int client = 0;  // -1: a proposal of the server itself (a session expiry)
    uint64_t conn = 0;
    int32_t xid = 0;
    uint64_t op = 0;
    bool lost = false;  // the server gave the request up; the client sees a lost connection
    int32_t err = 0;
    int64_t zxid = 0;
    std::string data;
    int32_t version = 0;
    int64_t owner = 0;
};

class SimServer {
public:
    // Returns the history index of a close the leader proposes for an expired session.
    using ExpiryHook = std::function<uint64_t(int server, int64_t session_id)>;

    SimServer(int id, consensus::Membership membership, const ServerKnobs& knobs,
              ReplicaChecker& checker, ExpiryHook on_expiry);

    int id() const { return id_; }
    bool up() const { return core_.has_value(); }
    // Starts (or restarts) from what the disk holds durably.
    void start(uint64_t seed, int64_t now_ms);
    CrashLoss crash(Rng& rng);

    void tick(int64_t now_ms);
    void on_peer(int from, const PeerMessage& message, int64_t now_ms);
    void on_client(const ClientRequest& request, int64_t now_ms);
    // Follows every Ready the core has (bounded).
    void process_ready(int64_t now_ms);
    // The next Ready that writes anything is written but not synced, and the server stops
    // there: the simulator then crashes it (a crash between write and fsync).
    void arm_crash_before_sync() { crash_armed_ = true; }
    void disarm_crash() { crash_armed_ = false; }
    bool stopped_before_sync() const { return stopped_before_sync_; }

    std::vector<std::pair<int, PeerMessage>>& peer_out() { return peer_out_; }
    std::vector<ClientReply>& client_out() { return client_out_; }

    const consensus::Core& core() const { return *core_; }
    const tree::DataTree& tree() const { return tree_; }
    const SimDisk& disk() const { return disk_; }
    int64_t applied_index() const { return applied_; }
    uint64_t snapshots_installed() const { return installs_; }
    uint64_t compactions() const { return compactions_; }

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

    int id_;
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

    std::vector<std::pair<int, PeerMessage>> peer_out_;
    std::vector<ClientReply> client_out_;
};

}  // namespace wd::sim
