#include "bench/workload.h"

#include <array>
#include <utility>

#include "base/assert.h"

namespace wd::bench {

namespace {

constexpr std::array<std::pair<WorkloadKind, std::string_view>, 10> workload_names = {{
    {WorkloadKind::create, "create"},
    {WorkloadKind::create_seq, "create-seq"},
    {WorkloadKind::set, "set"},
    {WorkloadKind::get, "get"},
    {WorkloadKind::exists, "exists"},
    {WorkloadKind::children, "children"},
    {WorkloadKind::multi, "multi"},
    {WorkloadKind::mix, "mix"},
    {WorkloadKind::watch_fanout, "watch-fanout"},
    {WorkloadKind::session_churn, "session-churn"},
}};

// Mixes the session index into the run seed (splitmix64 finaliser), so sessions draw
// independent streams while the run stays a function of one seed.
uint64_t session_seed(uint64_t seed, uint32_t session) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t{session} + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

std::string_view workload_name(WorkloadKind kind) {
    for (const auto& [k, name] : workload_names) {
        if (k == kind) {
            return name;
        }
    }
    WD_UNREACHABLE();
}

std::optional<WorkloadKind> parse_workload(std::string_view name) {
    for (const auto& [k, n] : workload_names) {
        if (n == name) {
            return k;
        }
    }
    return std::nullopt;
}

bool uses_keys(WorkloadKind kind) {
    return kind == WorkloadKind::set || kind == WorkloadKind::get ||
           kind == WorkloadKind::exists || kind == WorkloadKind::multi ||
           kind == WorkloadKind::mix;
}

std::string keys_parent(const Workload& w) { return w.root + "/keys"; }
std::string key_path(const Workload& w, uint64_t key) {
    return keys_parent(w) + "/k" + std::to_string(key);
}
std::string wide_parent(const Workload& w) { return w.root + "/wide"; }
std::string wide_child_path(const Workload& w, uint64_t index) {
    return wide_parent(w) + "/c" + std::to_string(index);
}
std::string create_parent(const Workload& w, uint32_t session) {
    return w.root + "/create/" + w.tag + "-s" + std::to_string(session);
}
std::string create_path(const Workload& w, uint32_t session, uint64_t counter) {
    return create_parent(w, session) + "/n" + std::to_string(counter);
}
std::string create_seq_prefix(const Workload& w, uint32_t session) {
    return create_parent(w, session) + "/q-";
}
std::string watch_path(const Workload& w) { return w.root + "/watch"; }
std::string churn_parent(const Workload& w) { return w.root + "/churn"; }
std::string churn_path(const Workload& w, uint32_t session, uint64_t cycle) {
    return churn_parent(w) + "/" + w.tag + "-s" + std::to_string(session) + "-" +
           std::to_string(cycle);
}

std::string make_value(uint32_t value_size, uint64_t seed) {
    Rng rng(seed);
    std::string value(value_size, '\0');
    for (auto& c : value) {
        c = static_cast<char>('a' + rng.below(26));
    }
    return value;
}

OpGenerator::OpGenerator(const Workload& workload, uint32_t session)
    : workload_(workload), rng_(session_seed(workload.seed, session)) {}

Op OpGenerator::next() {
    const uint64_t keys = workload_.keys;
    switch (workload_.kind) {
        case WorkloadKind::create: return Op{OpKind::create, create_counter_++};
        case WorkloadKind::create_seq: return Op{OpKind::create_seq, 0};
        case WorkloadKind::set: return Op{OpKind::set, rng_.below(keys)};
        case WorkloadKind::get: return Op{OpKind::get, rng_.below(keys)};
        case WorkloadKind::exists: return Op{OpKind::exists, rng_.below(keys)};
        case WorkloadKind::children: return Op{OpKind::children, 0};
        case WorkloadKind::multi: return Op{OpKind::multi, rng_.below(keys)};
        case WorkloadKind::mix: {
            const bool read = rng_.chance(workload_.read_ppm, 1'000'000);
            return Op{read ? OpKind::get : OpKind::set, rng_.below(keys)};
        }
        case WorkloadKind::watch_fanout:
        case WorkloadKind::session_churn: break;
    }
    WD_UNREACHABLE();
}

}  // namespace wd::bench
