// The client's connection state machine: pure (no sockets, no clock, no threads).
//
// Inputs are events, each with the caller's monotonic time in ms:
//   start()              begin: ask to connect to the first host
//   connected()          the transport asked for is open
//   connect_failed()     it could not be opened
//   bytes_received()     bytes from the transport (frame_received() for one whole payload)
//   disconnected()       the transport broke
//   tick()               time passed; call it at next_deadline_ms() at the latest
//   submit()             a request; close() ends the session
// Outputs accumulate in an Output that take_output() hands over. A driver applies it in this
// order: write `frames` to the open transport, then close it if `close_transport`, then open a
// transport to hosts()[*connect]; then run `deliveries` in order (completions, watch
// notifications and state changes keep the order in which the server's frames arrived, so a
// watch notification comes before the reply of a later read that observes the change).
//
// Rules, as the Java client's ClientCnxn:
//   - handshake: ConnectRequest{lastZxidSeen, timeout, session id, password, readOnly}; an
//     answer with timeout <= 0 means the session expired: EXPIRED, every pending request fails
//     with SESSIONEXPIRED, every watcher gets an Expired event and is dropped.
//   - timers: connect timeout = session timeout / number of hosts (from the start of the
//     transport to the handshake answer); read timeout = negotiated timeout * 2 / 3 without
//     any frame received; a ping after read timeout / 2 without sending (or ping_interval_max).
//   - on a lost transport: every pending request completes with CONNECTIONLOSS, state
//     DISCONNECTED (if the session was connected), reconnect to the next host after a random
//     delay in [0, reconnect_delay_max_ms]; the session id and password are kept.
//   - after each handshake: the auth packets (xid -4) are replayed, then the watches are
//     re-registered with SetWatches2 (xid -8, relativeZxid = last zxid seen) in chunks whose
//     paths add up to about set_watches_bytes_max (128 KiB as Java), then queued requests.
//   - replies answer requests in FIFO order: a reply whose xid is not the oldest pending one is
//     a protocol error that drops the transport. Auth replies (-4) and pings (-2) are outside
//     the FIFO; notifications are xid -1.
//   - xids increase from 1 (wrapping to 1 after INT32_MAX); the outbound queue (queued plus in
//     flight) holds at most pending_requests_max requests; submit() beyond is an error value.
//   - a request with a timeout completes with REQUESTTIMEOUT when it passes; if it was already
//     sent, its reply is consumed and dropped when it comes (the FIFO stays intact).
//   - close(): closeSession is sent after the queued requests; CLOSED when it is answered, the
//     transport drops, or the read timeout passes. Not connected: CLOSED at once.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/limits.h"
#include "base/rng.h"
#include "client/connect_string.h"
#include "client/types.h"
#include "client/watch_manager.h"

namespace wd::client {

struct ConnectionOptions {
    int32_t session_timeout_ms = 30'000;
    bool can_be_read_only = false;
    // Resume an existing session (0: a new one). The password is 16 bytes from the server.
    int64_t session_id = 0;
    std::string session_password;
    uint32_t pending_requests_max = limits::pending_requests_per_session_max;
    int64_t request_timeout_ms = 0;  // default per request; 0: none
    int64_t reconnect_delay_max_ms = 1'000;
    int64_t ping_interval_max_ms = 10'000;
    uint32_t set_watches_bytes_max = 128 * 1024;
    uint32_t frame_size_max = limits::frame_size_max;
    uint64_t seed = 0;  // host order and reconnect delays
};

// A watch notification and the watchers it reaches (possibly none).
struct Notification {
    WatchEvent event;
    std::vector<Watcher> watchers;
};
struct StateChange {
    SessionState state = SessionState::connecting;
};
using Delivery = std::variant<Completion, Notification, StateChange>;

struct Output {
    std::vector<std::string> frames;    // whole frames for the open transport, in order
    bool close_transport = false;       // close the current transport (after the frames)
    std::optional<size_t> connect;      // then open a transport to hosts()[*connect]
    std::vector<Delivery> deliveries;  // in order
    bool empty() const {
        return frames.empty() && !close_transport && !connect && deliveries.empty();
    }
};

class Connection {
public:
    // `hosts` are tried in order_hosts(hosts, options.seed) order.
    Connection(ConnectionOptions options, const ConnectString& connect_string);

    void start(int64_t now_ms);
    void connected(int64_t now_ms);
    void connect_failed(int64_t now_ms);
    void disconnected(int64_t now_ms);
    void bytes_received(int64_t now_ms, std::string_view bytes);
    void frame_received(int64_t now_ms, std::string_view payload);
    void tick(int64_t now_ms);

