// Randomized safety and liveness runs of an in-memory 3- or 5-node cluster: random ticks,
// deliveries in random order, drops, duplicates, partitions, compactions and restarts, then a
// healed liveness phase. Checked (Raft thesis §3.6.3): Election Safety (at most one leader per
// term), State Machine Safety (applied entries agree by index across nodes), no committed entry
// lost, and progress within a bounded number of ticks after healing.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "consensus/cluster.h"

namespace wd::consensus::testing {
namespace {

constexpr int steps_safety = 4000;
constexpr int rounds_liveness_max = 400;
constexpr size_t network_size_max = 400;

class RandomRun {
public:
    RandomRun(uint64_t seed, uint64_t nodes) : cluster_(seed), rng_(seed) {
        Membership m;
        for (uint64_t i = 1; i <= nodes; ++i) {
            m.voters.push_back(NodeId{i});
        }
        NodeOptions o;
        o.heartbeat_ticks = 2;
        o.append_entries_max = 4;
        o.inflight_max = 4;
        o.snapshot_chunk_size_max = 16;
        for (NodeId id : m.voters) {
            cluster_.add_node(id, m, o);
        }
    }

    void safety_phase() {
        for (int i = 0; i < steps_safety && !::testing::Test::HasFailure(); ++i) {
            random_step();
            check();
        }
    }

    void liveness_phase() {
        cluster_.heal();
        const std::string last = "final";
        bool proposed = false;
        for (int round = 0; round < rounds_liveness_max; ++round) {
            for (NodeId id : cluster_.ids()) {
                cluster_.core(id).tick();
            }
            static_cast<void>(cluster_.stabilize({}));
            check();
            if (!proposed) {
                proposed = try_propose(last);
            }
            if (proposed && all_applied(last)) {
                check_converged();
                if (std::getenv("WD_RANDOM_STATS") != nullptr) {
                    uint64_t installs = 0;
                    for (NodeId id : cluster_.ids()) {
                        installs += cluster_.snapshots_installed(id);
                    }
                    std::printf("leaders=%zu applied=%zu rounds=%d installs=%llu\n",
                                leaders_.size(), truth_.size(), round,
                                static_cast<unsigned long long>(installs));
                }
                return;
            }
        }
        ADD_FAILURE() << "no progress within " << rounds_liveness_max << " rounds after healing";
    }

private:
    NodeId random_node() { return NodeId{1 + rng_.below(cluster_.ids().size())}; }

    bool try_propose(const std::string& value) {
        for (NodeId id : cluster_.ids()) {
            if (cluster_.core(id).propose(std::as_bytes(std::span(value))).ok()) {
                return true;
            }
        }
        return false;
    }

    void random_step() {
        auto& net = cluster_.network();
        const uint64_t r = rng_.below(100);
        if (r < 30) {
            cluster_.core(random_node()).tick();
        } else if (r < 55 && !net.empty()) {
            const size_t at = rng_.below(net.size());  // any order: reordering
            if (rng_.chance(1, 10)) {
                net.erase(net.begin() + static_cast<ptrdiff_t>(at));  // drop
            } else {
                static_cast<void>(cluster_.deliver_at(at));
            }
        } else if (r < 80) {
            static_cast<void>(cluster_.process_ready(random_node()));
        } else if (r < 90) {
            const std::string value = "v" + std::to_string(next_value_++);
            Core& core = cluster_.core(random_node());
            static_cast<void>(core.propose(std::as_bytes(std::span(value))));
        } else if (r < 92) {
            random_partition();
        } else if (r < 94) {
            const NodeId id = random_node();
            static_cast<void>(cluster_.compact(id, cluster_.core(id).applied_index()));
        } else if (r < 95) {
            const NodeId id = random_node();
            checked_[id] = 0;
            static_cast<void>(cluster_.restart(id));
        } else if (r < 97 && !net.empty()) {
            net.push_back(net[rng_.below(net.size())]);  // duplicate
        }
        if (net.size() > network_size_max) {
            net.erase(net.begin());
        }
    }

    void random_partition() {
        if (rng_.chance(1, 2)) {
            cluster_.heal();
            return;
        }
        std::set<NodeId> a;
        std::set<NodeId> b;
        for (NodeId id : cluster_.ids()) {
            (rng_.chance(1, 2) ? a : b).insert(id);
        }
        cluster_.partition({a, b});
    }

    void check() {
        for (NodeId id : cluster_.ids()) {
            const Core& core = cluster_.core(id);
            if (core.role() == RoleKind::leader) {
                auto [it, fresh] = leaders_.emplace(core.term(), id);
                ASSERT_EQ(it->second, id) << "two leaders in term " << core.term().value;
            }
            check_applied(id);
        }
    }

    // Every applied entry agrees with what any node applied at the same index.
    void check_applied(NodeId id) {
        const Applied& applied = cluster_.applied(id);
        const uint64_t installs = cluster_.snapshots_installed(id);
        if (installs != installs_[id] || applied.size() < checked_[id]) {
            installs_[id] = installs;
            checked_[id] = 0;
        }
        for (size_t i = checked_[id]; i < applied.size(); ++i) {
            auto [it, fresh] = truth_.emplace(applied[i].first, applied[i].second);
            ASSERT_EQ(it->second, applied[i].second)
                << "node " << id.value << " applied a different entry at "
                << applied[i].first.value;
        }
        checked_[id] = applied.size();
    }

    bool all_applied(const std::string& value) {
        for (NodeId id : cluster_.ids()) {
            const Applied& applied = cluster_.applied(id);
            if (applied.empty() || applied.back().second != value) {
                return false;
            }
        }
        return true;
    }

    // No committed entry is lost: every node ends with every entry any node ever applied.
    void check_converged() {
        for (NodeId id : cluster_.ids()) {
            const Applied& applied = cluster_.applied(id);
            ASSERT_EQ(applied.size(), truth_.size()) << "node " << id.value;
            size_t i = 0;
            for (const auto& [index, data] : truth_) {
                ASSERT_EQ(applied[i].first, index);
                ASSERT_EQ(applied[i].second, data);
                i += 1;
            }
        }
    }

    Cluster cluster_;
    Rng rng_;
    uint64_t next_value_ = 0;
    std::map<Term, NodeId> leaders_;
    std::map<LogIndex, std::string> truth_;
    std::map<NodeId, size_t> checked_;
    std::map<NodeId, uint64_t> installs_;
};

class ConsensusRandom : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ConsensusRandom, SafetyThenLiveness) {
    const uint64_t seed = GetParam();
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomRun run(seed, seed % 2 == 0 ? 3 : 5);
    run.safety_phase();
    ASSERT_FALSE(::testing::Test::HasFailure());
    run.liveness_phase();
}

INSTANTIATE_TEST_SUITE_P(Seeds, ConsensusRandom, ::testing::Range<uint64_t>(1, 101));

}  // namespace
}  // namespace wd::consensus::testing
