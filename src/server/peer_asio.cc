#include "server/peer_asio.h"

#include <spdlog/spdlog.h>

#include <deque>

#include "base/coding.h"

namespace wd::server {

namespace {
constexpr std::string_view hello_magic = "WDPEER1";
constexpr uint32_t peer_frame_max = 32u << 20;
constexpr size_t queue_bytes_max = 64u << 20;
constexpr size_t read_chunk = 64 * 1024;
constexpr int64_t retry_min_ms = 50;
constexpr int64_t retry_max_ms = 1000;

std::string frame_of(std::string_view payload) {
    std::string out;
    out.reserve(4 + payload.size());
    put_u32_be(out, static_cast<uint32_t>(payload.size()));
    out.append(payload);
    return out;
}
}  // namespace

struct PeerNet::Outbound {
    Outbound(asio::io_context& io, ServerSpec s) : spec(std::move(s)), socket(io), timer(io) {}
    ServerSpec spec;
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    bool connected = false;
    bool writing = false;
    uint64_t generation = 0;  // bumped per connection attempt; stale handlers see a change
    std::array<char, 64> sink{};  // the peer never sends on this connection
    std::string queued;
    std::string in_flight;
    int64_t backoff_ms = retry_min_ms;
    PeerStats stats;
};

struct PeerNet::Inbound {
    explicit Inbound(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    std::string in;
    std::array<char, read_chunk> chunk{};
    int64_t from = 0;  // set by the hello frame
};

PeerNet::PeerNet(asio::io_context& io, const Config& config, OnMessage on_message,
                 OnPeerDown on_down)
    : io_(io),
      config_(config),
      on_message_(std::move(on_message)),
      on_down_(std::move(on_down)),
      acceptor_(io) {}

PeerNet::~PeerNet() {
    stop();
}

Result<void> PeerNet::start() {
    const ServerSpec* me = config_.my_spec();
    WD_ASSERT(me != nullptr);
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto resolved = resolver.resolve(me->host, std::to_string(me->peer_port), ec);
    if (ec || resolved.empty()) {
        return err(Status::invalid_argument("server." + std::to_string(me->id) + " host " +
                                            me->host + ": " + ec.message()));
    }
    asio::ip::tcp::endpoint endpoint = resolved.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return err(Status::io_error("cannot listen for peers on " + me->host + ":" +
                                    std::to_string(me->peer_port) + ": " + ec.message()));
    }
    spdlog::info("listening for peers on {}:{}", me->host, me->peer_port);
    accept();
    for (const ServerSpec& spec : config_.servers) {
        if (spec.id == config_.my_id) {
            continue;
        }
        auto out = std::make_shared<Outbound>(io_, spec);
        outbound_[spec.id] = out;
        connect(out);
    }
    return {};
}

void PeerNet::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [id, out] : outbound_) {
        out->timer.cancel();
        out->socket.close(ignored);
    }
    for (auto& [ptr, in] : inbound_) {
        in->socket.close(ignored);
    }
    inbound_.clear();
}

void PeerNet::set_members(const std::vector<ServerSpec>& servers) {
    if (stopped_) {
        return;
    }
    for (const ServerSpec& spec : servers) {
        if (spec.id == config_.my_id) {
            continue;
        }
        auto it = outbound_.find(spec.id);
        if (it != outbound_.end() && it->second->spec.host == spec.host &&
            it->second->spec.peer_port == spec.peer_port) {
            continue;
        }
        if (it != outbound_.end()) {
            asio::error_code ignored;
            ++it->second->generation;  // its pending handlers become stale
            it->second->timer.cancel();
            it->second->socket.close(ignored);
        }
        auto out = std::make_shared<Outbound>(io_, spec);
        outbound_[spec.id] = out;
        spdlog::info("peer {} is now at {}:{}", spec.id, spec.host, spec.peer_port);
        connect(out);
    }
    // Connections to servers no longer listed stay: until the leader commits their removal
    // they are still members whose messages count (the consensus core stops sending to them
    // once they are not).
}

std::map<int64_t, PeerNet::PeerStats> PeerNet::stats() const {
    std::map<int64_t, PeerStats> out;
    for (const auto& [id, o] : outbound_) {
        out[id] = o->stats;
        out[id].connected = o->connected;
    }
    return out;
}

// ---- outbound ------------------------------------------------------------------------------

void PeerNet::connect(const std::shared_ptr<Outbound>& out) {
    if (stopped_) {
        return;
    }
    const uint64_t generation = ++out->generation;
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto resolved = resolver.resolve(out->spec.host, std::to_string(out->spec.peer_port), ec);
    if (ec || resolved.empty()) {
        retry_later(out, generation);
        return;
    }
    out->socket = asio::ip::tcp::socket(io_);
    out->socket.async_connect(resolved.begin()->endpoint(), [this, out, generation](
                                                                const asio::error_code& e) {
        if (stopped_ || generation != out->generation) {
            return;
        }
        if (e) {
            retry_later(out, generation);
            return;
        }
        asio::error_code ignored;
        out->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        out->connected = true;
        out->backoff_ms = retry_min_ms;
        std::string hello(hello_magic);
        put_u64_le(hello, static_cast<uint64_t>(config_.my_id));
        out->queued.insert(0, frame_of(hello));
        spdlog::info("connected to peer {} at {}:{}", out->spec.id, out->spec.host,
                     out->spec.peer_port);
        watch_for_close(out, generation);
        write(out);
    });
}

