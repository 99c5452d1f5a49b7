#include "client/client_asio.h"

#include <cstdio>

namespace wd::client {

namespace {

uint64_t seed_from_os() {
    uint64_t seed = 0;
    FILE* f = std::fopen("/dev/urandom", "rb");
    if (f != nullptr) {
        size_t n = std::fread(&seed, sizeof(seed), 1, f);
        std::fclose(f);
        if (n == 1 && seed != 0) {
            return seed;
        }
    }
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

ConnectionOptions connection_options(const ClientOptions& options) {
    ConnectionOptions out;
    out.session_timeout_ms = options.session_timeout_ms;
    out.can_be_read_only = options.can_be_read_only;
    out.session_id = options.session_id;
    out.session_password = options.session_password;
    out.pending_requests_max = options.pending_requests_max;
    out.request_timeout_ms = options.request_timeout_ms;
    out.reconnect_delay_max_ms = options.reconnect_delay_max_ms;
    out.seed = options.seed != 0 ? options.seed : seed_from_os();
    return out;
}

}  // namespace

Result<std::shared_ptr<Client>> Client::connect(asio::io_context& io,
                                                std::string_view connect_string,
                                                ClientOptions options) {
    auto cs = parse_connect_string(connect_string);
    if (!cs.ok()) {
        return err(cs.error());
    }
    if (options.session_timeout_ms <= 0 || options.pending_requests_max == 0) {
        return err(Status::invalid_argument("session timeout and queue size must be > 0"));
    }
    std::shared_ptr<Client> client(new Client(io, *cs, std::move(options)));
    asio::post(client->strand_, [client] {
        client->conn_.start(client->now_ms());
        client->drive();
    });
    return client;
}

Client::Client(asio::io_context& io, const ConnectString& cs, ClientOptions options)
    : strand_(asio::make_strand(io)),
      resolver_(strand_),
      socket_(strand_),
      timer_(strand_),
      epoch_(std::chrono::steady_clock::now()),
      conn_(connection_options(options), cs),
      state_listener_(std::move(options.state_listener)) {}

Client::~Client() = default;

std::string Client::session_password() const {
    std::lock_guard<std::mutex> lock(password_mutex_);
    return password_;
}

int64_t Client::now_ms() const {
    // The client's one clock read: the machine only sees these numbers.
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - epoch_)
        .count();
}

void Client::start(ZkResult<Request> request, Done done) {
    asio::post(strand_, [self = shared_from_this(), request = std::move(request),
                         done = std::move(done)]() mutable {
        if (!request.ok()) {
            done(Completion{0, request.error(), 0, proto::Empty{}});
            return;
        }
        auto id = self->conn_.submit(self->now_ms(), std::move(request).value());
        if (!id.ok()) {
            done(Completion{0, id.error(), 0, proto::Empty{}});
            return;
        }
        self->pending_.emplace(*id, std::move(done));
        self->drive();
    });
}

void Client::start_close(Done done) {
    asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
        uint64_t id = self->conn_.close(self->now_ms());
        self->pending_.emplace(id, std::move(done));
        self->drive();
    });
}

void Client::drive() {
    Output out = conn_.take_output();
    for (std::string& frame : out.frames) {
        write_queue_.push_back(std::move(frame));
    }
    if (!write_queue_.empty() && !writing_ && socket_.is_open()) {
        start_write(generation_);
    }
    if (out.close_transport) {
        close_socket();
    }
    if (out.connect) {
        open_transport(*out.connect);
    }
    publish();
    for (Delivery& delivery : out.deliveries) {
        if (auto* completion = std::get_if<Completion>(&delivery)) {
            auto it = pending_.find(completion->id);
            if (it != pending_.end()) {
                Done done = std::move(it->second);
                pending_.erase(it);
                done(std::move(*completion));
            }
        } else if (auto* notification = std::get_if<Notification>(&delivery)) {
            for (const Watcher& watcher : notification->watchers) {
                (*watcher)(notification->event);
            }
        } else if (state_listener_) {
            state_listener_(std::get<StateChange>(delivery).state);
        }
    }
    arm_timer();
}

void Client::publish() {
    state_.store(conn_.state());
    session_id_.store(conn_.session_id());
    negotiated_timeout_ms_.store(conn_.negotiated_timeout_ms());
    std::lock_guard<std::mutex> lock(password_mutex_);
    password_ = conn_.session_password();
}

void Client::close_socket() {
    ++generation_;
    asio::error_code ignored;
    resolver_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    write_queue_.clear();
    writing_ = false;
}

void Client::open_transport(size_t host_index) {
    close_socket();
    uint64_t generation = generation_;
    const HostPort& host = conn_.hosts().at(host_index);
    resolver_.async_resolve(
        host.host, std::to_string(host.port),
        asio::bind_executor(strand_, [self = shared_from_this(), generation](
                                         asio::error_code ec,
                                         asio::ip::tcp::resolver::results_type results) {
            if (generation != self->generation_) {
                return;
            }
            if (ec) {
                self->conn_.connect_failed(self->now_ms());
                self->drive();
                return;
            }
            asio::async_connect(
                self->socket_, results,
                asio::bind_executor(self->strand_, [self, generation](asio::error_code ec,
                                                                      const auto&) {
                    if (generation != self->generation_) {
                        return;
                    }
                    if (ec) {
                        self->conn_.connect_failed(self->now_ms());
                        self->drive();
                        return;
                    }
                    asio::error_code ignored;
                    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
                    self->conn_.connected(self->now_ms());
                    self->drive();
                    if (generation == self->generation_) {
                        self->start_read(generation);
                    }
                }));
        }));
}

void Client::start_read(uint64_t generation) {
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        asio::bind_executor(strand_, [self = shared_from_this(), generation](
                                         asio::error_code ec, size_t n) {
            if (generation != self->generation_) {
                return;
            }
            if (ec) {
                self->conn_.disconnected(self->now_ms());
                self->drive();
                return;
            }
            self->conn_.bytes_received(self->now_ms(),
                                       std::string_view(self->read_buffer_.data(), n));
            self->drive();
            if (generation == self->generation_) {
                self->start_read(generation);
            }
        }));
}

void Client::start_write(uint64_t generation) {
    WD_ASSERT(!write_queue_.empty());
    writing_ = true;
    asio::async_write(
        socket_, asio::buffer(write_queue_.front()),
        asio::bind_executor(strand_, [self = shared_from_this(), generation](
                                         asio::error_code ec, size_t) {
            if (generation != self->generation_) {
                return;
            }
            self->writing_ = false;
            if (ec) {
                self->conn_.disconnected(self->now_ms());
                self->drive();
                return;
            }
            self->write_queue_.pop_front();
            if (!self->write_queue_.empty()) {
                self->start_write(generation);
            }
        }));
}

void Client::arm_timer() {
    int64_t deadline = conn_.next_deadline_ms();
    if (deadline == timer_deadline_ms_) {
        return;
    }
    timer_deadline_ms_ = deadline;
    if (deadline == INT64_MAX) {
        timer_.cancel();
        return;
    }
    timer_.expires_at(epoch_ + std::chrono::milliseconds(deadline));
    timer_.async_wait(asio::bind_executor(
        strand_, [self = shared_from_this(), deadline](asio::error_code ec) {
            if (ec || deadline != self->timer_deadline_ms_) {
                return;  // cancelled or re-armed
            }
            self->timer_deadline_ms_ = INT64_MAX;
            self->conn_.tick(self->now_ms());
            self->drive();
        }));
}

}  // namespace wd::client
