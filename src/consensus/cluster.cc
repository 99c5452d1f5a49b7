#include "consensus/cluster.h"

#include <sstream>

namespace wd::consensus::testing {
namespace {

std::string indent(const std::string& text) {
    std::string out;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) {
        out += "  " + line + "\n";
    }
    return out;
}

}  // namespace

std::string encode_applied(const Applied& applied, LogIndex through) {
    std::string out;
    for (const auto& [index, data] : applied) {
        if (index <= through) {
            out += std::to_string(index.value) + ":" + data + ";";
        }
    }
    return out;
}

Applied decode_applied(const std::string& data) {
    Applied out;
    std::stringstream ss(data);
    for (std::string item; std::getline(ss, item, ';');) {
        const size_t colon = item.find(':');
        out.emplace_back(LogIndex{std::stoull(item.substr(0, colon))}, item.substr(colon + 1));
    }
    return out;
}

void Cluster::add_node(NodeId id, const Membership& initial, const NodeOptions& options) {
    WD_ASSERT(!nodes_.contains(id));
    auto node = std::make_unique<Node>();
    node->id = id;
    node->initial = initial;
    node->options = options;
    Node& n = *node;
    nodes_.emplace(id, std::move(node));
    const std::string error = start_core(n);
    WD_ASSERT(error.empty());
}

std::string Cluster::start_core(Node& n) {
    CoreConfig config;
    config.id = n.id;
    config.membership_initial = n.initial;
    config.applied_index = n.applied.empty() ? n.storage.snapshot_meta().index
                                             : n.applied.back().first;
    config.election_ticks = n.options.election_ticks;
    config.heartbeat_ticks = n.options.heartbeat_ticks;
    config.pre_vote = n.options.pre_vote;
    config.check_quorum = n.options.check_quorum;
    config.append_entries_max = n.options.append_entries_max;
    config.append_bytes_max = n.options.append_bytes_max;
    config.inflight_append_msgs_max = n.options.inflight_max;
    config.snapshot_chunk_size_max = n.options.snapshot_chunk_size_max;
    Rng rng(seed_ * 1000003 + n.id.value * 7919 + n.restarts);
    auto core = Core::make(config, n.storage.hard_state(), n.storage, rng);
    if (!core.ok()) {
        return core.error().to_string();
    }
    n.core.emplace(std::move(core).value());
    return "";
}

std::vector<NodeId> Cluster::ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, node] : nodes_) {
        out.push_back(id);
    }
    return out;
}

bool Cluster::reachable(NodeId from, NodeId to) const {
    if (groups_.empty()) {
        return true;
    }
    for (const auto& group : groups_) {
        if (group.contains(from) && group.contains(to)) {
            return true;
        }
    }
    return false;
}

std::string Cluster::process_ready(NodeId id) {
    Node& n = *nodes_.at(id);
    Core& core = *n.core;
    if (!core.has_ready()) {
        return "";
    }
    Ready r = core.ready();
    std::string out = describe(r);
    // The Ready contract: snapshot, then entries and hard state, then send, then apply.
    if (r.snapshot) {
        n.storage.apply_snapshot(*r.snapshot);
        n.applied = decode_applied(r.snapshot->data);
        n.installs += 1;
    }
    n.storage.append(r.entries);
    if (r.hard_state) {
        n.storage.set_hard_state(*r.hard_state);
    }
    network_.insert(network_.end(), r.messages.begin(), r.messages.end());
    for (const Entry& e : r.committed) {
        WD_ASSERT(n.applied.empty() || n.applied.back().first < e.index);
        if (e.type == EntryType::normal) {
            n.applied.emplace_back(e.index, e.data);
        }
    }
    core.advance(r);
    return out;
}

std::string Cluster::deliver_at(size_t position) {
    WD_ASSERT(position < network_.size());
    Message m = std::move(network_[position]);
    network_.erase(network_.begin() + static_cast<ptrdiff_t>(position));
    if (!reachable(m.from, m.to) || !nodes_.contains(m.to)) {
        return "dropped: " + describe(m);
    }
    auto result = nodes_.at(m.to)->core->step(m);
    if (!result.ok()) {
        return describe(m) + " -> " + result.error().to_string();
    }
    return describe(m);
}

std::string Cluster::deliver(const std::set<NodeId>& to, const std::set<NodeId>& drop) {
    std::string out;
    // Bounded: every iteration removes one message queued before this call.
    size_t remaining = network_.size();
    size_t position = 0;
    while (remaining > 0) {
        remaining -= 1;
        const Message& m = network_[position];
        if (!to.empty() && !to.contains(m.to)) {
            position += 1;
            continue;
        }
        if (drop.contains(m.to)) {
            out += "dropped: " + describe(m) + "\n";
            network_.erase(network_.begin() + static_cast<ptrdiff_t>(position));
            continue;
        }
        out += deliver_at(position) + "\n";
    }
    return out;
}

std::string Cluster::stabilize(const std::set<NodeId>& only) {
    std::string out;
    for (int round = 0; round < 1000; ++round) {
        bool idle = true;
        for (NodeId id : ids()) {
            if (!only.empty() && !only.contains(id)) {
                continue;
            }
            const std::string ready = process_ready(id);
            if (!ready.empty()) {
                idle = false;
                out += "> " + std::to_string(id.value) + " handling Ready\n" + indent(ready);
            }
        }
        for (NodeId id : ids()) {
            if (!only.empty() && !only.contains(id)) {
                continue;
            }
            const std::string got = deliver({id}, {});
            if (!got.empty()) {
                idle = false;
                out += "> " + std::to_string(id.value) + " receiving messages\n" + indent(got);
            }
        }
        if (idle) {
            return out;
        }
    }
    return out + "stabilize: did not settle in 1000 rounds\n";
}

std::string Cluster::compact(NodeId id, LogIndex index) {
    Node& n = *nodes_.at(id);
    if (index > n.core->applied_index()) {
        return "error: index beyond the applied index";
    }
    std::string data = encode_applied(n.applied, index);
    auto meta = n.core->snapshot_meta_at(index, data.size());
    if (!meta.ok()) {
        return "error: " + meta.error().to_string();
    }
    auto done = n.storage.compact(meta.value(), std::move(data));
    if (!done.ok()) {
        return "error: " + done.error().to_string();
    }
    return "snapshot " + describe(meta.value());
}

std::string Cluster::restart(NodeId id) {
    Node& n = *nodes_.at(id);
    n.restarts += 1;
    n.core.reset();
    const std::string error = start_core(n);
    return error.empty() ? "" : "error: " + error;
}

std::string Cluster::raft_log(NodeId id) const {
    const Node& n = *nodes_.at(id);
    std::string out;
    const SnapshotMeta snap = n.storage.snapshot_meta();
    if (snap.index > LogIndex{0}) {
        out += "snapshot " + describe(snap) + "\n";
    }
    const LogIndex first = n.storage.first_index();
    const LogIndex last = n.storage.last_index();
    if (first > last) {
        return out + "log is empty\n";
    }
    auto entries = n.storage.entries(first, last + 1, UINT64_MAX);
    for (const Entry& e : entries.value()) {
        out += describe(e) + "\n";
    }
    return out;
}

}  // namespace wd::consensus::testing
