// sim_test: runs simulated seeds (docs/simulator.md).
//
//   sim_test --seed N [--servers 3|5] [--verbose]      one seed, replayed exactly
//   sim_test --seeds COUNT [--first N] [--servers S]   a seed budget (CI); without --servers,
//                                                     seeds alternate 3 and 5 servers
//   sim_test --soak [--first N]                        seeds until one fails (stop it with
//                                                     `timeout`)
//   --bug commit-prior-term                            runs the core with the Figure 3.7 bug
//   --expect-failure                                   succeeds iff some seed fails (shows the
//                                                     checkers catch the injected bug)
//   --ticks N                                          the safety phase's length
//   --pipeline                                         runs src/server's Pipeline on every
//                                                     server instead of the model
//
// Prints one line per failing seed with the command that replays it, then a summary.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "simulation.h"

namespace {

struct Args {
    bool single = false;
    uint64_t seed = 1;
    uint64_t first = 1;
    uint64_t count = 100;
    bool soak = false;
    int servers = 0;  // 0: alternate 3 and 5
    bool verbose = false;
    bool bug = false;
    bool expect_failure = false;
    bool pipeline = false;
    uint64_t ticks = 0;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "sim_test: %s\nusage: sim_test (--seed N | --seeds COUNT [--first N] | --soak)"
                 " [--servers 3|5] [--verbose] [--ticks N] [--bug commit-prior-term] [--pipeline]"
                 " [--expect-failure]\n",
                 why);
    std::exit(2);
}

uint64_t number(const char* text) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') {
        usage("not a number");
    }
    return v;
}

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                usage("missing value");
            }
            return argv[++i];
        };
        if (arg == "--seed") {
            a.single = true;
            a.seed = number(value());
        } else if (arg == "--seeds") {
            a.count = number(value());
        } else if (arg == "--first") {
            a.first = number(value());
        } else if (arg == "--soak") {
            a.soak = true;
        } else if (arg == "--servers") {
            a.servers = static_cast<int>(number(value()));
        } else if (arg == "--verbose") {
            a.verbose = true;
        } else if (arg == "--ticks") {
            a.ticks = number(value());
        } else if (arg == "--bug") {
            if (std::string(value()) != "commit-prior-term") {
                usage("the only bug is commit-prior-term");
            }
            a.bug = true;
        } else if (arg == "--pipeline") {
            a.pipeline = true;
        } else if (arg == "--expect-failure") {
            a.expect_failure = true;
        } else {
            usage(("unknown argument " + arg).c_str());
        }
    }
    if (a.servers != 0 && (a.servers < 1 || a.servers > 9)) {
        usage("--servers must be 1..9");
    }
    return a;
}

std::string replay_command(const char* binary, uint64_t seed, int servers, const Args& a) {
    std::string out = std::string(binary) + " --seed " + std::to_string(seed) + " --servers " +
                      std::to_string(servers);
    if (a.ticks != 0) {
        out += " --ticks " + std::to_string(a.ticks);
    }
    if (a.bug) {
        out += " --bug commit-prior-term";
    }
    if (a.pipeline) {
        out += " --pipeline";
    }
    return out + " --verbose";
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    // The pipeline logs as wardend does; a replay with --verbose shows it.
    spdlog::set_level(a.verbose ? spdlog::level::info : spdlog::level::off);
    const uint64_t first = a.single ? a.seed : a.first;
    const uint64_t count = a.single ? 1 : (a.soak ? UINT64_MAX - first : a.count);
    uint64_t failures = 0;
    uint64_t ran = 0;
    uint64_t inconclusive = 0;
    uint64_t ops = 0;
    uint64_t crashes = 0;
    uint64_t first_failing = 0;
    for (uint64_t i = 0; i < count; ++i) {
        wd::sim::SimOptions o;
        o.seed = first + i;
        o.servers = a.servers != 0 ? a.servers : (o.seed % 2 == 0 ? 3 : 5);
        o.verbose = a.verbose;
        o.bug_commit_prior_term = a.bug;
        o.real_pipeline = a.pipeline;
        if (a.ticks != 0) {
            o.safety_ticks = a.ticks;
        }
        if (a.verbose || a.single) {
            std::printf("seed %llu, %d servers\n", static_cast<unsigned long long>(o.seed),
                        o.servers);
        }
        const wd::sim::SimResult r = wd::sim::run_simulation(o);
        ran += 1;
        if (a.soak && ran % 1000 == 0) {
            std::printf("soak: %llu seeds passed (up to seed %llu)\n",
                        static_cast<unsigned long long>(ran),
                        static_cast<unsigned long long>(o.seed));
            std::fflush(stdout);
        }
        ops += r.stats.ops;
        crashes += r.stats.crashes;
        inconclusive += r.stats.linearizability_inconclusive ? 1 : 0;
        if (a.verbose || a.single) {
            const auto& s = r.stats;
            std::printf("%s\nticks=%llu leaders=%llu committed=%llu ops=%llu completed=%llu "
                        "crashes=%llu (before fsync %llu, unsynced writes lost %llu, torn %llu) "
                        "handoffs=%llu pauses=%llu partitions=%llu snapshots installed=%llu compactions=%llu "
                        "watch events=%llu linearizability states=%llu%s\n",
                        r.knobs.c_str(), (unsigned long long)s.ticks,
                        (unsigned long long)s.leaders, (unsigned long long)s.committed,
                        (unsigned long long)s.ops, (unsigned long long)s.ops_completed,
                        (unsigned long long)s.crashes, (unsigned long long)s.crashes_before_sync,
                        (unsigned long long)s.writes_lost, (unsigned long long)s.entries_torn,
                        (unsigned long long)s.handoffs,
                        (unsigned long long)s.pauses, (unsigned long long)s.partitions,
                        (unsigned long long)s.snapshots_installed,
                        (unsigned long long)s.compactions,
                        (unsigned long long)s.watch_events,
                        (unsigned long long)s.linearizability_states,
                        s.linearizability_inconclusive ? " (inconclusive)" : "");
        }
        if (!r.ok) {
            failures += 1;
            if (first_failing == 0) {
                first_failing = o.seed;
            }
            std::printf("seed %llu FAILED (%d servers): %s\nreplay: %s\n",
                        static_cast<unsigned long long>(o.seed), o.servers, r.failure.c_str(),
                        replay_command(argv[0], o.seed, o.servers, a).c_str());
            std::fflush(stdout);
            if (a.soak || a.expect_failure) {
                break;
            }
        }
    }
    std::printf("%llu seeds, %llu failed, %llu ops, %llu crashes, %llu with an inconclusive "
                "linearizability search\n",
                static_cast<unsigned long long>(ran), static_cast<unsigned long long>(failures),
                static_cast<unsigned long long>(ops), static_cast<unsigned long long>(crashes),
                static_cast<unsigned long long>(inconclusive));
    if (a.expect_failure) {
        if (failures == 0) {
            std::printf("expected a failure, but every seed passed\n");
            return 1;
        }
        std::printf("caught as expected after %llu seeds (first failing seed %llu)\n",
                    static_cast<unsigned long long>(ran),
                    static_cast<unsigned long long>(first_failing));
        return 0;
    }
    return failures == 0 ? 0 : 1;
}
