// The transport between the servers of an ensemble: TCP with standalone Asio, on the event
// loop's thread (docs/ensemble.md, "Peer transport").
//
// Every server listens on its peerPort and keeps one outbound connection to every other
// server, over which it sends; what arrives on accepted connections is received. A connection
// opens with a hello frame naming the sender's id; every frame is a u32 big-endian length and
// a payload. Outbound queues are bounded: while a peer is unreachable, or slower than the
// bound, messages to it are dropped (the consensus protocol retries), and the connection is
// retried with backoff. A malformed frame or an unknown peer id closes that connection only.
#pragma once

#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "server/config.h"
#include "server/pipeline.h"

namespace wd::server {

class PeerNet final : public PeerSink {
public:
    using OnMessage = std::function<void(int64_t from, std::string_view payload)>;
    // A connection to or from this peer closed or failed (it may have died).
    using OnPeerDown = std::function<void(int64_t peer)>;
    PeerNet(asio::io_context& io, const Config& config, OnMessage on_message,
            OnPeerDown on_down = nullptr);
    ~PeerNet() override;

    Result<void> start();
    void stop();
    void send_peer(int64_t to, std::string payload) override;
    void set_members(const std::vector<ServerSpec>& servers) override;

    struct PeerStats {
        bool connected = false;
        int64_t sent = 0;
        int64_t dropped = 0;
    };
    std::map<int64_t, PeerStats> stats() const;

private:
    struct Outbound;
    struct Inbound;
    void accept();
    void connect(const std::shared_ptr<Outbound>& out);
    void retry_later(const std::shared_ptr<Outbound>& out, uint64_t generation);
    void watch_for_close(const std::shared_ptr<Outbound>& out, uint64_t generation);
    void write(const std::shared_ptr<Outbound>& out);
    void read(const std::shared_ptr<Inbound>& in);
    bool on_bytes(const std::shared_ptr<Inbound>& in);

    asio::io_context& io_;
    Config config_;
    OnMessage on_message_;
    OnPeerDown on_down_;
    asio::ip::tcp::acceptor acceptor_;
    std::map<int64_t, std::shared_ptr<Outbound>> outbound_;
    std::map<Inbound*, std::shared_ptr<Inbound>> inbound_;
    bool stopped_ = false;
};

}  // namespace wd::server
