// One deterministic simulated run of a Warden ensemble (docs/simulator.md): servers, network,
// disks, clock and clients all driven from one seed, with no threads, no clock and no I/O.
//
// A run has two phases (STYLE.md §4):
// 1. safety: faults on (crashes, crashes between write and fsync, pauses, partitions, a lossy
//    network); the replica checkers run on every apply and every leader observation;
// 2. liveness: a random majority is restarted, resumed and reconnected, the network stops
//    losing messages, and a client write must be acknowledged within `liveness_ticks_max`,
//    after which the majority must catch up with every acknowledged write.
// Then the history checkers run: no acknowledged write lost, per-session order, and
// linearizability.
#pragma once

#include <cstdint>
#include <string>

namespace wd::sim {

struct SimOptions {
    uint64_t seed = 1;
    int servers = 3;
    bool verbose = false;
    bool bug_commit_prior_term = false;
    // Run src/server's Pipeline on each server instead of the model (pipeline_server.h).
    bool real_pipeline = false;
    uint64_t safety_ticks = 600;
    uint64_t liveness_ticks_max = 500;
    uint64_t linearizability_states_max = 200'000;  // per key
};

struct SimStats {
    uint64_t ticks = 0;
    uint64_t leaders = 0;        // distinct terms with a leader
    uint64_t crashes = 0;
    uint64_t crashes_before_sync = 0;
    uint64_t writes_lost = 0;    // unsynced disk writes dropped by crashes
    uint64_t entries_torn = 0;
    uint64_t pauses = 0;
    uint64_t handoffs = 0;       // leaders that handed leadership over before stopping
    uint64_t partitions = 0;
    uint64_t ops = 0;
    uint64_t ops_completed = 0;
    uint64_t committed = 0;      // the highest committed index
    uint64_t snapshots_installed = 0;
    uint64_t compactions = 0;
    uint64_t watch_events = 0;
    uint64_t linearizability_states = 0;
    bool linearizability_inconclusive = false;
};

struct SimResult {
    bool ok = true;
    std::string failure;
    std::string knobs;  // the seed's choices, one line
    SimStats stats;
};

SimResult run_simulation(const SimOptions& options);

}  // namespace wd::sim
