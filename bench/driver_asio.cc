#include "bench/driver_asio.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <memory>

#include "base/code.h"
#include "bench/clock.h"
#include "bench/connection_asio.h"
#include "bench/requests.h"

namespace wd::bench {

namespace {

constexpr uint32_t connect_parallel_max = 128;
constexpr int64_t tick_ns = 1'000'000'000;
constexpr int64_t close_wait_ns = 3'000'000'000;
constexpr uint32_t multi_ops_max = 128;

// The driver proper. One per run; lives on the stack of run_workload().
class Runner final : public ConnectionHandler {
public:
    explicit Runner(const RunOptions& options);
    Result<void> resolve();
    RunResult run();

    void on_connected(Connection& c) override;
    void on_reply(Connection& c, const Pending& pending, const proto::ReplyHeader& header,
                  std::string_view body) override;
    void on_notification(Connection& c, const proto::WatcherEvent& event) override;
    void on_closed(Connection& c, std::string_view reason) override;

private:
    enum class Phase { connecting, running, closing, done };
    enum class Round { arm, fire };

    bool fanout() const { return options_.workload.kind == WorkloadKind::watch_fanout; }
    bool churn() const { return options_.workload.kind == WorkloadKind::session_churn; }
    void connect_next();
    void begin_running();
    bool may_issue(int64_t now);
    bool take_issue(int64_t now);  // may_issue, and counts a measured issue
    void fill(Connection& c, int64_t now);
    void issue_op(Connection& c, int64_t now);
    void on_op_reply(Connection& c, const Pending& pending, int32_t code, int64_t now);
    void start_round(int64_t now);
    void fire(int64_t now);
    void start_churn_cycle(uint32_t index);
    void on_churn_closed(Connection& c, const Pending& pending, int64_t now);
    void count_error(int32_t code);
    void count_error(const std::string& name, uint64_t n);
    void record(const Pending& pending, int64_t now);
    void maybe_finish(int64_t now);
    void start_closing(int64_t now);
    void stop();
    void schedule_tick();
    void on_tick();
    void print_progress(int64_t now);

