// The request pipeline of one server: handshake, per-session FIFO, reads, writes through the
// log with group commit, apply, watch notifications and replies (DESIGN.md §2, STYLE.md §3).
//
// No sockets here: the network adapter (server_asio.cc) feeds frames in and carries frames
// out through a Sink, so the same pipeline runs against real sockets and in tests.
// Thread affinity: one thread (the event loop) calls every method.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/rng.h"
#include "consensus/core.h"
#include "server/clock.h"
#include "server/config.h"
#include "server/stats.h"
#include "session/session_tracker.h"
#include "storage/wal.h"
#include "tree/data_tree.h"
#include "watch/watch_table.h"

namespace wd::server {

using ConnId = uint64_t;

// Where the pipeline's output goes. send() takes a complete frame (length prefix included).
class Sink {
public:
    virtual ~Sink() = default;
    virtual void send(ConnId conn, std::string frame) = 0;
    // Closes after the frames already sent are written.
    virtual void close(ConnId conn) = 0;
};

// Where messages to other servers of the ensemble go (server/peer_asio.cc). A payload is
// delivered whole or not at all; the transport may drop it (bounded queues, reconnection).
class PeerSink {
public:
    virtual ~PeerSink() = default;
    virtual void send_peer(int64_t to, std::string payload) = 0;
    // The ensemble's servers changed (reconfig): connect to new ones and to new addresses.
    virtual void set_members(const std::vector<ServerSpec>& servers) { (void)servers; }
};

class Snapshotter;
class LogStore;

// Watches a replica's state changes; the cluster simulator (tests/sim) checks them. Every
// method runs on the pipeline's thread, in the order the changes happen.
class ReplicaObserver {
public:
    virtual ~ReplicaObserver() = default;
    // A committed entry, around its application. `entry` is the tree entry it carries (its
    // zxid set), or nullptr for the core's own entries (noop, membership); `mine` says this
    // server proposed it in this run; `err` is the entry's result (0: it succeeded).
    virtual void before_apply(const consensus::Entry& raw, const tree::Entry* entry,
                              const tree::DataTree& tree) = 0;
    virtual void after_apply(const consensus::Entry& raw, const tree::Entry* entry,
                             const tree::DataTree& tree, bool mine, int32_t err) = 0;
    // The tree was replaced by the leader's snapshot.
    virtual void snapshot_installed(const consensus::SnapshotMeta& meta,
                                    const tree::DataTree& tree) = 0;
    // The leader proposes to close an expired session.
    virtual void expiring(int64_t session_id) = 0;
};

// What a test or the simulator substitutes for the real environment; a server passes none.
struct PipelineEnv {
    storage::Disk* disk = nullptr;     // nullptr: the real file system
    bool snapshot_in_process = false;  // write snapshots on this thread instead of a fork
    storage::WalOptions wal;           // segment size and preallocation
    // Adjusts the consensus core's settings after they were derived from the config.
    std::function<void(consensus::CoreConfig&)> tune_core;
    ReplicaObserver* observer = nullptr;
};

class Pipeline {
public:
    // Recovers the state from config.data_dir / data_log_dir; an error names what is wrong
    // (e.g. a corrupt log record with its file and offset) and the server must not start.
    // `peers` is required when config.ensemble() (docs/ensemble.md).
    static Result<std::unique_ptr<Pipeline>> open(const Config& config, Clock* clock, Sink* sink,
                                                  uint64_t seed, PeerSink* peers = nullptr,
                                                  PipelineEnv env = {});
    ~Pipeline();

    // ---- input from the network adapter ----
    void on_connect(ConnId conn, std::string remote_ip, uint16_t remote_port);
    // One frame's payload (without the length prefix).
    void on_frame(ConnId conn, std::string_view payload);
    void on_disconnect(ConnId conn);
    // Group commit: write and fsync every write submitted since the last flush, apply them,
    // send replies and notifications. The adapter calls it once per loop iteration.
    void flush();
    bool flush_pending() const;
    // Periodic work: session expiry, container/TTL cleanup, snapshot bookkeeping.
    void on_timer();

    // ---- ensemble (pipeline_replica.cc) ----
    // One message from another server.
    void on_peer(int64_t from, std::string_view payload);
    // A connection to or from `peer` closed. When it is the leader, an election starts at
    // once instead of after the election timeout (pre-vote keeps a live leader in place).
    // Returns the delay after which the adapter calls campaign_if_leaderless() (random, so
    // that followers do not split the vote), or nullopt when nothing is to be done.
    std::optional<int64_t> on_peer_down(int64_t peer);
    void campaign_if_leaderless();
    // The consensus clock: every core_tick_ms().
    void on_core_tick();
    int64_t core_tick_ms() const;
    // "leader", "follower", "observer", "standalone", or "looking" while no leader is known.
    std::string_view role() const;
    // Hands leadership to the most up-to-date follower before a graceful stop; true if a
    // transfer started.
    bool transfer_leadership();

    // The answer to a four-letter word (ruok, srvr, ...), or nullopt for an unknown word.
    std::optional<std::string> four_letter(std::string_view word);

    const tree::DataTree& tree() const { return tree_; }
    const Stats& stats() const { return stats_; }
    // Ensemble only (nullptr otherwise): the consensus core and its log, for four-letter
    // words and the simulator's checkers.
    const consensus::Core* core() const { return core_ ? &*core_ : nullptr; }
    const LogStore* log() const { return log_store_.get(); }
    int64_t applied_index() const { return applied_index_; }

    // Stops taking work, flushes what is pending and waits for a running snapshot.
    void shutdown();