// Nothing arrives on an outbound connection, so a completed read means the peer closed it
// (or died): notice at once instead of at the next failed write.
void PeerNet::watch_for_close(const std::shared_ptr<Outbound>& out, uint64_t generation) {
    out->socket.async_read_some(asio::buffer(out->sink), [this, out, generation](
                                                             const asio::error_code& e, size_t) {
        if (stopped_ || generation != out->generation) {
            return;
        }
        if (!e) {
            watch_for_close(out, generation);
            return;
        }
        retry_later(out, generation);
    });
}

void PeerNet::retry_later(const std::shared_ptr<Outbound>& out, uint64_t generation) {
    if (stopped_ || generation != out->generation) {
        return;
    }
    ++out->generation;  // handlers of this connection become stale
    const bool was_connected = out->connected;
    if (was_connected) {
        spdlog::info("lost the connection to peer {}", out->spec.id);
    }
    out->connected = false;
    out->writing = false;
    out->queued.clear();
    out->in_flight.clear();
    asio::error_code ignored;
    out->socket.close(ignored);
    out->timer.expires_after(std::chrono::milliseconds(out->backoff_ms));
    out->backoff_ms = std::min(out->backoff_ms * 2, retry_max_ms);
    const uint64_t next = out->generation;
    out->timer.async_wait([this, out, next](const asio::error_code& e) {
        if (!e && next == out->generation) {
            connect(out);
        }
    });
    if (was_connected && on_down_) {
        on_down_(out->spec.id);
    }
}

void PeerNet::send_peer(int64_t to, std::string payload) {
    auto it = outbound_.find(to);
    if (it == outbound_.end() || stopped_) {
        return;
    }
    const auto& out = it->second;
    if (!out->connected || out->queued.size() + payload.size() > queue_bytes_max) {
        ++out->stats.dropped;
        return;
    }
    put_u32_be(out->queued, static_cast<uint32_t>(payload.size()));
    out->queued += payload;
    ++out->stats.sent;
    write(out);
}

void PeerNet::write(const std::shared_ptr<Outbound>& out) {
    if (out->writing || out->queued.empty() || !out->connected) {
        return;
    }
    out->in_flight.swap(out->queued);
    out->queued.clear();
    out->writing = true;
    const uint64_t generation = out->generation;
    asio::async_write(out->socket, asio::buffer(out->in_flight),
                      [this, out, generation](const asio::error_code& e, size_t) {
                          if (stopped_ || generation != out->generation) {
                              return;
                          }
                          out->writing = false;
                          out->in_flight.clear();
                          if (e) {
                              retry_later(out, generation);
                              return;
                          }
                          write(out);
                      });
}

// ---- inbound -------------------------------------------------------------------------------

void PeerNet::accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec) {
            if (ec != asio::error::operation_aborted && !stopped_) {
                accept();
            }
            return;
        }
        auto in = std::make_shared<Inbound>(std::move(socket));
        inbound_[in.get()] = in;
        read(in);
        accept();
    });
}

void PeerNet::read(const std::shared_ptr<Inbound>& in) {
    in->socket.async_read_some(asio::buffer(in->chunk), [this, in](const asio::error_code& ec,
                                                                   size_t n) {
        if (stopped_) {
            return;
        }
        if (ec) {
            inbound_.erase(in.get());
            if (in->from != 0 && on_down_) {
                on_down_(in->from);
            }
            return;
        }
        in->in.append(in->chunk.data(), n);
        if (!on_bytes(in)) {
            asio::error_code ignored;
            in->socket.close(ignored);
            inbound_.erase(in.get());
            return;
        }
        read(in);
    });
}

// False: the connection must close (bad frame or unknown peer).
bool PeerNet::on_bytes(const std::shared_ptr<Inbound>& in) {
    size_t pos = 0;
    // Bounded by the bytes received: each iteration consumes at least 4.
    while (in->in.size() - pos >= 4) {
        uint32_t length = load_u32_be(in->in.data() + pos);
        if (length > peer_frame_max) {
            spdlog::warn("peer connection: frame of {} bytes refused", length);
            return false;
        }
        if (in->in.size() - pos - 4 < length) {
            break;
        }
        std::string_view payload(in->in.data() + pos + 4, length);
        pos += 4 + length;
        if (in->from == 0) {
            if (payload.size() != hello_magic.size() + 8 || !payload.starts_with(hello_magic)) {
                spdlog::warn("peer connection: bad hello");
                return false;
            }
            int64_t from = static_cast<int64_t>(load_u64_le(payload.data() + hello_magic.size()));
            if (!outbound_.contains(from)) {
                spdlog::warn("peer connection from unknown server id {}", from);
                return false;
            }
            in->from = from;
            continue;
        }
        on_message_(in->from, payload);
        if (stopped_) {
            return false;
        }
    }
    in->in.erase(0, pos);
    return true;
}

}  // namespace wd::server
