// What the simulator sees of one server (docs/simulator.md): the model server (sim_server.h),
// which follows src/server's pipeline, and the real pipeline run over simulated disk, clock
// and network (pipeline_server.h) both implement it.
//
// Test-only; single-threaded. Output goes to two outboxes the simulator drains.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "checkers/history.h"
#include "consensus/core.h"
#include "proto/opcodes.h"
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

// The core's settings drawn for a run (both kinds of server use them).
inline void apply_knobs(const ServerKnobs& knobs, consensus::CoreConfig& c) {
    c.election_ticks = knobs.election_ticks;
    c.heartbeat_ticks = knobs.heartbeat_ticks;
    c.pre_vote = knobs.pre_vote;
    c.check_quorum = knobs.check_quorum;
    c.append_entries_max = knobs.append_entries_max;
    c.inflight_append_msgs_max = knobs.inflight_max;
    c.snapshot_chunk_size_max = knobs.snapshot_chunk_size_max;
    c.test_bug_commit_prior_term = knobs.bug_commit_prior_term;
}

// The answer to a request on a connection the server no longer has: the client sees it lost.
inline ClientReply lost_reply(const ClientRequest& request) {
    ClientReply r;
    r.kind = request.kind;
    r.client = request.client;
    r.conn = request.conn;
    r.op = request.op;
    r.lost = true;
    return r;
}

// Records a close the leader proposes for an expired session; returns its history index.
using ExpiryHook = std::function<uint64_t(int server, int64_t session_id)>;

class Replica {
public:
    virtual ~Replica() = default;

    int id() const { return id_; }
    virtual bool up() const = 0;
    // Starts (or restarts) from what the disk holds durably.
    virtual void start(uint64_t seed, int64_t now_ms) = 0;
    virtual CrashLoss crash(Rng& rng) = 0;

    virtual void tick(int64_t now_ms) = 0;
    virtual void on_peer(int from, const PeerMessage& message, int64_t now_ms) = 0;
    virtual void on_client(const ClientRequest& request, int64_t now_ms) = 0;
    // The connection to `peer` closed (it crashed): what the real transport reports.
    virtual void on_peer_down(int peer, int64_t now_ms) { (void)peer, (void)now_ms; }
    // A leader about to stop hands leadership to its most up-to-date follower; true if a
    // transfer started.
    virtual bool transfer_leadership() = 0;
    // Writes, syncs, sends and applies what the core has ready (bounded).
    virtual void process_ready(int64_t now_ms) = 0;
    // The next write that should become durable is not, and the server stops there: the
    // simulator then crashes it (a crash between write and fsync).
    virtual void arm_crash_before_sync() = 0;
    virtual void disarm_crash() = 0;
    virtual bool stopped_before_sync() const = 0;

    // REQUIRES: up().
    virtual const consensus::Core& core() const = 0;
    virtual const tree::DataTree& tree() const = 0;
    // The written log; valid until the next start or crash.
    virtual const consensus::LogStorage& log() const = 0;
    virtual int64_t applied_index() const = 0;
    virtual uint64_t snapshots_installed() const = 0;
    virtual uint64_t compactions() const = 0;
    virtual uint64_t watch_events() const { return 0; }  // notifications clients received

    std::vector<std::pair<int, PeerMessage>>& peer_out() { return peer_out_; }
    std::vector<ClientReply>& client_out() { return client_out_; }

protected:
    explicit Replica(int id) : id_(id) {}

    int id_;
    std::vector<std::pair<int, PeerMessage>> peer_out_;
    std::vector<ClientReply> client_out_;
};

}  // namespace wd::sim
