#include "bench/echo_asio.h"

#include <cstdio>
#include <memory>

#include <asio.hpp>

#include "proto/codec.h"
#include "proto/frame.h"

namespace wd::bench {

namespace {

constexpr uint32_t request_size_max = 1u << 20;

class EchoSession : public std::enable_shared_from_this<EchoSession> {
public:
    EchoSession(asio::ip::tcp::socket socket, int64_t session_id)
        : socket_(std::move(socket)), session_id_(session_id) {}

    void start() { read(); }

private:
    void read() {
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(chunk_), [self](const asio::error_code& ec,
                                                             size_t n) {
            if (ec) {
                return;
            }
            self->in_.append(self->chunk_.data(), n);
            if (self->answer()) {
                self->write();
            }
        });
    }

    // Answers every complete frame; false when the connection should end.
    bool answer() {
        auto frames = proto::split_frames(in_, request_size_max);
        if (!frames.ok()) {
            return false;
        }
        bool keep = true;
        for (std::string_view payload : frames->payloads) {
            keep = keep && answer_one(payload);
        }
        in_.erase(0, frames->consumed);
        return keep || !out_.empty();
    }

    bool answer_one(std::string_view payload) {
        if (!handshaken_) {
            handshaken_ = true;
            proto::ConnectResponse response;
            response.timeout_ms = 30'000;
            response.session_id = session_id_;
            response.passwd = std::string(16, '\0');
            out_ += proto::connect_response_frame(response);
            return true;
        }
        proto::JuteReader r(payload);
        const auto header = proto::decode<proto::RequestHeader>(r);
        if (!r.ok()) {
            return false;
        }
        const proto::ReplyHeader reply{header.xid, 1, 0};
        if (header.type == static_cast<int32_t>(proto::OpCode::close_session)) {
            out_ += proto::reply_frame(reply);
            closing_ = true;
            return false;
        }
        out_ += proto::reply_frame(reply, proto::StatResponse{});
        return true;
    }

    void write() {
        auto self = shared_from_this();
        writing_.swap(out_);
        out_.clear();
        asio::async_write(socket_, asio::buffer(writing_),
                          [self](const asio::error_code& ec, size_t) {
                              if (ec || self->closing_) {
                                  return;
                              }
                              self->read();
                          });
    }

    asio::ip::tcp::socket socket_;
    int64_t session_id_;
    bool handshaken_ = false;
    bool closing_ = false;
    std::string in_;
    std::string out_;
    std::string writing_;
    std::array<char, 64 * 1024> chunk_{};
};

void accept_next(asio::ip::tcp::acceptor& acceptor, int64_t& next_session_id) {
    acceptor.async_accept([&acceptor, &next_session_id](const asio::error_code& ec,
                                                        asio::ip::tcp::socket socket) {
        if (ec) {
            return;
        }
        asio::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        std::make_shared<EchoSession>(std::move(socket), next_session_id++)->start();
        accept_next(acceptor, next_session_id);
    });
}

}  // namespace

Result<void> run_echo_server(const std::string& host, uint16_t port, int64_t time_limit_ns) {
    asio::io_context io;
    asio::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
        return err(Status::io_error("bad address " + host + ": " + ec.message()));
    }
    asio::ip::tcp::acceptor acceptor(io);
    const asio::ip::tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return err(Status::io_error("listen on " + host + ":" + std::to_string(port) + ": " +
                                    ec.message()));
    }
    std::printf("listening %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);
    int64_t next_session_id = 1;
    accept_next(acceptor, next_session_id);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](const asio::error_code&, int) { io.stop(); });
    asio::steady_timer limit(io, std::chrono::nanoseconds(time_limit_ns));
    limit.async_wait([&io](const asio::error_code& e) {
        if (!e) {
            io.stop();
        }
    });
    io.run();  // the echo server's event loop: ends on a signal or the time limit
    return {};
}

}  // namespace wd::bench
