// The network adapter: TCP on the client port with standalone Asio, one thread.
//
// Reads frames, hands them to the Pipeline, and writes what the Pipeline sends. Per-client-IP
// connection limit (maxClientCnxns), frame size limit (jute.maxbuffer) and an outbound buffer
// limit are enforced here by closing the offending connection; the server stays up.
#pragma once

#include <asio.hpp>
#include <map>
#include <memory>
#include <string>

#include "server/config.h"
#include "server/peer_asio.h"
#include "server/pipeline.h"

namespace wd::server {

class AsioServer final : public Sink {
public:
    AsioServer(asio::io_context& io, Config config);
    ~AsioServer() override;

    // Recovers the data and starts listening. An error means the server must not start.
    Result<void> start(uint64_t seed);
    // Graceful stop: flush pending writes, wait for a snapshot, close everything.
    void stop();
    // Runs the event loop until it stops, spinning config.event_loop_spin_us before each sleep.
    void run();
    // A leader first hands leadership to the most up-to-date follower (bounded wait), then
    // stops; `stopped` runs after stop().
    void stop_gracefully(std::function<void()> stopped);
    bool failed() const { return pipeline_ && pipeline_->failed(); }
    uint16_t port() const;

    void send(ConnId conn, std::string frame) override;
    void close(ConnId conn) override;

private:
    struct Connection;
    void accept();
    void read(const std::shared_ptr<Connection>& c);
    void on_bytes(const std::shared_ptr<Connection>& c);
    bool try_four_letter(const std::shared_ptr<Connection>& c);
    void write(const std::shared_ptr<Connection>& c);
    void drop(const std::shared_ptr<Connection>& c);
    void schedule_flush();
    void arm_timer();
    void arm_core_timer();

    asio::io_context& io_;
    Config config_;
    asio::ip::tcp::acceptor acceptor_;
    asio::steady_timer timer_;
    asio::steady_timer core_timer_;
    asio::steady_timer campaign_timer_;
    std::unique_ptr<PeerNet> peers_;
    std::unique_ptr<Pipeline> pipeline_;
    std::map<ConnId, std::shared_ptr<Connection>> conns_;
    std::map<std::string, int> conns_per_ip_;
    ConnId next_id_ = 1;
    bool flush_posted_ = false;
    bool stopped_ = false;
};

}  // namespace wd::server
