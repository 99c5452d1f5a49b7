// One client session of the driver: TCP connect, the ZooKeeper handshake, then requests
// written in batches (everything appended in one loop turn goes out in one write) and replies
// matched to the requests by xid. ZooKeeper answers a session's requests in order, so the
// outstanding requests are a FIFO and a reply whose xid is not the oldest one is a protocol
// error that closes the connection.
//
// Thread affinity: everything runs on the io_context's one thread. The ConnectionHandler (the
// driver) outlives the connection.
#pragma once

#include <array>
#include <asio.hpp>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "proto/records.h"

namespace wd::bench {

// What an outstanding request is for; the driver decides what its reply means.
enum class Purpose : uint8_t { op, arm, fire, churn_create, close };

struct Pending {
    int32_t xid = 0;
    Purpose purpose = Purpose::op;
    bool measured = false;  // issued after the warm-up
    int64_t start_ns = 0;
};

class Connection;

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    virtual void on_connected(Connection& connection) = 0;
    // `body` is the reply payload after the ReplyHeader and is valid only during the call.
    virtual void on_reply(Connection& connection, const Pending& pending,
                          const proto::ReplyHeader& header, std::string_view body) = 0;
    virtual void on_notification(Connection& connection, const proto::WatcherEvent& event) = 0;
    // The connection broke (connect, I/O or protocol failure). connection.pending() still
    // lists the requests that will never be answered; they are dropped after the call.
    virtual void on_closed(Connection& connection, std::string_view reason) = 0;
};

class Connection {
public:
    enum class State { closed, connecting, handshaking, ready };

    Connection(asio::io_context& io, ConnectionHandler& handler, uint32_t index,
               asio::ip::tcp::endpoint endpoint, int32_t timeout_ms);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts connecting. REQUIRES: state() == closed.
    void open(int64_t now_ns);
    // Appends one request through `encode(out, xid)` and tracks it. REQUIRES: ready.
    template <class F>
    void send(Purpose purpose, bool measured, int64_t now_ns, F&& encode) {
        WD_ASSERT(state_ == State::ready);
        const int32_t xid = next_xid_++;
        encode(out_, xid);
        pending_.push_back(Pending{xid, purpose, measured, now_ns});
        last_send_ns_ = now_ns;
    }
    void send_ping(int64_t now_ns);
    // Writes what send() appended, unless a write is in flight (its completion writes it).
    void flush();
    // Closes the socket without calling on_closed; pending requests are dropped.
    void close();

    State state() const { return state_; }
    bool ready() const { return state_ == State::ready; }
    uint32_t index() const { return index_; }
    size_t pending_count() const { return pending_.size(); }
    const std::deque<Pending>& pending() const { return pending_; }
    int64_t last_send_ns() const { return last_send_ns_; }
    int64_t open_ns() const { return open_ns_; }
    int64_t session_id() const { return session_id_; }

private:
    void on_connect(uint64_t generation, const asio::error_code& ec);
    void read();
    void on_read(uint64_t generation, const asio::error_code& ec, size_t n);
    // Handles every complete frame in in_; false when the connection went down meanwhile.
    bool process_frames(uint64_t generation);
    bool process_frame(std::string_view payload);
    void fail(std::string_view reason);

    asio::io_context& io_;
    ConnectionHandler& handler_;
    uint32_t index_;
    asio::ip::tcp::endpoint endpoint_;
    int32_t timeout_ms_;
    asio::ip::tcp::socket socket_;
    State state_ = State::closed;
    uint64_t generation_ = 0;  // bumped by open() and close(): stale completions are ignored
    int32_t next_xid_ = 1;
    int64_t session_id_ = 0;
    int64_t last_send_ns_ = 0;
    int64_t open_ns_ = 0;
    std::deque<Pending> pending_;
    std::string in_;
    std::string out_;
    std::string writing_;
    bool write_in_flight_ = false;
    std::array<char, 64 * 1024> chunk_{};
};

}  // namespace wd::bench
