// Data-driven tests of the consensus core: tests/data/consensus/*.txt, each citing the Raft
// paper or thesis section it checks. Regenerate expectations with WD_REWRITE=1.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "consensus/cluster.h"
#include "support/datadriven.h"

namespace wd::consensus::testing {
namespace {

using DdCommand = datadriven::Command;

NodeId node_arg(const std::string& text) { return NodeId{std::stoull(text)}; }

std::vector<NodeId> id_list(const std::vector<std::string>& values) {
    std::vector<NodeId> out;
    for (const std::string& v : values) {
        out.push_back(node_arg(v));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::set<NodeId> id_set(const std::vector<std::string>& values) {
    auto ids = id_list(values);
    return {ids.begin(), ids.end()};
}

class Handler {
public:
    std::string run(const DdCommand& cmd);

private:
    std::string add_nodes(const DdCommand& cmd);
    std::string tick(const DdCommand& cmd);
    std::string propose(const DdCommand& cmd);
    std::string change(const DdCommand& cmd, ConfChangeType type);
    std::string partition(const DdCommand& cmd);
    std::string run_rounds(const DdCommand& cmd);
    std::string each_node(const DdCommand& cmd, std::string (Handler::*fn)(NodeId));
    std::string process_ready(NodeId id) { return cluster_.process_ready(id); }
    std::string raft_log(NodeId id) { return cluster_.raft_log(id); }
    std::string status(NodeId id) { return describe(cluster_.core(id).status()); }
    std::string campaign(NodeId id) {
        cluster_.core(id).campaign();
        return "";
    }
    std::string leader_lost(NodeId id) {
        cluster_.core(id).leader_lost();
        return "";
    }
    std::string restart(NodeId id) { return cluster_.restart(id); }

    Cluster cluster_{1};
};

std::string Handler::each_node(const DdCommand& cmd, std::string (Handler::*fn)(NodeId)) {
    std::string out;
    const auto ids = cmd.positional();
    for (const std::string& id : ids) {
        std::string text = (this->*fn)(node_arg(id));
        if (ids.size() > 1 && !text.empty()) {
            text = "> " + id + "\n" + text;
        }
        out += text;
    }
    return out;
}

std::string Handler::run(const DdCommand& cmd) {
    const auto pos = cmd.positional();
    // Example: add-nodes 3 voters=(1,2,3) learners=(4) pre-vote=false election=10
    if (cmd.name == "add-nodes") return add_nodes(cmd);
    // Example: campaign 1
    if (cmd.name == "campaign") return each_node(cmd, &Handler::campaign);
    // Example: leader-lost 2 3   (the driver saw the leader's connection close)
    if (cmd.name == "leader-lost") return each_node(cmd, &Handler::leader_lost);
    // Example: tick 1 2 n=10
    if (cmd.name == "tick") return tick(cmd);
    // Example: propose 1 data
    if (cmd.name == "propose") return propose(cmd);
    // Example: process-ready 1 2
    if (cmd.name == "process-ready") return each_node(cmd, &Handler::process_ready);
    // Example: deliver-msgs 2 3 drop=(3)   (no ids: every recipient)
    if (cmd.name == "deliver-msgs") {
        return cluster_.deliver(id_set(pos), id_set(cmd.values("drop")));
    }
    // Example: stabilize   or   stabilize 1 2
    if (cmd.name == "stabilize") return cluster_.stabilize(id_set(pos));
    // Example: partition (1) (2,3)
    if (cmd.name == "partition") return partition(cmd);
    // Example: run n=30   (n rounds of: tick every node once, then a silent stabilize)
    if (cmd.name == "run") return run_rounds(cmd);
    // Example: heal
    if (cmd.name == "heal") {
        cluster_.heal();
        return "";
    }
    // Example: raft-log 2
    if (cmd.name == "raft-log") return each_node(cmd, &Handler::raft_log);
    // Example: status 1
    if (cmd.name == "status") return each_node(cmd, &Handler::status);
    // Example: compact 1 5
    if (cmd.name == "compact") {
        return cluster_.compact(node_arg(pos.at(0)), LogIndex{std::stoull(pos.at(1))});
    }
    // Example: restart 2
    if (cmd.name == "restart") return each_node(cmd, &Handler::restart);
    // Example: transfer-leader 1 to=2
    if (cmd.name == "transfer-leader") {
        auto r = cluster_.core(node_arg(pos.at(0))).transfer_leader(node_arg(cmd.get("to")));
        return r.ok() ? "" : describe(r.error());
    }
    // Example: add-voter 1 node=4
    if (cmd.name == "add-voter") return change(cmd, ConfChangeType::add_voter);
    // Example: add-learner 1 node=4
    if (cmd.name == "add-learner") return change(cmd, ConfChangeType::add_learner);
    // Example: remove-voter 1 node=3   (also removes a learner)
    if (cmd.name == "remove-voter") return change(cmd, ConfChangeType::remove_node);
    return "unknown command " + cmd.name;
}

std::string Handler::add_nodes(const DdCommand& cmd) {
    const uint64_t count = std::stoull(cmd.positional().at(0));
    Membership initial{id_list(cmd.values("voters")), id_list(cmd.values("learners"))};
    NodeOptions o;
    o.pre_vote = cmd.get("pre-vote", "true") == "true";
    o.check_quorum = cmd.get("check-quorum", "true") == "true";
    o.election_ticks = static_cast<uint32_t>(cmd.get_uint("election", 10));
    o.heartbeat_ticks = static_cast<uint32_t>(cmd.get_uint("heartbeat", 1));
    o.append_entries_max = static_cast<uint32_t>(cmd.get_uint("max-entries", 64));
    o.append_bytes_max = cmd.get_uint("max-bytes", 1 << 20);
    o.inflight_max = static_cast<uint32_t>(cmd.get_uint("inflight", 256));
    o.snapshot_chunk_size_max = cmd.get_uint("chunk", 1 << 20);
    const auto existing = cluster_.ids();
    uint64_t next = existing.empty() ? 1 : existing.back().value + 1;
    for (uint64_t i = 0; i < count; ++i) {
        cluster_.add_node(NodeId{next + i}, initial, o);
    }
    return "";
}

std::string Handler::tick(const DdCommand& cmd) {
    const uint64_t n = cmd.get_uint("n", 1);
    for (const std::string& id : cmd.positional()) {
        for (uint64_t i = 0; i < n; ++i) {
            cluster_.core(node_arg(id)).tick();
        }
    }
    return "";
}

std::string Handler::propose(const DdCommand& cmd) {
    const auto pos = cmd.positional();
    const std::string& data = pos.at(1);
    auto r = cluster_.core(node_arg(pos.at(0))).propose(std::as_bytes(std::span(data)));
    return r.ok() ? "index=" + std::to_string(r.value().value) : describe(r.error());
}

std::string Handler::change(const DdCommand& cmd, ConfChangeType type) {
    auto r = cluster_.core(node_arg(cmd.positional().at(0)))
                 .propose_change(ConfChange{type, node_arg(cmd.get("node"))});
    return r.ok() ? "index=" + std::to_string(r.value().value) : describe(r.error());
}

std::string Handler::partition(const DdCommand& cmd) {
    std::vector<std::set<NodeId>> groups;
    for (const std::string& group : cmd.positional()) {
        std::vector<std::string> ids;
        std::stringstream ss(group.substr(1, group.size() - 2));
        for (std::string id; std::getline(ss, id, ',');) {
            ids.push_back(id);
        }
        groups.push_back(id_set(ids));
    }
    cluster_.partition(std::move(groups));
    return "";
}

// Prints one line per node: role, term, leader and commit index.
std::string Handler::run_rounds(const DdCommand& cmd) {
    const uint64_t rounds = cmd.get_uint("n", 1);
    for (uint64_t i = 0; i < rounds; ++i) {
        for (NodeId id : cluster_.ids()) {
            cluster_.core(id).tick();
        }
        static_cast<void>(cluster_.stabilize({}));
    }
    std::string out;
    for (NodeId id : cluster_.ids()) {
        const Core& core = cluster_.core(id);
        out += std::to_string(id.value) + " " + std::string(role_name(core.role())) +
               " term=" + std::to_string(core.term().value) +
               " leader=" + std::to_string(core.leader().value) +
               " commit=" + std::to_string(core.commit_index().value) + "\n";
    }
    return out;
}

class ConsensusDataDriven : public ::testing::TestWithParam<std::string> {};

TEST_P(ConsensusDataDriven, Run) {
    Handler handler;
    datadriven::run_file(GetParam(), [&](const DdCommand& cmd) { return handler.run(cmd); });
}

INSTANTIATE_TEST_SUITE_P(Files, ConsensusDataDriven,
                         ::testing::ValuesIn(datadriven::files_in(WD_CONSENSUS_TESTDATA_DIR)),
                         datadriven::test_name);

}  // namespace
}  // namespace wd::consensus::testing
