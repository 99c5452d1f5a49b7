// Quotas as ZooKeeper 3.8 keeps them (DataTree.updateQuotaStat / updateQuotaForPath,
// ZooKeeperServer.checkQuota, StatsTrack, Quotas, PathTrie).
//
// A path P has a quota while the node /zookeeper/quota<P>/zookeeper_limits exists; ZooKeeper
// mirrors that in a trie, here it is looked up directly. /zookeeper/quota<P>/zookeeper_stats
// holds the live usage of P's subtree (P included) in StatsTrack text, rewritten on every
// create, delete and setData below P without touching the stats node's Stat.
#include "tree/quota.h"

#include <algorithm>

#include "tree/tree_impl.h"

namespace wd::tree {

namespace {

std::vector<std::string_view> split_keep_inner(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    const size_t pieces_max = s.size() + 1;
    for (size_t guard = 0; guard < pieces_max; ++guard) {
        size_t at = s.find(sep);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) {
            break;
        }
        s = s.substr(at + 1);
    }
    while (!parts.empty() && parts.back().empty()) {
        parts.pop_back();  // Java's String.split drops trailing empty strings
    }
    return parts;
}

// Long.parseLong: optional sign, then digits, within int64.
std::optional<int64_t> parse_long(std::string_view s) {
    bool negative = !s.empty() && s[0] == '-';
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        s.remove_prefix(1);
    }
    if (s.empty() || s.size() > 19) {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) {
        return std::nullopt;
    }
    return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

}  // namespace

StatsTrack StatsTrack::parse(std::string_view text) {
    StatsTrack track;
    std::string normalized(text);
    std::replace(normalized.begin(), normalized.end(), ';', ',');
    for (std::string_view pair : split_keep_inner(normalized, ',')) {
        std::vector<std::string_view> kv = split_keep_inner(pair, '=');
        if (kv.size() < 2) {
            continue;  // ZooKeeper throws here; we skip the malformed pair
        }
        std::optional<int64_t> value =
            kv[1].empty() ? std::optional<int64_t>(-1) : parse_long(kv[1]);
        if (value) {
            track.values_[std::string(kv[0])] = *value;
        }
    }
    return track;
}

int64_t StatsTrack::get(std::string_view key) const {
    auto it = values_.find(key);
    return it == values_.end() ? -1 : it->second;
}

void StatsTrack::set(std::string_view key, int64_t value) {
    values_[std::string(key)] = value;
}

std::string StatsTrack::to_string() const {
    std::string out = "count=" + std::to_string(count()) + ",bytes=" + std::to_string(bytes());
    bool first = true;
    for (const auto& [key, value] : values_) {
        if (key == "count" || key == "bytes") {
            continue;
        }
        if (first) {
            out += '=';  // keeps pre-3.7 parsers reading count and bytes only
            first = false;
        }
        out += ';' + key + '=' + std::to_string(value);
    }
    return out;
}

namespace detail {

std::string Impl::quota_prefix(std::string_view path) const {
    const Node* quota_root = find(quota_path);
    if (quota_root == nullptr || quota_root->children.empty()) {
        return {};
    }
    // PathTrie.split: components that are empty after Java's trim() are dropped.
    std::vector<std::string_view> parts;
    for (std::string_view part : split_keep_inner(path, '/')) {
        if (std::any_of(part.begin(), part.end(),
                        [](char c) { return static_cast<unsigned char>(c) > ' '; })) {
            parts.push_back(part);
        }
    }
    for (size_t n = parts.size(); n > 0; --n) {
        std::string prefix;
        for (size_t i = 0; i < n; ++i) {
            prefix += '/';
            prefix += parts[i];
        }
        std::string limit = std::string(quota_path) + prefix + '/' + std::string(limit_node);
        if (find(limit) != nullptr) {
            return prefix;
        }
    }
    return {};
}

void Impl::update_quota_stat(const std::string& prefix, int64_t bytes_diff, int64_t count_diff) {
    std::string stat_path = std::string(quota_path) + prefix + '/' + std::string(stat_node);
    Node* node = find_mut(stat_path);
    if (node == nullptr) {
        return;  // ZooKeeper logs "Missing node for stat" and goes on
    }
    StatsTrack track = StatsTrack::parse(node->data.view());
    track.set_count(track.count() + count_diff);
    track.set_bytes(track.bytes() + bytes_diff);
    replace_data(stat_path, track.to_string());
}

void Impl::recompute_quota_stat(const std::string& stat_path, std::string_view real_path) {
    int64_t count = 0;
    int64_t bytes = 0;
    // "" is the root: the quota covers the whole tree.
    if (const Node* top = find(real_path); top != nullptr) {
        walk(std::string(real_path), *top, [&](std::string_view, const Node& node) {
            ++count;
            bytes += static_cast<int64_t>(node.data_size());
        });
    }
    StatsTrack track;
    track.set_bytes(bytes);
    track.set_count(count);
    replace_data(stat_path, track.to_string());
}

Code Impl::check_quota(std::string_view path, int64_t bytes_diff, int64_t count_diff) const {
    if (!options.enforce_quota) {
        return Code::ok;
    }
    std::string prefix = quota_prefix(path);
    if (prefix.empty()) {
        return Code::ok;
    }
    const std::string base = std::string(quota_path) + prefix + '/';
    const Node* limit_node_ptr = find(base + std::string(limit_node));
    if (limit_node_ptr == nullptr) {
        return Code::ok;
    }
    StatsTrack limits = StatsTrack::parse(limit_node_ptr->data.view());
    bool check_count = count_diff != 0 && (limits.count() > -1 || limits.count_hard() > -1);
    bool check_bytes = bytes_diff != 0 && (limits.bytes() > -1 || limits.bytes_hard() > -1);
    const Node* stats_node = find(base + std::string(stat_node));
    if ((!check_count && !check_bytes) || stats_node == nullptr) {
        return Code::ok;
    }
    StatsTrack current = StatsTrack::parse(stats_node->data.view());
    // Soft limits (count, bytes) only log in ZooKeeper; hard limits refuse.
    if (check_count && limits.count_hard() > -1 &&
        current.count() + count_diff > limits.count_hard()) {
        return Code::quota_exceeded;
    }
    if (check_bytes && limits.bytes_hard() > -1 &&
        current.bytes() + bytes_diff > limits.bytes_hard()) {
        return Code::quota_exceeded;
    }
    return Code::ok;
}

}  // namespace detail

}  // namespace wd::tree
