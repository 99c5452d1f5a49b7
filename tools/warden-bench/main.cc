// warden-bench: drives any server speaking ZooKeeper's client protocol (Warden, Apache
// ZooKeeper) with one workload and reports throughput, latency percentiles and errors.
// `warden-bench --help` lists the options; bench/compare.py runs it against both servers.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "bench/clock.h"
#include "bench/driver_asio.h"
#include "bench/echo_asio.h"
#include "bench/report.h"
#include "bench/setup.h"

namespace {

using wd::bench::RunOptions;

struct Args {
    std::string servers = "127.0.0.1:2181";
    std::string workload = "get";
    double read_ratio = 0.9;
    double duration_s = 0;
    double warmup_s = 0;
    double time_limit_s = 0;
    bool json = false;
    bool no_progress = false;
    bool no_setup = false;
    bool cleanup = false;
    int echo_port = -1;
    std::string echo_host = "127.0.0.1";
};

void add_options(CLI::App& app, Args& args, RunOptions& o) {
    app.add_option("--servers", args.servers, "host:port[,host:port...]; sessions round-robin")
        ->capture_default_str();
    app.add_option("--workload", args.workload,
                   "create|create-seq|set|get|exists|children|multi|mix|watch-fanout|"
                   "session-churn")
        ->capture_default_str();
    app.add_option("--read-ratio", args.read_ratio, "mix: fraction of reads (getData)")
        ->check(CLI::Range(0.0, 1.0))->capture_default_str();
    app.add_option("--sessions", o.sessions, "client sessions")->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--inflight", o.inflight, "requests outstanding per session")
        ->check(CLI::Range(1, 100000))->capture_default_str();
    app.add_option("--value-size", o.workload.value_size, "bytes per create/set")
        ->check(CLI::Range(0, 1 << 20))->capture_default_str();
    app.add_option("--keys", o.workload.keys, "key space (set/get/exists/multi/mix)")
        ->check(CLI::Range(1, 100'000'000))->capture_default_str();
    app.add_option("--children", o.workload.children, "children of the wide parent")
        ->check(CLI::Range(0, 10'000'000))->capture_default_str();
    app.add_option("--multi-ops", o.workload.multi_ops, "setData ops per multi")
        ->check(CLI::Range(1, 128))->capture_default_str();
    app.add_option("--watchers", o.watchers, "watch-fanout: watcher sessions")
        ->check(CLI::Range(1, 100000))->capture_default_str();
    app.add_option("--duration", args.duration_s, "seconds of measured load (default 10 "
                   "unless --count)");
    app.add_option("--count", o.count, "measured operations (watch-fanout: rounds; "
                   "session-churn: cycles)");
    app.add_option("--warmup", args.warmup_s, "seconds of unmeasured load first")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--time-limit", args.time_limit_s, "hard cap of the run in seconds "
                   "(default warmup + duration + 60, or 600 with --count alone)");
    app.add_option("--session-timeout-ms", o.session_timeout_ms)->capture_default_str();
    app.add_option("--seed", o.workload.seed, "seed of every random choice")
        ->capture_default_str();
    app.add_option("--root", o.workload.root, "znode under which everything is created")
        ->capture_default_str();
    app.add_flag("--json", args.json, "print one JSON line on stdout (the table goes to "
                 "stderr)");
    app.add_flag("--no-progress", args.no_progress, "no progress line every second");
    app.add_flag("--no-setup", args.no_setup, "skip creating parents and keys");
    app.add_flag("--cleanup", args.cleanup, "delete the root and everything under it after");
    app.add_option("--echo-server", args.echo_port, "run the trivial echo server on this port "
                   "instead (0: any free port)");
    app.add_option("--echo-host", args.echo_host)->capture_default_str();
}

// Validates the arguments into `o`; prints the problem and returns false on bad input.
bool finish_options(const Args& args, RunOptions& o) {
    auto kind = wd::bench::parse_workload(args.workload);
    if (!kind) {
        std::fprintf(stderr, "warden-bench: unknown workload '%s'\n", args.workload.c_str());
        return false;
    }
    o.workload.kind = *kind;
    auto servers = wd::bench::parse_servers(args.servers);
    if (!servers.ok()) {
        std::fprintf(stderr, "warden-bench: %s\n", servers.error().to_string().c_str());
        return false;
    }
    o.servers = *servers;
    o.workload.read_ppm = static_cast<uint32_t>(std::lround(args.read_ratio * 1e6));
    double duration_s = args.duration_s;
    if (duration_s <= 0 && o.count == 0) {
        duration_s = 10;
    }
    o.duration_ns = static_cast<int64_t>(duration_s * 1e9);
    o.warmup_ns = static_cast<int64_t>(args.warmup_s * 1e9);
    double limit_s = args.time_limit_s;
    if (limit_s <= 0) {
        limit_s = duration_s > 0 ? args.warmup_s + duration_s + 60 : 600;
    }
    o.time_limit_ns = static_cast<int64_t>(limit_s * 1e9);
    o.progress = !args.no_progress;
    // Keeps the create parents of separate runs apart (names only; nothing is measured by it).
    o.workload.tag = "r" + std::to_string(::getpid()) + "x" +
                     std::to_string(wd::bench::now_ns() % 1'000'000);
    return true;
}

int run(const Args& args, const RunOptions& o) {
    if (!args.no_setup) {
        auto setup = wd::bench::setup_workload(o);
        if (!setup.ok()) {
            std::fprintf(stderr, "warden-bench: setup: %s\n", setup.error().to_string().c_str());
            return 1;
        }
    }
    auto result = wd::bench::run_workload(o);
    if (!result.ok()) {
        std::fprintf(stderr, "warden-bench: %s\n", result.error().to_string().c_str());
        return 1;
    }
    const std::string table = wd::bench::format_table(o, *result);
    std::fputs(table.c_str(), args.json ? stderr : stdout);
    if (args.json) {
        std::printf("%s\n", wd::bench::format_json(o, *result).c_str());
    }
    std::fflush(stdout);
    if (args.cleanup) {
        auto cleanup = wd::bench::cleanup_workload(o);
        if (!cleanup.ok()) {
            std::fprintf(stderr, "warden-bench: cleanup: %s\n",
                         cleanup.error().to_string().c_str());
            return 1;
        }
    }
    return result->sessions_connected == 0 && result->ops_total == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"warden-bench: load generator for ZooKeeper-protocol servers"};
    Args args;
    RunOptions options;
    add_options(app, args, options);
    CLI11_PARSE(app, argc, argv);
    if (args.echo_port >= 0) {
        if (args.echo_port > 65535) {
            std::fprintf(stderr, "warden-bench: bad --echo-server port\n");
            return 2;
        }
        const double limit_s = args.time_limit_s > 0 ? args.time_limit_s : 3600;
        auto served = wd::bench::run_echo_server(args.echo_host,
                                                 static_cast<uint16_t>(args.echo_port),
                                                 static_cast<int64_t>(limit_s * 1e9));
        if (!served.ok()) {
            std::fprintf(stderr, "warden-bench: %s\n", served.error().to_string().c_str());
            return 1;
        }
        return 0;
    }
    if (!finish_options(args, options)) {
        return 2;
    }
    return run(args, options);
}
