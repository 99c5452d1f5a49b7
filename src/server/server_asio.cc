#include "server/server_asio.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "base/coding.h"

namespace wd::server {

namespace {
constexpr size_t read_chunk_size = 64 * 1024;
constexpr std::string_view four_letter_words[] = {"ruok", "srvr", "stat", "conf", "cons", "crst",
                                                  "mntr", "wchs", "wchc", "wchp", "envi", "isro",
                                                  "dirs", "srst", "dump", "gtmk", "stmk", "hash"};
}  // namespace

struct AsioServer::Connection {
    explicit Connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    ConnId id = 0;
    asio::ip::tcp::socket socket;
    std::string ip;
    std::string in;
    std::array<char, read_chunk_size> chunk{};
    std::string out;      // queued, not yet handed to the socket
    std::string writing;  // being written
    bool write_active = false;
    bool close_requested = false;
    bool dropped = false;
    bool first_bytes_checked = false;
};

AsioServer::AsioServer(asio::io_context& io, Config config)
    : io_(io), config_(std::move(config)), acceptor_(io), timer_(io), core_timer_(io), campaign_timer_(io) {}

AsioServer::~AsioServer() = default;

uint16_t AsioServer::port() const {
    asio::error_code ec;
    auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
}

Result<void> AsioServer::start(uint64_t seed) {
    if (config_.ensemble()) {
        peers_ = std::make_unique<PeerNet>(
            io_, config_,
            [this](int64_t from, std::string_view payload) {
                pipeline_->on_peer(from, payload);
                schedule_flush();
            },
            [this](int64_t peer) {
                std::optional<int64_t> delay = pipeline_->on_peer_down(peer);
                schedule_flush();
                if (!delay) {
                    return;
                }
                campaign_timer_.expires_after(std::chrono::milliseconds(*delay));
                campaign_timer_.async_wait([this](const asio::error_code& ec) {
                    if (ec || stopped_) {
                        return;
                    }
                    pipeline_->campaign_if_leaderless();
                    schedule_flush();
                });
            });
    }
    auto pipeline = Pipeline::open(config_, &system_clock(), this, seed, peers_.get());
    if (!pipeline.ok()) {
        return err(pipeline.error());
    }
    pipeline_ = std::move(pipeline).value();
    if (peers_) {
        WD_TRY(peers_->start());
        arm_core_timer();
    }
    asio::error_code ec;
    auto address = asio::ip::make_address(config_.client_port_address, ec);
    if (ec) {
        return err(Status::invalid_argument("clientPortAddress " + config_.client_port_address +
                                            ": " + ec.message()));
    }
    asio::ip::tcp::endpoint endpoint(address, config_.client_port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return err(Status::io_error("cannot listen on " + config_.client_port_address + ":" +
                                    std::to_string(config_.client_port) + ": " + ec.message()));
    }
    spdlog::info("serving clients on {}:{}", config_.client_port_address, port());
    accept();
    arm_timer();
    return {};
}

void AsioServer::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    asio::error_code ec;
    acceptor_.close(ec);
    timer_.cancel();
    core_timer_.cancel();
    campaign_timer_.cancel();
    if (pipeline_) {
        pipeline_->shutdown();
    }
    if (peers_) {
        peers_->stop();
    }
    for (auto& [id, c] : conns_) {
        c->socket.close(ec);
    }
}

void AsioServer::run() {
    const auto spin = std::chrono::microseconds(config_.event_loop_spin());
    if (spin.count() == 0) {
        io_.run();
        return;
    }
    // Waking a sleeping thread (and, on a VM, a halted vCPU) costs tens of microseconds, more
    // than a request takes: while work came in within the last `spin`, poll instead.
    auto last_work = std::chrono::steady_clock::now();
    while (!io_.stopped()) {
        if (io_.poll() > 0) {
            last_work = std::chrono::steady_clock::now();
            continue;
        }
        if (std::chrono::steady_clock::now() - last_work < spin) {
            continue;
        }
        io_.run_one();
        last_work = std::chrono::steady_clock::now();
    }
}

void AsioServer::arm_timer() {
    int64_t period = std::clamp<int64_t>(config_.tick_time_ms / 2, 10, 500);
    timer_.expires_after(std::chrono::milliseconds(period));
    timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || stopped_) {
            return;
        }
        pipeline_->on_timer();
        pipeline_->flush();
        if (pipeline_->failed()) {
            io_.stop();
            return;
        }
        arm_timer();
    });
}

void AsioServer::arm_core_timer() {
    core_timer_.expires_after(std::chrono::milliseconds(pipeline_->core_tick_ms()));
    core_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec || stopped_) {
            return;
        }
        pipeline_->on_core_tick();
        pipeline_->flush();
        if (pipeline_->failed()) {
            io_.stop();
            return;
        }
        arm_core_timer();
    });
}

