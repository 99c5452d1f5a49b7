// Simulated ZooKeeper clients: each holds at most one session and one outstanding request.
// They create sessions, create (ephemeral or persistent), set, delete, get and check a small
// key space, close their sessions or abandon them (a client crash, left to expire), and fail
// over to another server when a request times out or a server refuses them. Every operation
// is recorded in the history with its invocation and response.
//
// Reconnecting follows ZooKeeper: the client presents the last zxid it has seen, and a server
// that has not applied that far refuses it (the client tries another).
//
// Test-only; single-threaded; every choice comes from the Rng the simulator passes in.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "checkers/history.h"
#include "sim_server.h"

namespace wd::sim {

struct ClientKnobs {
    uint64_t keys = 4;
    uint64_t op_timeout_ticks = 30;
    uint64_t ping_every_ticks = 5;
    uint64_t think_ticks_max = 6;
    int32_t session_timeout_ms = 800;
    uint64_t close_per_mille = 15;    // per operation: close the session
    uint64_t abandon_per_mille = 10;  // per operation: crash the client (the session expires)
};

// The history and the global event order ("real time" for the checkers).
struct Recorder {
    std::vector<Op> ops;
    std::vector<int32_t> xids;  // per op: the request's xid (0 for reads and expiries)
    uint64_t events = 0;
    uint64_t now() { return ++events; }
};

class Workload {
public:
    Workload(int clients, int servers, const ClientKnobs& knobs, Rng& rng, Recorder& recorder);

    // Requests the clients send this tick, each with its target server.
    std::vector<std::pair<int, ClientRequest>> tick(uint64_t now_tick);
    void on_reply(const ClientReply& reply, uint64_t now_tick);
    // Clients pick only these servers from now on (the liveness phase's healthy core).
    void restrict_servers(std::set<int> servers) { allowed_ = std::move(servers); }
    // Whether a write invoked at or after `since` event has been acknowledged.
    bool write_acknowledged_since(uint64_t since) const;
    int64_t max_acknowledged_zxid() const { return max_acked_zxid_; }
    void set_verbose(bool verbose) { verbose_ = verbose; }

private:
    enum class Waiting : uint8_t { none, connect, op, ping };
    struct Client {
        int id = 0;
        int64_t session_id = 0;
        bool session_new = false;  // the connect in flight creates the session
        bool connected = false;
        int server = 1;
        uint64_t conn = 0;
        Waiting waiting = Waiting::none;
        uint64_t sent_tick = 0;
        uint64_t op = 0;
        int64_t last_zxid_seen = 0;
        uint64_t next_action_tick = 0;
        uint64_t last_ping_tick = 0;
        int32_t next_xid = 1;
        uint64_t values = 0;
        std::map<std::string, int32_t> versions_seen;
    };

    std::optional<ClientRequest> act(Client& c, uint64_t now_tick);
    ClientRequest start_op(Client& c);
    void time_out(Client& c, uint64_t now_tick);
    void switch_server(Client& c);
    void end_session(Client& c);
    void complete_op(Client& c, const ClientReply& reply);
    uint64_t record(Op op, int32_t xid);

    int servers_;
    ClientKnobs knobs_;
    Rng& rng_;
    Recorder& recorder_;
    std::vector<Client> clients_;
    std::set<int> allowed_;
    uint64_t next_conn_ = 1;
    int64_t next_session_id_ = 1;
    std::vector<uint64_t> acked_writes_;  // invoke times of acknowledged writes
    int64_t max_acked_zxid_ = 0;
    bool verbose_ = false;
};

}  // namespace wd::sim
