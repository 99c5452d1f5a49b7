// The load driver: runs one workload against one or more servers and measures it.
//
// Phases: connect every session (at most connect_parallel_max handshakes at a time; sessions
// spread round-robin over the servers), then run: each session keeps `inflight` requests
// outstanding, the first `warmup` of the run is not measured, and issuing stops at the end of
// `duration` or after `count` measured operations, whichever comes first; then the outstanding
// replies drain and every session is closed (closeSession). watch-fanout and session-churn are
// scripted (see RunOptions). Always bounded: `time_limit` stops the run whatever happens and
// counts what was still outstanding as CLIENT_TIMEOUT errors.
//
// Thread affinity: run() runs an io_context on the calling thread and returns when done.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "bench/histogram.h"
#include "bench/target.h"
#include "bench/workload.h"

namespace wd::bench {

struct RunOptions {
    std::vector<Target> servers;
    Workload workload;
    uint32_t sessions = 1;    // watch-fanout: ignored (one writer plus `watchers`)
    uint32_t inflight = 1;    // per session; session-churn: ignored (one cycle at a time)
    uint32_t watchers = 100;  // watch-fanout
    int64_t warmup_ns = 0;
    int64_t duration_ns = 0;  // 0: bounded by count alone
    uint64_t count = 0;       // measured operations (watch-fanout: rounds; churn: cycles); 0: none
    int64_t time_limit_ns = 0;  // REQUIRES > 0: the hard cap of the whole run
    int32_t session_timeout_ms = 30'000;
    bool progress = true;       // a line per second on stderr
};

struct RunResult {
    // watch-fanout: one value per round, from sending the write until the last watcher's
    // notification arrived. session-churn: one per cycle (connect .. closeSession answered).
    // Otherwise one per request. Nanoseconds.
    Histogram latency;
    Histogram notify;  // watch-fanout: every watcher's notification delay
    uint64_t ops = 0;        // measured operations completed
    uint64_t ops_total = 0;  // including the warm-up
    double elapsed_s = 0;    // from the end of the warm-up to the last measured completion
    std::map<std::string, uint64_t> errors;  // ZooKeeper code name (or CONNECTIONLOSS,
                                             // CLIENT_TIMEOUT) -> count
    uint32_t sessions_connected = 0;
    bool hit_time_limit = false;

    uint64_t errors_total() const;
    double ops_per_s() const { return elapsed_s > 0 ? static_cast<double>(ops) / elapsed_s : 0; }
};

// REQUIRES: options.servers not empty; options.time_limit_ns > 0.
// Errors: io_error when no server address resolves.
Result<RunResult> run_workload(const RunOptions& options);

}  // namespace wd::bench
