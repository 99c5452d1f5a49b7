// Four-letter words on the client port (ZooKeeper's FourLetterCommands), answered from the
// pipeline's counters. Output follows ZooKeeper's layout so existing scripts keep working.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include "server/pipeline.h"
#include "server/snapshotter.h"
#include "server/version.h"

namespace wd::server {

namespace {

std::string hex(int64_t v) {
    return fmt::format("0x{:x}", static_cast<uint64_t>(v));
}

std::string latency_line(const Latency& l) {
    if (l.count == 0) {
        return "0/0.0/0";
    }
    return fmt::format("{}/{:.4f}/{}", l.min_us / 1000,
                       static_cast<double>(l.total_us) / 1000.0 / static_cast<double>(l.count),
                       l.max_us / 1000);
}

uint64_t dir_size(const std::string& dir) {
    std::error_code ec;
    uint64_t total = 0;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            total += it->file_size(ec);
        }
    }
    return total;
}

int open_fd_count() {
    std::error_code ec;
    int n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++n;
    }
    return n;
}

}  // namespace

std::string Pipeline::connection_lines() {
    std::string out;
    std::vector<const Conn*> sorted;
    for (const auto& [id, conn] : conns_) {
        sorted.push_back(&conn);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Conn* a, const Conn* b) { return a->id < b->id; });
    for (const Conn* c : sorted) {
        out += fmt::format(" /{}:{}[{}](queued={},recved={},sent={}", c->remote_ip, c->remote_port,
                           c->handshaken ? 1 : 0, c->waiting.size(), c->stats.packets_received,
                           c->stats.packets_sent);
        if (c->session_id != 0) {
            const Latency& l = c->stats.latency;
            out += fmt::format(
                ",sid={},lop=,est={},to={},lcxid={},lzxid={},lresp={},llat=0,minlat={},"
                "avglat={},maxlat={}",
                hex(c->session_id), c->stats.established_ms, c->timeout_ms, hex(c->stats.last_xid),
                hex(c->stats.last_zxid), c->stats.last_response_ms, l.count ? l.min_us / 1000 : 0,
                l.count ? l.total_us / 1000 / l.count : 0, l.max_us / 1000);
        }
        out += ")\n";
    }
    return out;
}

std::string Pipeline::server_summary(bool with_clients) {
    std::string out = fmt::format("Zookeeper version: {}\n", version_string());
    if (with_clients) {
        out += "Clients:\n" + connection_lines() + "\n";
    }
    int64_t outstanding = static_cast<int64_t>(batch_.size());
    for (const auto& [id, conn] : conns_) {
        outstanding += static_cast<int64_t>(conn.waiting.size());
    }
    out += fmt::format("Latency min/avg/max: {}\n", latency_line(stats_.latency));
    out += fmt::format("Received: {}\nSent: {}\nConnections: {}\nOutstanding: {}\n",
                       stats_.packets_received, stats_.packets_sent, conns_.size(), outstanding);
    out += fmt::format("Zxid: {}\nMode: {}\nNode count: {}\n", hex(tree_.last_zxid()), role(),
                       tree_.node_count());
    if (core_) {
        const consensus::CoreStatus st = core_->status();
        out += fmt::format("Leader: {}\nTerm: {}\n", st.leader.value, st.hard_state.term.value);
        if (is_leader()) {
            out += fmt::format("Proposal sizes last/min/max: -1/-1/-1\n");
        }
    }
    return out;
}

std::string Pipeline::monitor() {
    const Latency& l = stats_.latency;
    struct rlimit rl {};
    getrlimit(RLIMIT_NOFILE, &rl);
    std::string out;
    auto kv = [&out](std::string_view key, const auto& value) {
        out += fmt::format("{}\t{}\n", key, value);
    };
    kv("zk_version", version_string());
    kv("zk_server_state", role());
    kv("zk_avg_latency",
       l.count ? static_cast<double>(l.total_us) / 1000.0 / static_cast<double>(l.count) : 0.0);
    kv("zk_max_latency", l.max_us / 1000);
    kv("zk_min_latency", l.count ? l.min_us / 1000 : 0);
    kv("zk_packets_received", stats_.packets_received);
    kv("zk_packets_sent", stats_.packets_sent);
    kv("zk_num_alive_connections", conns_.size());
    kv("zk_outstanding_requests", batch_.size());
    kv("zk_znode_count", tree_.node_count());
    kv("zk_watch_count", watches_.mntr_watch_count());
    kv("zk_ephemerals_count", tree_.ephemeral_count());
    kv("zk_approximate_data_size", tree_.data_bytes());
    kv("zk_open_file_descriptor_count", open_fd_count());
    kv("zk_max_file_descriptor_count", static_cast<int64_t>(rl.rlim_cur));
    kv("zk_global_sessions", tree_.sessions().size());
    kv("zk_last_zxid", hex(tree_.last_zxid()));
    kv("zk_fsync_count", stats_.fsyncs);
    kv("zk_log_entries_written", stats_.entries_written);
    kv("zk_last_snapshot_zxid", hex(snapshotter_->last_snapshot_zxid()));
    // How long the last snapshot's fork() stopped the server (the page-table copy).
    kv("warden_last_fork_us", snapshotter_->last_fork_us());
    kv("zk_connections_refused", stats_.connections_refused);
    kv("zk_uptime", clock_->wall_ms() - stats_.started_ms);
    if (core_) {
        const consensus::CoreStatus st = core_->status();
        kv("warden_term", st.hard_state.term.value);
        kv("warden_leader", st.leader.value);
        kv("warden_log_first_index", st.first_index.value);
        kv("warden_log_last_index", st.last_index.value);
        kv("warden_commit_index", core_->commit_index().value);
        kv("warden_applied_index", applied_index_);
        kv("warden_pending_proposals", proposed_.size());
        if (is_leader()) {
            size_t followers = 0;
            size_t synced = 0;
            size_t observers = 0;
            for (const auto& [id, progress] : st.progress) {
                bool learner = st.membership.is_learner(id);
                (learner ? observers : followers) += 1;
                if (!learner && progress.match == st.last_index) {
                    ++synced;
                }
            }
            kv("zk_learners", followers + observers);
            kv("zk_followers", followers);
            kv("zk_synced_followers", synced);
            kv("zk_synced_observers", observers);
            kv("zk_pending_syncs", 0);
        }
    }
    return out;
}

