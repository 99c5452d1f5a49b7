// The real server pipeline (src/server's Pipeline: request handling, sessions, watches,
// forwarding, the consensus core, LogStore's WAL and hard state, snapshots, recovery) run as one
// simulated server (docs/simulator.md, "Two kinds of server").
//
// What the simulator substitutes: a MemDisk for the file system (crashes lose or tear unsynced
// bytes; an armed fault makes fdatasync fail, which stops the pipeline as it stops wardend),
// a clock that reads the simulated time, and in-memory Sink/PeerSink adapters. Clients speak
// the ZooKeeper wire protocol to it: the workload's requests are encoded as the frames a client
// sends, and the frames the pipeline sends back are decoded into replies. Snapshots are written
// in-process instead of by a forked child.
//
// Watches: every read the workload sends leaves a watch, and each connection checks
// ZooKeeper's ordering promise (DESIGN.md §1): a client sees the notification of a change to a
// node it watches before any reply that shows the change; a notification comes only for a
// watch that is set, once, with a type that fits what the read saw.
//
// The workload names sessions itself; the pipeline assigns the ids a real client is given.
// SessionNames, shared by every server of a run, translates between the two.
//
// Test-only; single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checkers/replicas.h"
#include "replica.h"
#include "server/clock.h"
#include "server/log_store.h"
#include "server/pipeline.h"
#include "storage/mem_disk.h"

namespace wd::sim {

// The workload's session names and the ids the servers gave them.
class SessionNames {
public:
    struct Real {
        int64_t id = 0;
        std::string passwd;
    };
    void bind(int64_t name, int64_t id, std::string passwd);
    const Real* real(int64_t name) const;
    // The name of a server-assigned id; the id itself when no client learned it (ids carry
    // their server in the top byte, so they never collide with the workload's small names).
    int64_t name(int64_t id) const;

private:
    std::map<int64_t, Real> by_name_;
    std::map<int64_t, int64_t> by_id_;
};

class SimClock final : public server::Clock {
public:
    void set(int64_t now_ms) { now_ms_ = now_ms; }
    int64_t wall_ms() override { return epoch_ms + now_ms_; }
    int64_t monotonic_ms() override { return now_ms_; }
    int64_t monotonic_us() override { return now_ms_ * 1000; }

private:
    static constexpr int64_t epoch_ms = 1'700'000'000'000;
    int64_t now_ms_ = 0;
};

class PipelineServer final : public Replica,
                             private server::Sink,
                             private server::PeerSink,
                             private server::ReplicaObserver {
public:
    PipelineServer(int id, int servers, const ServerKnobs& knobs, ReplicaChecker& checker,
                   ExpiryHook on_expiry, SessionNames& names);
    ~PipelineServer() override;

    bool up() const override { return pipeline_ != nullptr; }
    void start(uint64_t seed, int64_t now_ms) override;
    CrashLoss crash(Rng& rng) override;

    void tick(int64_t now_ms) override;
    void on_peer(int from, const PeerMessage& message, int64_t now_ms) override;
    void on_client(const ClientRequest& request, int64_t now_ms) override;
    void on_peer_down(int peer, int64_t now_ms) override;
    bool transfer_leadership() override;
    void process_ready(int64_t now_ms) override;
    void arm_crash_before_sync() override;
    void disarm_crash() override;
    bool stopped_before_sync() const override { return pipeline_ && pipeline_->failed(); }

    const consensus::Core& core() const override { return *pipeline_->core(); }
    const tree::DataTree& tree() const override { return pipeline_->tree(); }
    const consensus::LogStorage& log() const override;
    int64_t applied_index() const override { return pipeline_->applied_index(); }
    uint64_t snapshots_installed() const override { return installs_; }
    uint64_t compactions() const override { return compactions_; }
    uint64_t watch_events() const override { return watch_events_; }

private:
    struct Pending {
        ClientRequest::Kind kind = ClientRequest::Kind::ping;
        uint64_t op = 0;
        int32_t xid = 0;  // the workload's xid (writes)
        OpKind read_kind = OpKind::get;
        std::string path;  // reads
    };
    // What a read that left a watch saw of its node.
    struct Seen {
        bool exists = false;
        int64_t mzxid = 0;
        bool operator==(const Seen&) const = default;
    };
    // One client connection of this incarnation.
    struct Conn {
        int client = 0;
        uint64_t client_conn = 0;
        bool handshaken = false;
        bool closed = false;
        int64_t session_name = 0;
        bool new_session = false;
        uint64_t connect_op = 0;
        std::map<int32_t, Pending> pending;  // by the xid on the wire
        // Every read leaves a watch (getData on an existing node, exists always); a path stays
        // here until its notification arrives.
        std::map<std::string, Seen> watches;
        int32_t next_read_xid = 1 << 30;     // reads and pings get xids of their own
    };

    // server::Sink
    void send(server::ConnId conn, std::string frame) override;
    void close(server::ConnId conn) override;
    // server::PeerSink
    void send_peer(int64_t to, std::string payload) override;
    // server::ReplicaObserver
    void before_apply(const consensus::Entry& raw, const tree::Entry* entry,
                      const tree::DataTree& tree) override;
    void after_apply(const consensus::Entry& raw, const tree::Entry* entry,
                     const tree::DataTree& tree, bool mine, int32_t err) override;
    void snapshot_installed(const consensus::SnapshotMeta& meta,
                            const tree::DataTree& tree) override;
    void expiring(int64_t session_id) override;

    // After each call into the pipeline: disconnects it asked for, leadership, compactions.
    void settle();
    void answer_connect(Conn& conn, std::string_view payload);
    void answer(Conn& conn, std::string_view payload);
    void check_read(Conn& conn, const Pending& p, int32_t err, const proto::Stat* stat);
    void check_notification(Conn& conn, std::string_view payload);
    void lose(const Conn& conn, const Pending& p);
    ClientReply reply_to(const Conn& conn, ClientRequest::Kind kind, uint64_t op) const;
    void frame_in(server::ConnId id, std::string payload);
    // The log a stopped server would recover (the durable image of its disk).
    void load_durable_log();

    ServerKnobs knobs_;
    server::Config config_;
    ReplicaChecker& checker_;
    ExpiryHook on_expiry_;
    SessionNames& names_;
    storage::MemDisk disk_;
    SimClock clock_;
    std::unique_ptr<server::Pipeline> pipeline_;
    std::unique_ptr<server::LogStore> durable_log_;  // while down

    std::map<std::pair<int, uint64_t>, server::ConnId> conn_ids_;
    std::map<server::ConnId, Conn> conns_;
    std::vector<server::ConnId> to_disconnect_;
    server::ConnId next_conn_id_ = 1;
    std::map<int64_t, uint64_t> expiring_;  // session id -> the history's close
    std::map<int64_t, int64_t> created_at_;  // session id -> its create_session's zxid here
    ReplicaChecker::EphemeralCounts counts_;
    std::optional<int64_t> campaign_at_ms_;
    uint64_t installs_ = 0;
    uint64_t compactions_ = 0;
    uint64_t watch_events_ = 0;
    uint64_t snapshot_index_ = 0;
    bool crash_armed_ = false;
};

}  // namespace wd::sim
