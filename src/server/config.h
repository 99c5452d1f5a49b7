// zoo.cfg: ZooKeeper's configuration file, validated once at load.
//
// Syntax as ZooKeeper's (java.util.Properties subset): `key=value` lines, `#` or `!` comments,
// blank lines. ZooKeeper also accepts its `zookeeper.*` system properties as keys without the
// prefix; the ones Warden implements are accepted the same way. A key ZooKeeper knows but
// Warden does not implement is reported once as ignored; a malformed line or value refuses the
// whole file with its line number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace wd::server {

// One `server.N=host:peerPort:electionPort[:participant|observer][;[clientHost:]clientPort]`
// line. Warden carries all peer traffic (replication and election) on peerPort; electionPort
// is accepted and checked but not opened.
struct ServerSpec {
    int64_t id = 0;
    std::string host;
    uint16_t peer_port = 0;
    uint16_t election_port = 0;
    bool observer = false;
    std::string client_host;   // empty: not given
    uint16_t client_port = 0;  // 0: not given
};

struct Config {
    int32_t tick_time_ms = 2000;
    std::string data_dir;
    std::string data_log_dir;  // defaults to data_dir
    uint16_t client_port = 2181;
    std::string client_port_address = "0.0.0.0";
    int32_t max_client_cnxns = 60;        // per client IP; 0 = unlimited
    int32_t min_session_timeout_ms = -1;  // -1: 2 * tickTime
    int32_t max_session_timeout_ms = -1;  // -1: 20 * tickTime
    int32_t snap_retain_count = 3;
    int32_t purge_interval_hours = 0;
    int64_t snap_count = 100'000;
    int64_t jute_max_buffer = 0xfffff;
    bool extended_types_enabled = false;
    bool enforce_quota = false;
    bool reconfig_enabled = false;
    bool read_only_mode_enabled = false;
    bool force_sync = true;
    // warden.eventLoopSpinMicros (Warden's own): after the event loop runs out of work it keeps
    // polling for this long before it sleeps, so that a client's next request, if it comes
    // that soon, meets a running server instead of one the kernel must wake. 0 sleeps at once;
    // -1 (the default) picks event_loop_spin().
    int32_t event_loop_spin_us = -1;
    std::vector<std::string> four_letter_whitelist = {"srvr"};
    std::string super_digest;  // "super:base64(sha1)"; empty = no super user
    int64_t container_check_interval_ms = 60'000;
    int64_t container_max_per_minute = 10'000;

    // ---- ensemble ----
    std::vector<ServerSpec> servers;  // sorted by id; empty for a standalone server
    int64_t my_id = 0;                // from dataDir/myid (load_config); 0 when standalone
    bool peer_type_observer = false;  // peerType=observer
    bool standalone_enabled = true;   // one server.N line alone runs standalone when true
    int32_t sync_limit = 5;           // ticks: a follower that hears nothing for this long
                                      // starts an election (docs/ensemble.md, "Timing")
    // True when this server runs as a member of a replicated ensemble.
    bool ensemble() const { return servers.size() > 1 || (!servers.empty() && !standalone_enabled); }
    const ServerSpec* my_spec() const;

    // Lines that parsed but were ignored, for the start-up log ("line 7: ignoring ...").
    std::vector<std::string> notes;
    // The file's key=value pairs as read, for the `conf` four-letter word.
    std::vector<std::pair<std::string, std::string>> raw;

    int32_t min_session_timeout() const {
        return min_session_timeout_ms > 0 ? min_session_timeout_ms : 2 * tick_time_ms;
    }
    int32_t max_session_timeout() const {
        return max_session_timeout_ms > 0 ? max_session_timeout_ms : 20 * tick_time_ms;
    }
    bool four_letter_allowed(std::string_view word) const;
    // 50 us standalone; 0 in an ensemble, whose members on one machine (tests, a local
    // ensemble) would take each other's cores by spinning (README, "Benchmark").
    int32_t event_loop_spin() const {
        return event_loop_spin_us >= 0 ? event_loop_spin_us : (ensemble() ? 0 : 50);
    }
};

// Parses zoo.cfg text. `origin` names the file in error messages.
Result<Config> parse_config(std::string_view text, std::string_view origin);
// Reads the file, then for an ensemble the server's id from dataDir/myid (ZooKeeper's layout:
// the decimal id alone), which must name one of the server.N lines. That line's client
// address, when given, sets clientPortAddress and clientPort.
Result<Config> load_config(const std::string& path);
// The id check and client address of load_config, for a config whose my_id is already set.
Result<void> resolve_ensemble(Config& config, std::string_view origin);

// The configuration wardend runs with when given no file: standalone on 127.0.0.1:2181 with
// data under ./warden-data.
std::string_view default_config_text();

}  // namespace wd::server