    RunOptions options_;
    asio::io_context io_;
    asio::steady_timer tick_timer_{io_};
    std::vector<asio::ip::tcp::endpoint> endpoints_;
    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<OpGenerator> generators_;
    std::vector<uint64_t> cycles_;  // churn: cycles started per session
    std::string value_;
    std::vector<std::string> multi_paths_;
    Phase phase_ = Phase::connecting;
    uint32_t next_connect_ = 0;
    uint32_t connecting_ = 0;
    uint32_t connect_done_ = 0;  // connected or failed
    int64_t start_ns_ = 0;
    int64_t measure_start_ns_ = 0;
    int64_t end_ns_ = 0;  // 0: no time bound but the hard cap
    int64_t hard_end_ns_ = 0;
    int64_t close_deadline_ns_ = 0;
    int64_t last_done_ns_ = 0;
    uint64_t measured_issued_ = 0;
    uint64_t outstanding_ = 0;
    uint64_t closing_left_ = 0;
    uint32_t churn_connecting_ = 0;  // churn: sessions between open() and the handshake
    uint64_t last_progress_ops_ = 0;
    Round round_ = Round::arm;
    bool round_measured_ = false;
    uint32_t armed_ = 0;
    uint32_t notified_ = 0;
    int64_t round_start_ns_ = 0;
    RunResult result_;
};

Runner::Runner(const RunOptions& options) : options_(options) {
    WD_ASSERT(!options_.servers.empty());
    WD_ASSERT(options_.time_limit_ns > 0);
    if (fanout()) {
        options_.sessions = options_.watchers + 1;
    }
    options_.workload.multi_ops = std::min(options_.workload.multi_ops, multi_ops_max);
    value_ = make_value(options_.workload.value_size, options_.workload.seed);
    for (uint32_t i = 0; i < options_.sessions; ++i) {
        generators_.emplace_back(options_.workload, i);
    }
    cycles_.assign(options_.sessions, 0);
}

Result<void> Runner::resolve() {
    asio::ip::tcp::resolver resolver(io_);
    for (const auto& target : options_.servers) {
        asio::error_code ec;
        auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
        if (ec || results.empty()) {
            return err(Status::io_error("resolve " + target.to_string() + ": " + ec.message()));
        }
        endpoints_.push_back(results.begin()->endpoint());
    }
    for (uint32_t i = 0; i < options_.sessions; ++i) {
        connections_.push_back(std::make_unique<Connection>(
            io_, *this, i, endpoints_[i % endpoints_.size()], options_.session_timeout_ms));
    }
    return {};
}

RunResult Runner::run() {
    const int64_t now = now_ns();
    hard_end_ns_ = now + options_.time_limit_ns;
    if (churn()) {
        begin_running();
    } else {
        connect_next();
    }
    schedule_tick();
    io_.run();  // the run's event loop: ends at stop()
    if (result_.ops > 0) {
        result_.elapsed_s = static_cast<double>(last_done_ns_ - measure_start_ns_) / 1e9;
    }
    return std::move(result_);
}

void Runner::connect_next() {
    const int64_t now = now_ns();
    while (connecting_ < connect_parallel_max && next_connect_ < connections_.size()) {
        ++connecting_;
        connections_[next_connect_++]->open(now);
    }
}

void Runner::begin_running() {
    phase_ = Phase::running;
    start_ns_ = now_ns();
    measure_start_ns_ = start_ns_ + options_.warmup_ns;
    end_ns_ = options_.duration_ns > 0 ? measure_start_ns_ + options_.duration_ns : 0;
    if (churn()) {
        for (uint32_t i = 0; i < connections_.size(); ++i) {
            start_churn_cycle(i);
        }
        return;
    }
    if (result_.sessions_connected == 0 || (fanout() && result_.sessions_connected <
                                                            connections_.size())) {
        std::fprintf(stderr, "warden-bench: %u of %zu sessions connected; stopping\n",
                     result_.sessions_connected, connections_.size());
        stop();
        return;
    }
    if (fanout()) {
        start_round(start_ns_);
        return;
    }
    for (auto& c : connections_) {
        if (c->ready()) {
            fill(*c, start_ns_);
        }
    }
}

bool Runner::may_issue(int64_t now) {
    if (phase_ != Phase::running) {
        return false;
    }
    if (end_ns_ != 0 && now >= end_ns_) {
        return false;
    }
    return options_.count == 0 || measured_issued_ < options_.count;
}

bool Runner::take_issue(int64_t now) {
    if (!may_issue(now)) {
        return false;
    }
    if (now >= measure_start_ns_) {
        ++measured_issued_;
    }
    return true;
}

void Runner::fill(Connection& c, int64_t now) {
    while (c.pending_count() < options_.inflight && take_issue(now)) {
        issue_op(c, now);
    }
    c.flush();
}

void Runner::issue_op(Connection& c, int64_t now) {
    const Workload& w = options_.workload;
    const uint32_t session = c.index();
    OpGenerator& generator = generators_[session];
    const Op op = generator.next();
    const bool measured = now >= measure_start_ns_;
    ++outstanding_;
    c.send(Purpose::op, measured, now, [&](std::string& out, int32_t xid) {
        switch (op.kind) {
            case OpKind::create:
                append_create(out, xid, create_path(w, session, op.key), value_,
                              proto::CreateMode::persistent);
                return;
            case OpKind::create_seq:
                append_create(out, xid, create_seq_prefix(w, session), value_,
                              proto::CreateMode::persistent_sequential);
                return;
            case OpKind::set: append_set(out, xid, key_path(w, op.key), value_); return;
            case OpKind::get:
                append_path_watch(out, xid, proto::OpCode::get_data, key_path(w, op.key), false);
                return;
            case OpKind::exists:
                append_path_watch(out, xid, proto::OpCode::exists, key_path(w, op.key), false);
                return;
            case OpKind::children:
                append_path_watch(out, xid, proto::OpCode::get_children, wide_parent(w), false);
                return;
            case OpKind::multi:
                multi_paths_.clear();
                multi_paths_.push_back(key_path(w, op.key));
                for (uint32_t i = 1; i < w.multi_ops; ++i) {
                    multi_paths_.push_back(key_path(w, generator.next_key()));
                }
                append_multi_set(out, xid, multi_paths_, value_);
                return;
        }
    });
}

void Runner::on_connected(Connection& c) {
    if (churn()) {
        WD_ASSERT(churn_connecting_ > 0);
        --churn_connecting_;
        const uint64_t cycle = cycles_[c.index()];
        const std::string path = churn_path(options_.workload, c.index(), cycle);
        c.send(Purpose::churn_create, false, now_ns(), [&](std::string& out, int32_t xid) {
            append_create(out, xid, path, "", proto::CreateMode::ephemeral);
        });
        ++outstanding_;
        c.flush();
        return;
    }
    ++result_.sessions_connected;
    --connecting_;
    ++connect_done_;
    connect_next();
    if (phase_ == Phase::connecting && connect_done_ == connections_.size()) {
        begin_running();
    }
}

void Runner::on_reply(Connection& c, const Pending& pending, const proto::ReplyHeader& header,
                      std::string_view /*body*/) {
    const int64_t now = now_ns();
    WD_ASSERT(outstanding_ > 0);
    --outstanding_;
    switch (pending.purpose) {
        case Purpose::op: on_op_reply(c, pending, header.err, now); return;
        case Purpose::arm:
            count_error(header.err);
            if (++armed_ == options_.watchers && phase_ == Phase::running) {
                fire(now);
            }
            maybe_finish(now);
            return;
        case Purpose::fire:
            count_error(header.err);
            maybe_finish(now);
            return;
        case Purpose::churn_create:
            count_error(header.err);
            c.send(Purpose::close, false, now, [](std::string& out, int32_t xid) {
                append_header_only(out, xid, proto::OpCode::close_session);
            });
            ++outstanding_;
            return;  // the connection flushes after its read
        case Purpose::close:
            if (churn()) {
                on_churn_closed(c, pending, now);
                return;
            }
            c.close();
            WD_ASSERT(closing_left_ > 0);
            if (--closing_left_ == 0) {
                stop();
            }
            return;
    }
}

void Runner::on_op_reply(Connection& c, const Pending& pending, int32_t code, int64_t now) {
    count_error(code);
    record(pending, now);
    if (phase_ == Phase::running) {
        fill(c, now);
    }
    maybe_finish(now);
}

void Runner::record(const Pending& pending, int64_t now) {
    ++result_.ops_total;
    if (!pending.measured) {
        return;
    }
    result_.latency.record(static_cast<uint64_t>(now - pending.start_ns));
    ++result_.ops;
    last_done_ns_ = now;
}

void Runner::on_notification(Connection& c, const proto::WatcherEvent& /*event*/) {
    if (!fanout() || round_ != Round::fire || c.index() == 0) {
        return;
    }
    const int64_t now = now_ns();
    if (round_measured_) {
        result_.notify.record(static_cast<uint64_t>(now - round_start_ns_));
    }
    if (++notified_ < options_.watchers) {
        return;
    }
    ++result_.ops_total;
    if (round_measured_) {
        result_.latency.record(static_cast<uint64_t>(now - round_start_ns_));
        ++result_.ops;
        last_done_ns_ = now;
    }
    start_round(now);
}

void Runner::start_round(int64_t now) {
    round_measured_ = now >= measure_start_ns_;
    if (!take_issue(now)) {
        maybe_finish(now);
        return;
    }
    round_ = Round::arm;
    armed_ = 0;
    notified_ = 0;
    const std::string path = watch_path(options_.workload);
    for (uint32_t i = 1; i < connections_.size(); ++i) {
        Connection& c = *connections_[i];
        c.send(Purpose::arm, false, now, [&](std::string& out, int32_t xid) {
            append_path_watch(out, xid, proto::OpCode::exists, path, true);
        });
        ++outstanding_;
        c.flush();
    }
}

void Runner::fire(int64_t now) {
    round_ = Round::fire;
    round_start_ns_ = now;
    Connection& writer = *connections_[0];
    const std::string path = watch_path(options_.workload);
    writer.send(Purpose::fire, false, now, [&](std::string& out, int32_t xid) {
        append_set(out, xid, path, value_);
    });
    ++outstanding_;
    writer.flush();
}

void Runner::start_churn_cycle(uint32_t index) {
    const int64_t now = now_ns();
    if (!take_issue(now)) {
        maybe_finish(now);
        return;
    }
    ++churn_connecting_;
    connections_[index]->open(now);
}

void Runner::on_churn_closed(Connection& c, const Pending& /*pending*/, int64_t now) {
    // The cycle's latency runs from open() (TCP connect) to the closeSession answer.
    Pending cycle{0, Purpose::close, c.open_ns() >= measure_start_ns_, c.open_ns()};
    record(cycle, now);
    c.close();
    const uint32_t index = c.index();
    ++cycles_[index];
    // Reopen from a fresh handler: this one runs inside the connection's read processing.
    asio::post(io_, [this, index] { start_churn_cycle(index); });
}

void Runner::on_closed(Connection& c, std::string_view reason) {
    const uint64_t lost = c.pending_count();
    WD_ASSERT(outstanding_ >= lost);
    outstanding_ -= lost;
    count_error("CONNECTIONLOSS", std::max<uint64_t>(lost, 1));
    std::fprintf(stderr, "warden-bench: session %u: %.*s\n", c.index(),
                 static_cast<int>(reason.size()), reason.data());
    const int64_t now = now_ns();
    if (churn() && lost == 0) {
        WD_ASSERT(churn_connecting_ > 0);
        --churn_connecting_;  // it broke before its handshake finished
    }
    if (phase_ == Phase::connecting) {
        --connecting_;
        ++connect_done_;
        connect_next();
        if (connect_done_ == connections_.size()) {
            begin_running();
        }
        return;
    }
    if (phase_ == Phase::closing) {
        if (lost > 0 && (closing_left_ -= std::min(closing_left_, lost)) == 0) {
            stop();
        }
        return;
    }
    if (fanout() && phase_ == Phase::running) {
        std::fprintf(stderr, "warden-bench: a fan-out session broke; stopping\n");
        stop();
        return;
    }
    maybe_finish(now);
}

void Runner::count_error(int32_t code) {
    if (code != 0) {
        count_error(std::string(code_name(static_cast<Code>(code))), 1);
    }
}

void Runner::count_error(const std::string& name, uint64_t n) { result_.errors[name] += n; }

void Runner::maybe_finish(int64_t now) {
    if (phase_ != Phase::running || may_issue(now) || outstanding_ > 0 ||
        churn_connecting_ > 0) {
        return;
    }
    start_closing(now);
}

void Runner::start_closing(int64_t now) {
    phase_ = Phase::closing;
    close_deadline_ns_ = now + close_wait_ns;
    closing_left_ = 0;
    for (auto& c : connections_) {
        if (!c->ready()) {
            continue;
        }
        c->send(Purpose::close, false, now, [](std::string& out, int32_t xid) {
            append_header_only(out, xid, proto::OpCode::close_session);
        });
        ++closing_left_;
        ++outstanding_;
        c->flush();
    }
    if (closing_left_ == 0) {
        stop();
    }
}

void Runner::stop() {
    phase_ = Phase::done;
    for (auto& c : connections_) {
        c->close();
    }
    tick_timer_.cancel();
    io_.stop();
}

void Runner::schedule_tick() {
    tick_timer_.expires_after(std::chrono::nanoseconds(tick_ns));
    tick_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec && phase_ != Phase::done) {
            on_tick();
        }
    });
}

