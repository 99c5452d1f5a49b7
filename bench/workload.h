// Workloads of warden-bench and the seeded generation of their operations.
//
// Every random choice comes from wd::Rng (xoshiro256**) seeded from (seed, session index), so a
// run's sequence of operations replays from its seed. Paths live under a root (default
// /warden-bench):
//   <root>/keys/k<i>            the key space (i < keys) for set, get, exists, multi, mix
//   <root>/wide/c<i>            children of the wide parent (i < children) for `children`
//   <root>/create/<tag>-s<n>/   per-session parents of named creates (n<counter>) and of
//                               sequential creates (q-<sequence>); <tag> keeps runs apart
//   <root>/watch                the node watched and written by watch-fanout
//   <root>/churn/<tag>-s<n>-<c> ephemerals of session churn
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/rng.h"

namespace wd::bench {

enum class WorkloadKind {
    create,
    create_seq,
    set,
    get,
    exists,
    children,
    multi,
    mix,
    watch_fanout,
    session_churn,
};

std::string_view workload_name(WorkloadKind kind);
std::optional<WorkloadKind> parse_workload(std::string_view name);
// Whether the workload reads or writes the fixed key space <root>/keys.
bool uses_keys(WorkloadKind kind);

struct Workload {
    WorkloadKind kind = WorkloadKind::get;
    std::string root = "/warden-bench";
    std::string tag = "run";         // distinguishes create parents of different runs
    uint64_t keys = 1000;            // key space size; REQUIRES >= 1 for keyed workloads
    uint32_t value_size = 100;       // bytes written by create, set, multi
    uint32_t read_ppm = 900'000;     // mix: reads per million operations
    uint32_t children = 1000;        // children of the wide parent
    uint32_t multi_ops = 4;          // setData ops per multi
    uint64_t seed = 1;
};

// What one generated operation does; the driver turns it into a request.
enum class OpKind { create, create_seq, set, get, exists, children, multi };

struct Op {
    OpKind kind = OpKind::get;
    uint64_t key = 0;  // key index (set/get/exists; the first key of a multi), or the create
                       // counter for create
};

std::string keys_parent(const Workload& w);
std::string key_path(const Workload& w, uint64_t key);
std::string wide_parent(const Workload& w);
std::string wide_child_path(const Workload& w, uint64_t index);
std::string create_parent(const Workload& w, uint32_t session);
std::string create_path(const Workload& w, uint32_t session, uint64_t counter);
std::string create_seq_prefix(const Workload& w, uint32_t session);
std::string watch_path(const Workload& w);
std::string churn_parent(const Workload& w);
std::string churn_path(const Workload& w, uint32_t session, uint64_t cycle);

// The value written by create/set: `value_size` bytes, deterministic for a seed.
std::string make_value(uint32_t value_size, uint64_t seed);

// One session's stream of operations. Deterministic for (workload.seed, session).
class OpGenerator {
public:
    OpGenerator(const Workload& workload, uint32_t session);
    // REQUIRES: workload.kind is not watch_fanout or session_churn (those are scripted).
    Op next();
    // Key of a multi's op i (0 < i < multi_ops), drawn after next() returned the multi.
    uint64_t next_key() { return rng_.below(workload_.keys); }

private:
    Workload workload_;
    Rng rng_;
    uint64_t create_counter_ = 0;
};

}  // namespace wd::bench