void AsioServer::stop_gracefully(std::function<void()> stopped) {
    if (stopped_ || !pipeline_ || !pipeline_->transfer_leadership()) {
        stop();
        stopped();
        return;
    }
    // Poll until another server leads, for at most a few election timeouts.
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(8 * config_.sync_limit * config_.tick_time_ms);
    auto poll = std::make_shared<std::function<void()>>();
    auto timer = std::make_shared<asio::steady_timer>(io_);
    *poll = [this, deadline, stopped, poll, timer]() {
        if (stopped_ || pipeline_->role() != "leader" ||
            std::chrono::steady_clock::now() >= deadline) {
            spdlog::info("stopping as {}", pipeline_->role());
            stop();
            stopped();
            *poll = nullptr;  // breaks the cycle
            return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([poll](const asio::error_code&) {
            if (*poll) (*poll)();
        });
    };
    (*poll)();
}

void AsioServer::accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec) {
            if (ec != asio::error::operation_aborted && !stopped_) {
                spdlog::warn("accept: {}", ec.message());
                accept();
            }
            return;
        }
        asio::error_code ignored;
        auto remote = socket.remote_endpoint(ignored);
        std::string ip = remote.address().to_string();
        if (config_.max_client_cnxns > 0 && conns_per_ip_[ip] >= config_.max_client_cnxns) {
            // ZooKeeper also just closes: "Too many connections from /ip - max is N".
            spdlog::warn("too many connections from {} - max is {}", ip, config_.max_client_cnxns);
            socket.close(ignored);
            accept();
            return;
        }
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto c = std::make_shared<Connection>(std::move(socket));
        c->id = next_id_++;
        c->ip = ip;
        ++conns_per_ip_[ip];
        conns_[c->id] = c;
        pipeline_->on_connect(c->id, ip, remote.port());
        read(c);
        accept();
    });
}

void AsioServer::read(const std::shared_ptr<Connection>& c) {
    c->socket.async_read_some(asio::buffer(c->chunk),
                              [this, c](const asio::error_code& ec, size_t n) {
                                  if (c->dropped) {
                                      return;
                                  }
                                  if (ec) {
                                      drop(c);
                                      return;
                                  }
                                  c->in.append(c->chunk.data(), n);
                                  on_bytes(c);
                                  if (!c->dropped && !c->close_requested) {
                                      read(c);
                                  }
                              });
}

bool AsioServer::try_four_letter(const std::shared_ptr<Connection>& c) {
    std::string_view word(c->in.data(), 4);
    bool known = std::find(std::begin(four_letter_words), std::end(four_letter_words), word) !=
                 std::end(four_letter_words);
    if (!known) {
        return false;
    }
    std::string answer;
    if (!config_.four_letter_allowed(word)) {
        answer = std::string(word) + " is not executed because it is not in the whitelist.\n";
    } else if (auto text = pipeline_->four_letter(word)) {
        answer = std::move(*text);
    } else {
        answer = std::string(word) + " is not supported by this server.\n";
    }
    c->in.clear();
    c->out += answer;
    c->close_requested = true;
    write(c);
    return true;
}

void AsioServer::on_bytes(const std::shared_ptr<Connection>& c) {
    if (!c->first_bytes_checked && c->in.size() >= 4) {
        c->first_bytes_checked = true;
        if (try_four_letter(c)) {
            return;
        }
    }
    size_t pos = 0;
    const int64_t frame_max = config_.jute_max_buffer;
    // Bounded by the bytes received: every iteration consumes at least 4 bytes.
    while (c->in.size() - pos >= 4 && !c->dropped && !c->close_requested) {
        int32_t length = static_cast<int32_t>(load_u32_be(c->in.data() + pos));
        if (length < 0 || length > frame_max) {
            spdlog::warn("connection {}: frame length {} outside [0, {}], closing", c->ip, length,
                         frame_max);
            close(c->id);
            return;
        }
        if (c->in.size() - pos - 4 < static_cast<size_t>(length)) {
            break;
        }
        pipeline_->on_frame(c->id, std::string_view(c->in).substr(pos + 4, size_t(length)));
        pos += 4 + size_t(length);
    }
    c->in.erase(0, pos);
    schedule_flush();
}

void AsioServer::schedule_flush() {
    if (flush_posted_ || !pipeline_->flush_pending()) {
        return;
    }
    flush_posted_ = true;
    // Runs after the read handlers that are already queued: one fsync for all of them.
    asio::post(io_, [this]() {
        flush_posted_ = false;
        if (stopped_) {
            return;
        }
        pipeline_->flush();
        if (pipeline_->failed()) {
            io_.stop();
        }
    });
}

void AsioServer::send(ConnId id, std::string frame) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second->dropped) {
        return;
    }
    const auto& c = it->second;
    if (c->out.size() + frame.size() > limits::outbound_bytes_per_session_max) {
        spdlog::warn("connection {}: client does not read its replies, closing", c->ip);
        c->out.clear();
        close(id);
        return;
    }
    c->out += frame;
    write(c);
}

void AsioServer::write(const std::shared_ptr<Connection>& c) {
    if (c->write_active || c->dropped) {
        return;
    }
    if (c->out.empty()) {
        if (c->close_requested) {
            asio::error_code ignored;
            c->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
            // Dropping calls back into the pipeline; never do that from inside its call.
            asio::post(io_, [this, c]() { drop(c); });
        }
        return;
    }
    c->writing.swap(c->out);
    c->out.clear();
    c->write_active = true;
    asio::async_write(c->socket, asio::buffer(c->writing),
                      [this, c](const asio::error_code& ec, size_t) {
                          c->write_active = false;
                          c->writing.clear();
                          if (ec) {
                              drop(c);
                              return;
                          }
                          write(c);
                      });
}

void AsioServer::close(ConnId id) {
    auto it = conns_.find(id);
    if (it == conns_.end()) {
        return;
    }
    const auto c = it->second;
    c->close_requested = true;
    if (!c->write_active) {
        write(c);
    }
}

void AsioServer::drop(const std::shared_ptr<Connection>& c) {
    if (c->dropped) {
        return;
    }
    c->dropped = true;
    asio::error_code ignored;
    c->socket.close(ignored);
    if (--conns_per_ip_[c->ip] <= 0) {
        conns_per_ip_.erase(c->ip);
    }
    conns_.erase(c->id);
    pipeline_->on_disconnect(c->id);
    schedule_flush();
}

}  // namespace wd::server