void Runner::on_tick() {
    const int64_t now = now_ns();
    if (now >= hard_end_ns_) {
        std::fprintf(stderr, "warden-bench: time limit reached\n");
        result_.hit_time_limit = true;
        if (outstanding_ > 0) {
            count_error("CLIENT_TIMEOUT", outstanding_);
        }
        stop();
        return;
    }
    if (phase_ == Phase::closing && now >= close_deadline_ns_) {
        stop();
        return;
    }
    const int64_t ping_after_ns = int64_t{options_.session_timeout_ms} * 1'000'000 / 3;
    for (auto& c : connections_) {
        if (c->ready() && c->pending_count() == 0 && now - c->last_send_ns() >= ping_after_ns) {
            c->send_ping(now);
            c->flush();
        }
    }
    maybe_finish(now);
    if (options_.progress && phase_ != Phase::done) {
        print_progress(now);
    }
    if (phase_ != Phase::done) {
        schedule_tick();
    }
}

void Runner::print_progress(int64_t now) {
    const double elapsed = phase_ == Phase::connecting ? 0.0 : (now - start_ns_) / 1e9;
    const uint64_t done = result_.ops_total;
    std::fprintf(stderr,
                 "[%6.1fs] %-10s sessions %u  done %" PRIu64 "  last second %" PRIu64
                 "/s  outstanding %" PRIu64 "  errors %" PRIu64 "\n",
                 elapsed, phase_ == Phase::connecting ? "connecting" : "running",
                 result_.sessions_connected, done, done - last_progress_ops_, outstanding_,
                 result_.errors_total());
    last_progress_ops_ = done;
}

}  // namespace

uint64_t RunResult::errors_total() const {
    uint64_t total = 0;
    for (const auto& [name, n] : errors) {
        total += n;
    }
    return total;
}

Result<RunResult> run_workload(const RunOptions& options) {
    auto runner = std::make_unique<Runner>(options);
    WD_TRY(runner->resolve());
    return runner->run();
}

}  // namespace wd::bench