    // Queues a request; its Completion carries the returned id. Errors: SESSIONEXPIRED after
    // expiry or close, AUTHFAILED after an auth failure, CONNECTIONLOSS while closing,
    // THROTTLEDOP when the outbound queue is full.
    ZkResult<uint64_t> submit(int64_t now_ms, Request request);
    // Ends the session; the returned id completes (ok) once CLOSED.
    uint64_t close(int64_t now_ms);

    Output take_output();
    // The latest time tick() must be called at; INT64_MAX when no timer runs.
    int64_t next_deadline_ms() const;

    SessionState state() const { return state_; }
    int64_t session_id() const { return session_id_; }
    const std::string& session_password() const { return password_; }
    int32_t negotiated_timeout_ms() const { return negotiated_timeout_ms_; }
    int64_t last_zxid() const { return last_zxid_; }
    const std::vector<HostPort>& hosts() const { return hosts_; }
    size_t current_host() const { return host_index_; }
    const std::string& chroot() const { return chroot_; }
    const WatchManager& watches() const { return watches_; }
    size_t pending_requests() const { return outgoing_.size() + in_flight_.size(); }
    int64_t read_timeout_ms() const;
    int64_t connect_timeout_ms() const;

private:
    enum class Transport : uint8_t { none, opening, handshake, open };
    struct Call {
        uint64_t id = 0;  // 0: internal (setWatches2)
        int32_t xid = 0;
        OpCode op = OpCode::error;
        proto::RequestBody body;
        WatchRegistration watch;
        int64_t deadline_ms = 0;  // 0: none
        bool abandoned = false;   // timed out after it was sent: drop its reply
        bool absolute_path = false;  // Request::absolute_path: no chroot prefix
    };

    // connection.cc
    void open_transport(int64_t now_ms);
    void schedule_reconnect(int64_t now_ms);
    void lose_transport(int64_t now_ms);
    void fail_all(Code code);
    void finish_close();
    void set_state(SessionState state);
    void flush_outgoing(int64_t now_ms);
    void send_call(int64_t now_ms, Call call);
    static void encode_reconfig(proto::JuteWriter& w, const proto::ReconfigRequest& r);
    void send_frame(int64_t now_ms, std::string frame);
    void check_request_timeouts(int64_t now_ms);
    void submit_auth(int64_t now_ms, uint64_t id, proto::AuthPacket packet);
    int32_t next_xid();
    // connection_recv.cc
    void handle_handshake(int64_t now_ms, std::string_view payload);
    void handle_reply(int64_t now_ms, std::string_view payload);
    void handle_notification(std::string_view body);
    void handle_auth_reply(int32_t err);
    void complete_call(Call call, const proto::ReplyHeader& header, proto::ResponseBody body);
    void apply_watch(const WatchRegistration& watch, Code code);
    void expire();
    void fail_auth();
    void prime(int64_t now_ms);
    void send_set_watches(int64_t now_ms);
    void deliver_session_event(KeeperState state);

    ConnectionOptions options_;
    std::vector<HostPort> hosts_;
    std::string chroot_;
    Rng rng_;

    SessionState state_ = SessionState::connecting;
    Transport transport_ = Transport::none;
    bool started_ = false;
    size_t host_index_ = 0;
    int64_t reconnect_at_ms_ = -1;  // -1: none scheduled
    int64_t transport_start_ms_ = 0;
    int64_t last_send_ms_ = 0;
    int64_t last_recv_ms_ = 0;
    std::string recv_buffer_;

    int64_t session_id_ = 0;
    std::string password_;
    int32_t negotiated_timeout_ms_ = 0;
    int64_t last_zxid_ = 0;
    int32_t xid_last_ = 0;
    uint64_t id_last_ = 0;

    std::deque<Call> outgoing_;   // submitted, not yet written
    std::deque<Call> in_flight_;  // written, awaiting their reply in this order
    std::vector<proto::AuthPacket> auths_;           // every addAuth, replayed on reconnect
    std::deque<std::optional<uint64_t>> auth_waiting_;  // one per auth packet awaiting -4
    std::deque<uint64_t> auth_deferred_;  // ids of addAuth calls answered at the next prime
    WatchManager watches_;

    bool closing_ = false;
    uint64_t close_id_ = 0;
    int64_t close_deadline_ms_ = 0;

    Output out_;
};

}  // namespace wd::client
