#include "simulation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "checkers/linearizability.h"
#include "checkers/session_order.h"
#include "pipeline_server.h"
#include "sim_client.h"

namespace wd::sim {
namespace {

constexpr uint64_t never = UINT64_MAX;

template <class T, size_t n>
T pick(Rng& rng, const T (&choices)[n]) {
    return choices[rng.below(n)];
}

// A request on its way to a server, or a reply on its way to a client. Client connections
// are TCP: nothing is lost or reordered on them except by the server's or client's own doing.
struct ClientMessage {
    bool to_server = true;
    int server = 0;
    ClientRequest request;
    ClientReply reply;
};

class Simulation {
public:
    explicit Simulation(const SimOptions& options);
    SimResult run();

private:
    void choose_knobs();
    void step(bool faults);
    void inject_faults();
    void partition();
    void churn(int leader, uint64_t term);
    void run_scheduled();
    void crash(int id, bool before_sync);
    void restart(int id);
    void deliver_peer();
    void deliver_client();
    void drain(Replica& s);
    void complete_expiry(const ClientReply& reply);
    void note_leaders();
    bool liveness();
    void final_checks();
    void check_acknowledged_writes();
    int current_leader() const;
    void dump_logs() const;
    Replica& server(int id) { return *servers_[static_cast<size_t>(id - 1)]; }
    bool paused(int id) const { return paused_until_[static_cast<size_t>(id)] > now_; }
    int64_t now_ms() const { return static_cast<int64_t>(now_) * server_knobs_.tick_ms; }
    void log(const std::string& line) const {
        if (options_.verbose) {
            std::printf("t=%llu %s\n", static_cast<unsigned long long>(now_), line.c_str());
        }
    }

    SimOptions options_;
    Rng rng_;
    ServerKnobs server_knobs_;
    ClientKnobs client_knobs_;
    NetOptions net_options_;
    int clients_ = 3;
    uint64_t crash_per_mille_ = 0;
    uint64_t pause_per_mille_ = 0;
    uint64_t partition_per_mille_ = 0;
    uint64_t churn_per_mille_ = 0;
    uint64_t handoff_per_mille_ = 0;
    uint64_t churn_checked_term_ = 0;
    struct Scheduled {
        uint64_t tick = 0;
        enum class Kind : uint8_t { crash, isolate, heal } kind = Kind::heal;
        int server = 0;
    };
    std::vector<Scheduled> scheduled_;

