// Output of a run: a human-readable table and one JSON line for scripts.
#pragma once

#include <string>

#include "bench/driver_asio.h"

namespace wd::bench {

// The table: configuration, throughput, latency percentiles (microseconds), errors by code.
std::string format_table(const RunOptions& options, const RunResult& result);
// One line of JSON (no newline): the configuration (workload, servers, sessions, inflight,
// value_size, keys, children, watchers, read_ratio, seed, warmup_s, duration_s, count), then
// ops, ops_total, elapsed_s, ops_per_s, latency_us {count, min, mean, p50, p90, p99, p999, max}
// (microseconds), errors {code name: count}, errors_total, sessions_connected, hit_time_limit,
// and for watch-fanout notify_us (every watcher's delay, same keys as latency_us).
std::string format_json(const RunOptions& options, const RunResult& result);

}  // namespace wd::bench