    // Set when a storage error made the pipeline stop; the server must exit.
    bool failed() const { return failed_; }

private:
    struct Request {
        int32_t xid = 0;
        proto::OpCode type = proto::OpCode::error;
        std::string body;
        int64_t received_us = 0;
    };
    struct Conn {
        ConnId id = 0;
        std::string remote_ip;
        uint16_t remote_port = 0;
        int64_t session_id = 0;
        bool handshaken = false;
        bool has_read_only = true;  // the client sent the readOnly flag; we echo its presence
        bool closing = false;
        // Ensemble: a session this server did not know yet is checked again after a sync
        // through the log; frames that arrive meanwhile wait here.
        std::string pending_connect;
        std::vector<std::string> early_frames;
        bool revalidated = false;
        // Served by a server without a quorum (readonlymode.enabled): reads only.
        bool read_only = false;
        int32_t timeout_ms = 0;
        tree::Identity identity;
        int outstanding_writes = 0;
        std::deque<Request> waiting;
        ConnStats stats;
    };
    struct InFlight {
        tree::Entry entry;
        ConnId conn = 0;  // 0: internal (expiry, cleanup)
        int64_t received_us = 0;
        std::string connect_passwd;  // create_session: sent back in ConnectResponse
        bool connect_read_only = false;
    };
    // A write this server proposed and has not yet applied (ensemble).
    struct Proposed {
        InFlight in;
        int64_t sent_to = 0;  // the leader it was forwarded to (this server's id if leader)
    };

    Pipeline(const Config& config, Clock* clock, Sink* sink, uint64_t seed, PeerSink* peers,
             PipelineEnv env);
    void open_disk();
    void track_restored_sessions();
    void start_snapshotter(std::string snap_dir, std::string wal_dir, int32_t retain_count);
    Result<void> recover();
    Result<void> recover_replica();

    // pipeline_replica.cc
    void propose_batch(std::vector<InFlight> batch);
    void propose_local(std::string payload);
    void process_ready();
    void install_leader_snapshot(const consensus::Snapshot& snapshot);
    void apply_committed(const consensus::Entry& entry);
    void observe_leader();
    void report_touches();
    void maybe_snapshot_replica(int64_t applied);
    bool is_leader() const;
    bool has_leader() const;
    int64_t effective_leader() const;
    int64_t leader_timeout_ms() const;
    void expire_stuck_proposals();

    // reconfig.cc
    std::string config_text(const std::vector<ServerSpec>& servers, int64_t version) const;
    std::vector<ServerSpec> current_servers() const;
    int64_t current_config_version() const;
    tree::ApplyResult apply_reconfig(const tree::Entry& entry);
    void drive_membership();

    void handle_connect(Conn& conn, std::string_view payload);
    void connect_read_only(Conn& conn, const proto::ConnectRequest& request);
    void finish_revalidation(Conn& conn);
    bool serving_read_only() const;
    void handle_request(Conn& conn, Request request);
    void drain_waiting(Conn& conn);
    bool execute(Conn& conn, Request& request);  // false: must wait for earlier writes
    void submit(Conn* conn, proto::OpCode type, std::string body, int32_t xid, int64_t received_us);
    void serve_read(Conn& conn, const Request& request);
    void serve_auth(Conn& conn, const Request& request);
    void serve_set_watches(Conn& conn, const Request& request);
    int32_t apply_one(InFlight& in);
    void finish_connect(InFlight& in);
    void send_reply(Conn& conn, int32_t xid, int64_t zxid, int32_t err, std::string_view body,
                    int64_t received_us);
    void notify(const std::vector<watch::Notification>& notifications);
    void close_conn(Conn& conn);
    void detach_session(Conn& conn);
    Conn* conn_of_session(int64_t session_id);
    int64_t next_session_id();
    // Remembers the highest session id this server created (top byte = its id), so that
    // ids are not reused after a restart; other servers' ids live in their own space.
    void note_session_id(int64_t session_id);
    void fail(const std::string& why);
    std::string server_summary(bool with_clients);
    std::string connection_lines();
    std::string monitor();
    std::string environment();
    std::string configuration();
    std::string directory_sizes();

    Config config_;
    Clock* clock_;
    Sink* sink_;
    Rng rng_;
    tree::DataTree tree_;
    watch::WatchTable watches_;
    session::SessionTracker tracker_;
    PipelineEnv env_;
    std::unique_ptr<storage::Disk> owned_disk_;  // the real one, when env_ names none
    storage::Disk* disk_ = nullptr;
    std::unique_ptr<storage::WalWriter> wal_;
    std::unique_ptr<Snapshotter> snapshotter_;
    std::unordered_map<ConnId, Conn> conns_;
    std::unordered_map<int64_t, ConnId> session_conns_;
    std::vector<InFlight> batch_;
    int64_t next_zxid_ = 1;
    int64_t last_session_id_ = 0;
    int64_t last_cleanup_ms_ = 0;
    Stats stats_;
    bool failed_ = false;
    bool shutting_down_ = false;
    std::string super_id_;  // "super:..." digest id from config

    // ---- ensemble ----
    PeerSink* peers_ = nullptr;
    std::unique_ptr<LogStore> log_store_;
    std::optional<consensus::Core> core_;
    std::unordered_map<uint64_t, Proposed> proposed_;  // by proposal sequence number
    std::vector<std::string> unsent_;  // proposals waiting for a leader to be known
    uint64_t next_seq_ = 1;
    int64_t known_leader_ = 0;
    int64_t leader_contact_ms_ = 0;  // the last message from the leader (monotonic)
    // Sessions heard from since the last report to the leader: one entry per session, however
    // many requests it sent.
    std::unordered_set<int64_t> touched_;
    std::map<int64_t, consensus::SnapshotMeta> snapshot_metas_;  // snapshots being written
    int64_t compacted_index_ = 0;
    int64_t applied_index_ = 0;
};

}  // namespace wd::server
