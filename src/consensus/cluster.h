// An in-memory cluster of cores for tests: each node has a MemoryStorage and a toy state
// machine (the list of applied normal entries); messages wait in one network queue until a
// test delivers, drops or reorders them. Test-only code; the driver contract it follows is the
// one in core.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consensus/core.h"

namespace wd::consensus::testing {

struct NodeOptions {
    bool pre_vote = true;
    bool check_quorum = true;
    uint32_t election_ticks = 10;
    uint32_t heartbeat_ticks = 1;
    uint32_t append_entries_max = 64;
    uint64_t append_bytes_max = 1 << 20;
    uint32_t inflight_max = 256;
    uint64_t snapshot_chunk_size_max = 1 << 20;
};

using Applied = std::vector<std::pair<LogIndex, std::string>>;

class Cluster {
public:
    explicit Cluster(uint64_t seed) : seed_(seed) {}

    void add_node(NodeId id, const Membership& initial, const NodeOptions& options);
    bool has(NodeId id) const { return nodes_.contains(id); }
    Core& core(NodeId id) { return *nodes_.at(id)->core; }
    std::vector<NodeId> ids() const;
    const Applied& applied(NodeId id) const { return nodes_.at(id)->applied; }
    std::vector<Message>& network() { return network_; }
    // How many snapshots the node installed (its applied list was replaced that many times).
    uint64_t snapshots_installed(NodeId id) const { return nodes_.at(id)->installs; }

    // Takes, follows and advances one Ready; returns its description ("" when none).
    std::string process_ready(NodeId id);
    // Delivers (or drops, for recipients in `drop`) every queued message to a node in `to`
    // (all nodes when empty); returns one line per message.
    std::string deliver(const std::set<NodeId>& to, const std::set<NodeId>& drop);
    // Delivers the queued message at `position`; returns its description.
    std::string deliver_at(size_t position);
    // Processes Readies and delivers messages until nothing is left (bounded rounds).
    std::string stabilize(const std::set<NodeId>& only);

    // Messages between nodes of different groups are dropped at delivery.
    void partition(std::vector<std::set<NodeId>> groups) { groups_ = std::move(groups); }
    void heal() { groups_.clear(); }
    bool reachable(NodeId from, NodeId to) const;

    // Compacts the node's storage up to `index` (<= its applied index).
    std::string compact(NodeId id, LogIndex index);
    // Recreates the core from what the node persisted; unpersisted state is lost.
    std::string restart(NodeId id);
    std::string raft_log(NodeId id) const;

private:
    struct Node {
        NodeId id;
        Membership initial;
        NodeOptions options;
        MemoryStorage storage;
        std::optional<Core> core;
        Applied applied;
        uint64_t restarts = 0;
        uint64_t installs = 0;
    };
    std::string start_core(Node& node);

    uint64_t seed_;
    std::map<NodeId, std::unique_ptr<Node>> nodes_;
    std::vector<Message> network_;
    std::vector<std::set<NodeId>> groups_;
};

// The toy state machine's snapshot: "index:data;" for every applied normal entry.
std::string encode_applied(const Applied& applied, LogIndex through);
Applied decode_applied(const std::string& data);

}  // namespace wd::consensus::testing
