#include "bench/connection_asio.h"

#include "bench/requests.h"
#include "proto/codec.h"
#include "proto/frame.h"

namespace wd::bench {

namespace {
constexpr uint32_t reply_size_max = 64u << 20;
}  // namespace

Connection::Connection(asio::io_context& io, ConnectionHandler& handler, uint32_t index,
                       asio::ip::tcp::endpoint endpoint, int32_t timeout_ms)
    : io_(io),
      handler_(handler),
      index_(index),
      endpoint_(std::move(endpoint)),
      timeout_ms_(timeout_ms),
      socket_(io) {}

void Connection::open(int64_t now_ns) {
    WD_ASSERT(state_ == State::closed);
    ++generation_;
    state_ = State::connecting;
    open_ns_ = now_ns;
    last_send_ns_ = now_ns;
    next_xid_ = 1;
    session_id_ = 0;
    pending_.clear();
    in_.clear();
    out_.clear();
    socket_ = asio::ip::tcp::socket(io_);
    const uint64_t generation = generation_;
    socket_.async_connect(endpoint_, [this, generation](const asio::error_code& ec) {
        on_connect(generation, ec);
    });
}

void Connection::on_connect(uint64_t generation, const asio::error_code& ec) {
    if (generation != generation_ || state_ != State::connecting) {
        return;
    }
    if (ec) {
        fail("connect: " + ec.message());
        return;
    }
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    state_ = State::handshaking;
    append_connect(out_, timeout_ms_);
    flush();
    read();
}

void Connection::send_ping(int64_t now_ns) {
    WD_ASSERT(state_ == State::ready);
    append_header_only(out_, proto::xid::ping, proto::OpCode::ping);
    last_send_ns_ = now_ns;
}

void Connection::flush() {
    if (state_ == State::closed || state_ == State::connecting || write_in_flight_ ||
        out_.empty()) {
        return;
    }
    writing_.swap(out_);
    out_.clear();
    write_in_flight_ = true;
    const uint64_t generation = generation_;
    asio::async_write(socket_, asio::buffer(writing_),
                      [this, generation](const asio::error_code& ec, size_t) {
                          if (generation != generation_) {
                              return;
                          }
                          write_in_flight_ = false;
                          if (ec) {
                              fail("write: " + ec.message());
                              return;
                          }
                          flush();
                      });
}

void Connection::close() {
    ++generation_;
    state_ = State::closed;
    write_in_flight_ = false;
    pending_.clear();
    asio::error_code ignored;
    socket_.close(ignored);
}

void Connection::fail(std::string_view reason) {
    if (state_ == State::closed) {
        return;
    }
    ++generation_;
    state_ = State::closed;
    write_in_flight_ = false;
    asio::error_code ignored;
    socket_.close(ignored);
    handler_.on_closed(*this, reason);
    pending_.clear();
}

void Connection::read() {
    const uint64_t generation = generation_;
    socket_.async_read_some(asio::buffer(chunk_),
                            [this, generation](const asio::error_code& ec, size_t n) {
                                on_read(generation, ec, n);
                            });
}

void Connection::on_read(uint64_t generation, const asio::error_code& ec, size_t n) {
    if (generation != generation_ || state_ == State::closed) {
        return;
    }
    if (ec) {
        fail(ec == asio::error::eof ? "closed by server" : "read: " + ec.message());
        return;
    }
    in_.append(chunk_.data(), n);
    if (!process_frames(generation)) {
        return;
    }
    flush();
    read();
}

bool Connection::process_frames(uint64_t generation) {
    auto frames = proto::split_frames(in_, reply_size_max);
    if (!frames.ok()) {
        fail("bad frame: " + frames.error().to_string());
        return false;
    }
    for (std::string_view payload : frames->payloads) {
        if (!process_frame(payload) || generation != generation_) {
            return false;  // failed, or the handler closed the connection: in_ is stale
        }
    }
    in_.erase(0, frames->consumed);
    return true;
}

bool Connection::process_frame(std::string_view payload) {
    if (state_ == State::handshaking) {
        auto response = proto::decode_connect_response(payload);
        if (!response.ok() || response->session_id == 0) {
            fail("handshake refused");
            return false;
        }
        session_id_ = response->session_id;
        state_ = State::ready;
        handler_.on_connected(*this);
        return true;
    }
    proto::JuteReader r(payload);
    const auto header = proto::decode<proto::ReplyHeader>(r);
    if (!r.ok()) {
        fail("short reply header");
        return false;
    }
    const std::string_view body = payload.substr(r.position());
    if (header.xid == proto::xid::notification) {
        auto event = proto::decode_exact<proto::WatcherEvent>(body);
        if (!event.ok()) {
            fail("bad notification");
            return false;
        }
        handler_.on_notification(*this, *event);
        return true;
    }
    if (header.xid == proto::xid::ping) {
        return true;
    }
    if (pending_.empty() || pending_.front().xid != header.xid) {
        fail("reply xid " + std::to_string(header.xid) + " out of order");
        return false;
    }
    const Pending pending = pending_.front();
    pending_.pop_front();
    handler_.on_reply(*this, pending, header, body);
    return true;
}

}  // namespace wd::bench
