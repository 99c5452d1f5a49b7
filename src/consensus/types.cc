#include "consensus/types.h"

#include <algorithm>

#include "base/coding.h"

namespace wd::consensus {
namespace {

bool sorted_contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::binary_search(ids.begin(), ids.end(), id);
}

void insert_sorted(std::vector<NodeId>& ids, NodeId id) {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) {
        ids.insert(it, id);
    }
}

void erase_sorted(std::vector<NodeId>& ids, NodeId id) {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it != ids.end() && *it == id) {
        ids.erase(it);
    }
}

std::string id_list(const std::vector<NodeId>& ids) {
    std::string out = "(";
    for (size_t i = 0; i < ids.size(); ++i) {
        out += (i == 0 ? "" : ",") + std::to_string(ids[i].value);
    }
    return out + ")";
}

std::string_view conf_change_name(ConfChangeType type) {
    switch (type) {
        case ConfChangeType::add_voter:
            return "add_voter";
        case ConfChangeType::add_learner:
            return "add_learner";
        case ConfChangeType::remove_node:
            return "remove_node";
    }
    return "unknown";
}

}  // namespace

bool Membership::is_voter(NodeId id) const { return sorted_contains(voters, id); }
bool Membership::is_learner(NodeId id) const { return sorted_contains(learners, id); }

std::string encode_conf_change(const ConfChange& change) {
    std::string out(1, static_cast<char>(change.type));
    put_u64_le(out, change.node.value);
    return out;
}

std::optional<ConfChange> decode_conf_change(std::string_view data) {
    if (data.size() != 9) {
        return std::nullopt;
    }
    const auto type = static_cast<uint8_t>(data[0]);
    if (type < 1 || type > 3) {
        return std::nullopt;
    }
    return ConfChange{static_cast<ConfChangeType>(type), NodeId{load_u64_le(data.data() + 1)}};
}

Membership apply_conf_change(const Membership& membership, const ConfChange& change) {
    Membership out = membership;
    switch (change.type) {
        case ConfChangeType::add_voter:
            erase_sorted(out.learners, change.node);
            insert_sorted(out.voters, change.node);
            break;
        case ConfChangeType::add_learner:
            if (!out.is_voter(change.node)) {
                insert_sorted(out.learners, change.node);
            }
            break;
        case ConfChangeType::remove_node:
            erase_sorted(out.voters, change.node);
            erase_sorted(out.learners, change.node);
            break;
    }
    return out;
}

std::string describe(const ConfChange& change) {
    return std::string(conf_change_name(change.type)) + " " + std::to_string(change.node.value);
}

std::string describe(const Entry& entry) {
    std::string out = std::to_string(entry.term.value) + "/" + std::to_string(entry.index.value);
    switch (entry.type) {
        case EntryType::normal:
            return out + " \"" + entry.data + "\"";
        case EntryType::noop:
            return out + " noop";
        case EntryType::config: {
            auto change = decode_conf_change(entry.data);
            return out + " config " + (change ? describe(*change) : std::string("invalid"));
        }
    }
    return out + " unknown";
}

std::string describe(const Membership& membership) {
    std::string out = "voters=" + id_list(membership.voters);
    if (!membership.learners.empty()) {
        out += " learners=" + id_list(membership.learners);
    }
    return out;
}

std::string describe(const SnapshotMeta& meta) {
    return "index=" + std::to_string(meta.index.value) + " term=" +
           std::to_string(meta.term.value) + " " + describe(meta.membership) +
           " bytes=" + std::to_string(meta.size_bytes);
}

std::string describe(const HardState& state) {
    return "term=" + std::to_string(state.term.value) + " vote=" +
           std::to_string(state.vote.value) + " commit=" +
           std::to_string(state.commit_index.value);
}

}  // namespace wd::consensus