std::string Pipeline::environment() {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    struct utsname u {};
    uname(&u);
    std::error_code ec;
    std::string out = "Environment:\n";
    out += fmt::format("zookeeper.version={}\n", version_string());
    out += fmt::format("host.name={}\n", host);
    out += fmt::format("os.name={}\nos.arch={}\nos.version={}\n", u.sysname, u.machine, u.release);
    out += fmt::format("user.dir={}\n", std::filesystem::current_path(ec).string());
    out += fmt::format("process.id={}\n", getpid());
    return out;
}

std::string Pipeline::configuration() {
    std::string out;
    out += fmt::format("clientPort={}\n", config_.client_port);
    out += fmt::format("clientPortAddress={}\n", config_.client_port_address);
    out += fmt::format("dataDir={}/snapshots\n", config_.data_dir);
    out += fmt::format("dataDirSize={}\n", dir_size(config_.data_dir + "/snapshots"));
    out += fmt::format("dataLogDir={}/wal\n", config_.data_log_dir);
    out += fmt::format("dataLogSize={}\n", dir_size(config_.data_log_dir + "/wal"));
    out += fmt::format("tickTime={}\n", config_.tick_time_ms);
    out += fmt::format("maxClientCnxns={}\n", config_.max_client_cnxns);
    out += fmt::format("minSessionTimeout={}\n", config_.min_session_timeout());
    out += fmt::format("maxSessionTimeout={}\n", config_.max_session_timeout());
    out += fmt::format("serverId={}\n", config_.my_id);
    for (const ServerSpec& s : config_.servers) {
        out += fmt::format("server.{}={}:{}:{}:{}\n", s.id, s.host, s.peer_port, s.election_port,
                           s.observer ? "observer" : "participant");
    }
    out += fmt::format("snapCount={}\n", config_.snap_count);
    out += fmt::format("autopurge.snapRetainCount={}\n", config_.snap_retain_count);
    out += fmt::format("jute.maxbuffer={}\n", config_.jute_max_buffer);
    out += fmt::format("extendedTypesEnabled={}\n", config_.extended_types_enabled);
    out += fmt::format("enforceQuota={}\n", config_.enforce_quota);
    return out;
}

std::string Pipeline::directory_sizes() {
    return fmt::format("datadir_size: {}\nlogdir_size: {}\n",
                       dir_size(config_.data_dir + "/snapshots"),
                       dir_size(config_.data_log_dir + "/wal"));
}

std::optional<std::string> Pipeline::four_letter(std::string_view word) {
    if (word == "ruok") return std::string("imok");
    if (word == "srvr") return server_summary(false);
    if (word == "stat") return server_summary(true);
    if (word == "cons") return connection_lines() + "\n";
    if (word == "mntr") return monitor();
    if (word == "envi") return environment();
    if (word == "conf") return configuration();
    if (word == "isro") return std::string(serving_read_only() ? "ro" : "rw");
    if (word == "dirs") return directory_sizes();
    // The digest of the tree at the last applied zxid: equal on every server at the same zxid.
    if (word == "hash") return fmt::format("{}: {:016x}\n", hex(tree_.last_zxid()), tree_.digest());
    if (word == "crst") {
        for (auto& [id, conn] : conns_) {
            conn.stats.latency.reset();
            conn.stats.packets_received = 0;
            conn.stats.packets_sent = 0;
        }
        return std::string("Connection stats reset.\n");
    }
    if (word == "srst") {
        stats_.latency.reset();
        stats_.packets_received = 0;
        stats_.packets_sent = 0;
        return std::string("Server stats reset.\n");
    }
    if (word == "wchs") {
        return fmt::format("{} connections watching {} paths\nTotal watches:{}\n",
                           watches_.session_count(watch::Scope::zk_reports),
                           watches_.path_count(watch::Scope::zk_reports),
                           watches_.watch_count(watch::Scope::zk_reports));
    }
    if (word == "wchc") {
        std::string out;
        for (const auto& [session, paths] : watches_.by_session(watch::Scope::zk_reports)) {
            out += hex(session) + "\n";
            for (const auto& p : paths) {
                out += "\t" + p + "\n";
            }
        }
        return out + "\n";  // ZooKeeper's WatchCommand ends with println()
    }
    if (word == "wchp") {
        std::string out;
        for (const auto& [path, sessions] : watches_.by_path(watch::Scope::zk_reports)) {
            out += path + "\n";
            for (int64_t s : sessions) {
                out += "\t" + hex(s) + "\n";
            }
        }
        return out + "\n";  // ZooKeeper's WatchCommand ends with println()
    }
    return std::nullopt;
}

}  // namespace wd::server