    ReplicaChecker checker_;
    Recorder recorder_;
    SessionNames session_names_;
    SimNet net_;
    std::vector<std::unique_ptr<Replica>> servers_;
    std::vector<uint64_t> down_until_;
    std::vector<uint64_t> paused_until_;
    std::optional<Workload> workload_;
    std::map<std::tuple<uint64_t, uint64_t>, ClientMessage> client_queue_;
    uint64_t client_seq_ = 0;
    std::vector<int> healthy_;
    std::map<int, std::pair<uint64_t, int>> seen_role_;  // server -> (term, leader)
    uint64_t now_ = 0;
    SimResult result_;
};

Simulation::Simulation(const SimOptions& options)
    : options_(options), rng_(options.seed), net_(options.servers, rng_) {
    WD_ASSERT(options.servers >= 1 && options.servers <= 9);
    choose_knobs();
    net_.set_options(net_options_);
    consensus::Membership membership;
    for (int id = 1; id <= options_.servers; ++id) {
        membership.voters.push_back(consensus::NodeId{static_cast<uint64_t>(id)});
    }
    auto on_expiry = [this](int server, int64_t session_id) {
        Op op;
        op.process = -1;
        op.session_id = session_id;
        op.kind = OpKind::close;
        op.invoke_time = recorder_.now();
        recorder_.ops.push_back(op);
        recorder_.xids.push_back(0);
        log("server " + std::to_string(server) + " expires session " +
            std::to_string(session_id));
        return static_cast<uint64_t>(recorder_.ops.size() - 1);
    };
    for (int id = 1; id <= options_.servers; ++id) {
        if (options_.real_pipeline) {
            servers_.push_back(std::make_unique<PipelineServer>(
                id, options_.servers, server_knobs_, checker_, on_expiry, session_names_));
        } else {
            servers_.push_back(
                std::make_unique<SimServer>(id, membership, server_knobs_, checker_, on_expiry));
        }
        servers_.back()->start(rng_.next(), 0);
    }
    down_until_.assign(static_cast<size_t>(options_.servers + 1), 0);
    paused_until_.assign(static_cast<size_t>(options_.servers + 1), 0);
    workload_.emplace(clients_, options_.servers, client_knobs_, rng_, recorder_);
    workload_->set_verbose(options_.verbose);
}

// Every knob is drawn from the seed (STYLE.md §4), so one seed explores one corner.
void Simulation::choose_knobs() {
    ServerKnobs& s = server_knobs_;
    s.election_ticks = static_cast<uint32_t>(rng_.range(6, 12));
    s.heartbeat_ticks = static_cast<uint32_t>(rng_.range(1, 2));
    s.pre_vote = rng_.chance(3, 4);
    s.check_quorum = rng_.chance(3, 4);
    s.append_entries_max = pick(rng_, {1u, 2u, 4u, 64u});
    s.inflight_max = pick(rng_, {1u, 2u, 8u, 64u});
    if (s.append_entries_max * s.inflight_max < 8) {
        // Below this the clients' load outruns replication and the liveness phase would
        // measure a queue, not progress.
        s.inflight_max = 8;
    }
    // A snapshot transfer restarts when the leader takes a newer snapshot (docs/simulator.md,
    // "Findings"): chunks and intervals are drawn so that a transfer can finish.
    s.snapshot_chunk_size_max = pick(rng_, {uint64_t{256}, uint64_t{1024}, uint64_t{1} << 20});
    s.snapshot_every = static_cast<uint64_t>(rng_.range(8, 60));
    s.bug_commit_prior_term = options_.bug_commit_prior_term;
    s.trace = options_.verbose;
    ClientKnobs& c = client_knobs_;
    c.keys = static_cast<uint64_t>(rng_.range(2, 4));
    s.keys = c.keys;
    clients_ = static_cast<int>(rng_.range(2, 4));
    c.op_timeout_ticks = static_cast<uint64_t>(rng_.range(15, 40));
    c.session_timeout_ms = static_cast<int32_t>(
        (c.op_timeout_ticks + static_cast<uint64_t>(rng_.range(10, 60))) * s.tick_ms);
    c.think_ticks_max = static_cast<uint64_t>(rng_.range(1, 8));
    net_options_.delay_ticks_max = static_cast<uint64_t>(rng_.range(1, 4));
    net_options_.drop_per_mille = pick(rng_, {uint64_t{0}, uint64_t{10}, uint64_t{50},
                                              uint64_t{150}});
    net_options_.duplicate_per_mille = pick(rng_, {uint64_t{0}, uint64_t{20}, uint64_t{100}});
    net_options_.fifo = rng_.chance(1, 2);
    crash_per_mille_ = static_cast<uint64_t>(rng_.range(0, 20));
    pause_per_mille_ = static_cast<uint64_t>(rng_.range(0, 10));
    partition_per_mille_ = static_cast<uint64_t>(rng_.range(0, 25));
    // Leader churn (a swarm-testing style): a new leader is often cut off or killed within a
    // few ticks of its election, before its no-op and tail reach a majority. This is where
    // uncommitted entries of several terms pile up (the Raft paper's Figure 8).
    churn_per_mille_ = rng_.chance(1, 3) ? static_cast<uint64_t>(rng_.range(200, 700)) : 0;
    // A graceful stop of the leader: it hands leadership over, then stops (SIGTERM).
    handoff_per_mille_ = static_cast<uint64_t>(rng_.range(0, 8));
    result_.knobs =
        "election=" + std::to_string(s.election_ticks) +
        " heartbeat=" + std::to_string(s.heartbeat_ticks) +
        " pre_vote=" + std::to_string(s.pre_vote) +
        " check_quorum=" + std::to_string(s.check_quorum) +
        " append_max=" + std::to_string(s.append_entries_max) +
        " inflight=" + std::to_string(s.inflight_max) +
        " chunk=" + std::to_string(s.snapshot_chunk_size_max) +
        " snapshot_every=" + std::to_string(s.snapshot_every) +
        " keys=" + std::to_string(c.keys) + " clients=" + std::to_string(clients_) +
        " op_timeout=" + std::to_string(c.op_timeout_ticks) +
        " session_timeout_ms=" + std::to_string(c.session_timeout_ms) +
        " delay=" + std::to_string(net_options_.delay_ticks_max) +
        (net_options_.fifo ? " fifo" : " reorder") +
        " drop=" + std::to_string(net_options_.drop_per_mille) +
        "/1000 dup=" + std::to_string(net_options_.duplicate_per_mille) +
        "/1000 crash=" + std::to_string(crash_per_mille_) +
        "/1000 pause=" + std::to_string(pause_per_mille_) +
        "/1000 partition=" + std::to_string(partition_per_mille_) +
        "/1000 churn=" + std::to_string(churn_per_mille_) +
        "/1000 handoff=" + std::to_string(handoff_per_mille_) + "/1000";
}

int Simulation::current_leader() const {
    int leader = 0;
    uint64_t term = 0;
    for (const auto& s : servers_) {
        if (s->up() && s->core().role() == consensus::RoleKind::leader &&
            s->core().term().value >= term) {
            leader = s->id();
            term = s->core().term().value;
        }
    }
    return leader;
}

// For a failing seed: every server's hard state and log terms (index:term runs).
void Simulation::dump_logs() const {
    for (const auto& s : servers_) {
        if (!s->up()) {
            std::printf("server %d: down\n", s->id());
            continue;
        }
        const consensus::LogStorage& log = s->log();
        std::string line = "server " + std::to_string(s->id()) + ": term " +
                           std::to_string(s->core().term().value) + " commit " +
                           std::to_string(s->core().commit_index().value) + " snapshot " +
                           std::to_string(log.snapshot_meta().index.value) + " log";
        uint64_t run_term = UINT64_MAX;
        for (uint64_t i = log.first_index().value; i <= log.last_index().value; ++i) {
            const uint64_t t = log.term(consensus::LogIndex{i}).value().value;
            if (t != run_term) {
                line += " " + std::to_string(i) + ":t" + std::to_string(t);
                run_term = t;
            }
        }
        line += " .." + std::to_string(log.last_index().value);
        std::printf("%s\n", line.c_str());
    }
}

void Simulation::crash(int id, bool before_sync) {
    Replica& s = server(id);
    const CrashLoss loss = s.crash(rng_);
    result_.stats.crashes += 1;
    result_.stats.crashes_before_sync += before_sync ? 1 : 0;
    result_.stats.writes_lost += loss.writes_lost;
    result_.stats.entries_torn += loss.entries_torn;
    down_until_[static_cast<size_t>(id)] = now_ + static_cast<uint64_t>(rng_.range(5, 80));
    seen_role_.erase(id);
    // Its peers' connections to it reset (a paused peer notices when it resumes, by timeout).
    for (int other = 1; other <= options_.servers; ++other) {
        if (other != id && server(other).up() && !paused(other)) {
            server(other).on_peer_down(id, now_ms());
            drain(server(other));
        }
    }
    log("server " + std::to_string(id) + " crashes" + (before_sync ? " before an fsync" : "") +
        " (unsynced writes lost " + std::to_string(loss.writes_lost) + ", entries torn " +
        std::to_string(loss.entries_torn) + ")");
}

void Simulation::restart(int id) {
    server(id).start(rng_.next(), now_ms());
    down_until_[static_cast<size_t>(id)] = 0;
    log("server " + std::to_string(id) + " restarts at applied index " +
        std::to_string(server(id).applied_index()));
}

void Simulation::partition() {
    result_.stats.partitions += 1;
    const uint64_t kind = rng_.below(5);
    if (kind == 0) {
        net_.heal();
    } else if (kind == 1) {
        std::vector<int> group;
        for (int id = 1; id <= options_.servers; ++id) {
            if (rng_.chance(1, 2)) {
                group.push_back(id);
            }
        }
        net_.heal();
        net_.split(group);
    } else if (kind == 2) {
        // Asymmetric: a few links fail in one direction only.
        const uint64_t cuts = 1 + rng_.below(static_cast<uint64_t>(options_.servers));
        for (uint64_t i = 0; i < cuts; ++i) {
            const int a = 1 + static_cast<int>(rng_.below(static_cast<uint64_t>(options_.servers)));
            const int b = 1 + static_cast<int>(rng_.below(static_cast<uint64_t>(options_.servers)));
            if (a != b) {
                net_.set_link(a, b, false);
            }
        }
    } else if (kind == 3) {
        const int leader = current_leader();
        if (leader != 0) {
            net_.heal();
            net_.isolate(leader);
        }
    } else {
        net_.heal();
    }
    log("links:" + net_.describe_links());
}

// Leader churn: schedules the fate of a leader seen for the first time in its term.
void Simulation::churn(int leader, uint64_t term) {
    if (term <= churn_checked_term_) {
        return;
    }
    churn_checked_term_ = term;
    if (!rng_.chance(churn_per_mille_, 1000)) {
        return;
    }
    // Either at once, before its no-op spreads, or a little later, while it is still
    // bringing followers up to date.
    const uint64_t at = now_ + (rng_.chance(1, 2) ? rng_.below(4) : rng_.below(24));
    const bool kill = rng_.chance(1, 2);
    scheduled_.push_back({at, kill ? Scheduled::Kind::crash : Scheduled::Kind::isolate, leader});
    if (!kill) {
        scheduled_.push_back({at + static_cast<uint64_t>(rng_.range(5, 60)),
                              Scheduled::Kind::heal, leader});
    }
}

void Simulation::run_scheduled() {
    std::vector<Scheduled> later;
    for (const Scheduled& f : scheduled_) {
        if (f.tick > now_) {
            later.push_back(f);
            continue;
        }
        uint64_t down = 0;
        for (int id = 1; id <= options_.servers; ++id) {
            down += server(id).up() ? 0 : 1;
        }
        if (f.kind == Scheduled::Kind::crash && server(f.server).up() &&
            down < static_cast<uint64_t>(options_.servers / 2 + 1)) {
            crash(f.server, false);
        } else if (f.kind == Scheduled::Kind::isolate) {
            net_.isolate(f.server);
            result_.stats.partitions += 1;
            log("leader " + std::to_string(f.server) + " isolated; links:" +
                net_.describe_links());
        } else if (f.kind == Scheduled::Kind::heal) {
            net_.heal();
            log("links: all up");
        }
    }
    scheduled_ = std::move(later);
}

void Simulation::inject_faults() {
    const uint64_t n = static_cast<uint64_t>(options_.servers);
    run_scheduled();
    if (rng_.chance(crash_per_mille_, 1000)) {
        uint64_t down = 0;
        for (int id = 1; id <= options_.servers; ++id) {
            down += server(id).up() ? 0 : 1;
        }
        // A third of the crashes hit the leader, the server whose loss tests the most.
        const int leader = current_leader();
        const int id = leader != 0 && rng_.chance(1, 3)
                           ? leader
                           : 1 + static_cast<int>(rng_.below(n));
        if (server(id).up() && down < n / 2 + 1) {
            if (rng_.chance(1, 2)) {
                server(id).arm_crash_before_sync();
            } else {
                crash(id, false);
            }
        }
    }
    for (int id = 1; id <= options_.servers; ++id) {
        if (!server(id).up() && down_until_[static_cast<size_t>(id)] <= now_) {
            restart(id);
        }
    }
    if (rng_.chance(handoff_per_mille_, 1000)) {
        const int leader = current_leader();
        if (leader != 0 && !paused(leader) && server(leader).transfer_leadership()) {
            result_.stats.handoffs += 1;
            log("leader " + std::to_string(leader) + " hands leadership over and stops soon");
            drain(server(leader));
            scheduled_.push_back({now_ + static_cast<uint64_t>(rng_.range(1, 10)),
                                  Scheduled::Kind::crash, leader});
        }
    }
    if (rng_.chance(pause_per_mille_, 1000)) {
        const int id = 1 + static_cast<int>(rng_.below(n));
        if (!paused(id)) {
            const uint64_t ticks = static_cast<uint64_t>(rng_.range(3, 40));
            paused_until_[static_cast<size_t>(id)] = now_ + ticks;
            result_.stats.pauses += 1;
            log("server " + std::to_string(id) + " pauses");
        }
    }
    if (rng_.chance(partition_per_mille_, 1000)) {
        partition();
    }
}

void Simulation::complete_expiry(const ClientReply& reply) {
    if (reply.lost) {
        return;  // its leader changed: the close may or may not commit
    }
    Op& op = recorder_.ops[reply.op];
    op.complete_time = recorder_.now();
    op.err = reply.err;
    op.zxid = reply.zxid;
}

void Simulation::drain(Replica& s) {
    for (auto& [to, message] : s.peer_out()) {
        net_.send(s.id(), to, std::move(message), now_);
    }
    s.peer_out().clear();
    for (ClientReply& reply : s.client_out()) {
        if (reply.client < 0) {
            complete_expiry(reply);
            continue;
        }
        ClientMessage m;
        m.to_server = false;
        m.server = s.id();
        m.reply = std::move(reply);
        const uint64_t at = now_ + 1 + rng_.below(2);
        client_queue_.emplace(std::tuple(at, client_seq_++), std::move(m));
    }
    s.client_out().clear();
}

void Simulation::deliver_peer() {
    auto held = [this](int id) { return paused(id); };
    for (Envelope& e : net_.take_due(now_, held)) {
        Replica& s = server(e.to);
        if (!s.up()) {
            continue;
        }
        s.on_peer(e.from, e.message, now_ms());
        drain(s);
        if (checker_.failed()) {
            return;
        }
    }
}

void Simulation::deliver_client() {
    std::vector<ClientMessage> later;
    while (!client_queue_.empty() && std::get<0>(client_queue_.begin()->first) <= now_) {
        ClientMessage m = std::move(client_queue_.begin()->second);
        client_queue_.erase(client_queue_.begin());
        if (!m.to_server) {
            workload_->on_reply(m.reply, now_);
            continue;
        }
        Replica& s = server(m.server);
        if (paused(m.server)) {
            later.push_back(std::move(m));
        } else if (s.up()) {
            s.on_client(m.request, now_ms());
            drain(s);
        }
    }
    for (ClientMessage& m : later) {
        client_queue_.emplace(std::tuple(now_ + 1, client_seq_++), std::move(m));
    }
}

void Simulation::note_leaders() {
    for (const auto& s : servers_) {
        if (!s->up()) {
            continue;
        }
        const std::pair<uint64_t, int> role{s->core().term().value,
                                            static_cast<int>(s->core().leader().value)};
        auto [it, fresh] = seen_role_.emplace(s->id(), role);
        if (!fresh && it->second == role) {
            continue;
        }
        it->second = role;
        if (role.second == s->id()) {
            log("server " + std::to_string(s->id()) + " leads term " +
                std::to_string(role.first));
        }
    }
}

void Simulation::step(bool faults) {
    now_ += 1;
    if (faults) {
        inject_faults();
    }
    for (int id = 1; id <= options_.servers; ++id) {
        if (server(id).up() && !paused(id)) {
            server(id).tick(now_ms());
            drain(server(id));
        }
    }
    deliver_peer();
    deliver_client();
    for (int id = 1; id <= options_.servers; ++id) {
        Replica& s = server(id);
        if (!s.up() || paused(id)) {
            continue;
        }
        s.process_ready(now_ms());
        if (s.stopped_before_sync()) {
            drain(s);  // what it sent before the failed sync (a leader's appends) is out
            crash(id, true);
            continue;
        }
        if (s.core().role() == consensus::RoleKind::leader) {
            checker_.observe_new_leader(id, s.core().term().value, s.log());
            if (faults) {
                churn(id, s.core().term().value);
            }
        }
        drain(s);
    }
    for (auto& [to, request] : workload_->tick(now_)) {
        ClientMessage m;
        m.server = to;
        m.request = std::move(request);
        const uint64_t at = now_ + 1 + rng_.below(2);
        client_queue_.emplace(std::tuple(at, client_seq_++), std::move(m));
    }
    if (options_.verbose) {
        note_leaders();
    }
    result_.stats.ticks = now_;
}

bool Simulation::liveness() {
    // Heal a random majority: restart and resume it, reconnect it, stop losing messages.
    std::vector<int> order;
    for (int id = 1; id <= options_.servers; ++id) {
        order.push_back(id);
    }
    for (size_t i = order.size(); i > 1; --i) {
        std::swap(order[i - 1], order[rng_.below(i)]);
    }
    order.resize(static_cast<size_t>(options_.servers / 2 + 1));
    healthy_ = order;
    std::string names;
    for (const auto& s : servers_) {
        s->disarm_crash();  // faults are over
    }
    for (int id : healthy_) {
        names += " " + std::to_string(id);
        if (!server(id).up()) {
            restart(id);
        }
        paused_until_[static_cast<size_t>(id)] = 0;
        for (int other : healthy_) {
            if (other != id) {
                net_.set_link(id, other, true);
            }
        }
    }
    // The others are either cut off entirely or reconnected entirely: a server that hears
    // only part of the majority can hold it back without check-quorum (a leader keeps a
    // follower's pre-votes from winning while another follower cannot hear it), which is
    // partial connectivity, not a healed majority.
    for (int id = 1; id <= options_.servers; ++id) {
        if (std::find(healthy_.begin(), healthy_.end(), id) != healthy_.end()) {
            continue;
        }
        const bool up = rng_.chance(1, 2);
        for (int other = 1; other <= options_.servers; ++other) {
            if (other != id) {
                net_.set_link(id, other, up);
                net_.set_link(other, id, up);
            }
        }
    }
    // A healed network behaves like a LAN: round trips well below the election timeout.
    net_.set_options(NetOptions{1, 0, 0, true});
    workload_->restrict_servers(std::set<int>(healthy_.begin(), healthy_.end()));
    log("liveness: healed servers" + names + "; links:" + net_.describe_links());
    const uint64_t since = recorder_.now();
    uint64_t progress_tick = never;
    int64_t target = 0;  // every acknowledged write at the time progress was seen
    for (uint64_t t = 0; t < 2 * options_.liveness_ticks_max && !checker_.failed(); ++t) {
        step(false);
        if (progress_tick == never && workload_->write_acknowledged_since(since)) {
            progress_tick = now_;
            target = workload_->max_acknowledged_zxid();
            log("liveness: a write was acknowledged; waiting for zxid " +
                std::to_string(target) + " everywhere");
        }
        if (progress_tick == never && t >= options_.liveness_ticks_max) {
            result_.failure = "liveness: no write acknowledged within " +
                              std::to_string(options_.liveness_ticks_max) +
                              " ticks after healing servers" + names;
            return false;
        }
        bool caught_up = progress_tick != never;
        for (int id : healthy_) {
            caught_up = caught_up && server(id).up() &&
                        server(id).applied_index() >= target;
        }
        if (caught_up) {
            return true;
        }
    }
    if (checker_.failed()) {
        return false;
    }
    result_.failure = "liveness: servers" + names + " did not apply every acknowledged write "
                      "within " + std::to_string(options_.liveness_ticks_max) + " ticks";
    return false;
}

// No acknowledged write lost: the committed entry at its zxid is the client's request.
void Simulation::check_acknowledged_writes() {
    const auto& committed = checker_.committed();
    for (size_t i = 0; i < recorder_.ops.size(); ++i) {
        const Op& op = recorder_.ops[i];
        if (!op.completed() || op.is_read() || op.zxid <= 0) {
            continue;
        }
        auto it = committed.find(static_cast<uint64_t>(op.zxid));
        if (it == committed.end() || it->second.session_id != op.session_id ||
            it->second.xid != recorder_.xids[i]) {
            checker_.fail("acknowledged write lost: " + describe(op) +
                          " is not the committed entry at its zxid");
            return;
        }
    }
}

void Simulation::final_checks() {
    check_acknowledged_writes();
    for (int id : healthy_) {
        checker_.check_orphans(id, server(id).tree(), client_knobs_.keys);
    }
    if (checker_.failed()) {
        return;
    }
    std::string order = check_session_order(recorder_.ops);
    if (!order.empty()) {
        result_.failure = "session order: " + order;
        return;
    }
    LinearizabilityResult lin =
        check_linearizable(recorder_.ops, options_.linearizability_states_max);
    result_.stats.linearizability_states = lin.states;
    if (lin.verdict == Verdict::violation) {
        result_.failure = "linearizability: " + lin.explanation;
    } else if (lin.verdict == Verdict::inconclusive) {
        result_.stats.linearizability_inconclusive = true;
        log("linearizability inconclusive: " + lin.explanation);
    }
}

SimResult Simulation::run() {
    log("knobs: " + result_.knobs);
    for (uint64_t t = 0; t < options_.safety_ticks && !checker_.failed(); ++t) {
        step(true);
    }
    if (!checker_.failed() && liveness()) {
        final_checks();
    }
    if (checker_.failed()) {
        result_.failure = checker_.failure();
    }
    if (!result_.failure.empty() && options_.verbose) {
        dump_logs();
    }
    result_.ok = result_.failure.empty();
    result_.stats.leaders = checker_.leaders();
    result_.stats.ops = recorder_.ops.size();
    for (const Op& op : recorder_.ops) {
        result_.stats.ops_completed += op.completed() ? 1 : 0;
    }
    if (!checker_.committed().empty()) {
        result_.stats.committed = checker_.committed().rbegin()->first;
    }
    for (const auto& s : servers_) {
        result_.stats.snapshots_installed += s->snapshots_installed();
        result_.stats.compactions += s->compactions();
        result_.stats.watch_events += s->watch_events();
    }
    return result_;
}

}  // namespace

SimResult run_simulation(const SimOptions& options) {
    Simulation simulation(options);
    return simulation.run();
}

}  // namespace wd::sim
