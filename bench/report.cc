#include "bench/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace wd::bench {

namespace {

std::string servers_text(const RunOptions& options) {
    std::string text;
    for (const auto& target : options.servers) {
        text += (text.empty() ? "" : ",") + target.to_string();
    }
    return text;
}

double us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

nlohmann::json latency_json(const Histogram& h) {
    return {{"count", h.count()},          {"min", us(h.min())},
            {"mean", h.mean() / 1000.0},   {"p50", us(h.percentile(50))},
            {"p90", us(h.percentile(90))}, {"p99", us(h.percentile(99))},
            {"p999", us(h.percentile(99.9))}, {"max", us(h.max())}};
}

std::string line(const char* format, double a) {
    char buffer[128];
    std::snprintf(buffer, sizeof(buffer), format, a);
    return buffer;
}

std::string latency_row(const char* name, const Histogram& h) {
    char buffer[256];
    std::snprintf(buffer, sizeof(buffer),
                  "  %-12s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f\n", name,
                  us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)),
                  us(h.percentile(99.9)), us(h.max()), h.mean() / 1000.0);
    return buffer;
}

}  // namespace

std::string format_table(const RunOptions& options, const RunResult& result) {
    const WorkloadKind kind = options.workload.kind;
    std::string out = "workload " + std::string(workload_name(kind)) + " on " +
                      servers_text(options) + ": ";
    if (kind == WorkloadKind::watch_fanout) {
        out += "1 writer, " + std::to_string(options.watchers) + " watchers";
    } else {
        out += std::to_string(options.sessions) + " sessions x " +
               std::to_string(options.inflight) + " in flight";
    }
    out += ", value " + std::to_string(options.workload.value_size) + " B\n";
    out += "  operations   " + std::to_string(result.ops) + " measured (" +
           std::to_string(result.ops_total) + " with warm-up) in" +
           line(" %.2f s\n", result.elapsed_s);
    out += line("  throughput   %.0f ops/s\n", result.ops_per_s());
    out += "  latency (us)         p50        p90        p99      p99.9        max       mean\n";
    const char* name = kind == WorkloadKind::watch_fanout    ? "last watcher"
                       : kind == WorkloadKind::session_churn ? "cycle"
                                                             : "request";
    out += latency_row(name, result.latency);
    if (kind == WorkloadKind::watch_fanout) {
        out += latency_row("each watcher", result.notify);
    }
    out += "  errors       ";
    if (result.errors.empty()) {
        out += "none";
    }
    for (const auto& [code, n] : result.errors) {
        out += code + " " + std::to_string(n) + "  ";
    }
    out += "\n";
    if (result.hit_time_limit) {
        out += "  stopped by the time limit\n";
    }
    return out;
}

std::string format_json(const RunOptions& options, const RunResult& result) {
    const Workload& w = options.workload;
    nlohmann::json j = {
        {"workload", std::string(workload_name(w.kind))},
        {"servers", servers_text(options)},
        {"sessions", w.kind == WorkloadKind::watch_fanout ? options.watchers + 1
                                                          : options.sessions},
        {"inflight", options.inflight},
        {"value_size", w.value_size},
        {"keys", w.keys},
        {"children", w.children},
        {"watchers", options.watchers},
        {"read_ratio", w.read_ppm / 1e6},
        {"seed", w.seed},
        {"warmup_s", options.warmup_ns / 1e9},
        {"duration_s", options.duration_ns / 1e9},
        {"count", options.count},
        {"ops", result.ops},
        {"ops_total", result.ops_total},
        {"elapsed_s", result.elapsed_s},
        {"ops_per_s", result.ops_per_s()},
        {"latency_us", latency_json(result.latency)},
        {"errors", result.errors},
        {"errors_total", result.errors_total()},
        {"sessions_connected", result.sessions_connected},
        {"hit_time_limit", result.hit_time_limit},
    };
    if (w.kind == WorkloadKind::watch_fanout) {
        j["notify_us"] = latency_json(result.notify);
    }
    return j.dump();
}

}  // namespace wd::bench
