// Private: the state behind DataTree and the primitives every write goes through.
//
// Every mutation of `nodes` goes through insert_node / append_node / erase_node / add_child /
// remove_child / save_node, which keep the derived indices (ephemerals by owner, containers,
// TTL nodes, byte and ephemeral counts) in step and, while a multi runs, record an undo entry
// so that a failed multi can be rolled back exactly (ZooKeeper's multi is all or nothing).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proto/records.h"
#include "tree/data_tree.h"

namespace wd::tree::detail {

inline constexpr std::string_view root_path = "/";
inline constexpr std::string_view proc_path = "/zookeeper";
inline constexpr std::string_view quota_path = "/zookeeper/quota";
inline constexpr std::string_view config_path = "/zookeeper/config";
inline constexpr std::string_view limit_node = "zookeeper_limits";
inline constexpr std::string_view stat_node = "zookeeper_stats";

// EphemeralType.java: the owner values that mark containers and TTL nodes.
inline constexpr int64_t container_owner = INT64_MIN;
inline constexpr uint64_t extended_mask = 0xff00000000000000ull;
inline constexpr uint64_t reserved_bits_mask = 0x00ffff0000000000ull;
inline constexpr int64_t ttl_max = 0x000000ffffffffffll;

enum class NodeKind : uint8_t { persistent, ephemeral, container, ttl };

// EphemeralType.get: TTL owners are recognised only with extended types enabled; otherwise
// they read as ordinary ephemeral owners, as in ZooKeeper.
NodeKind node_kind(int64_t ephemeral_owner, bool extended_types_enabled);

// A node's ACL. A list is immutable once made, so nodes with equal ACLs can share one: a
// create shares its parent's list when they are equal, and a snapshot load shares the previous
// node's. A tree of a million nodes with one ACL then holds one list, not a million copies
// (ZooKeeper's ReferenceCountedACLCache has the same purpose).
using AclList = std::shared_ptr<const std::vector<proto::Acl>>;
inline AclList make_acl_list(std::vector<proto::Acl> acl) {
    return std::make_shared<const std::vector<proto::Acl>>(std::move(acl));
}

// A node's child names, in order. Most znodes are leaves, so the set is allocated with the
// first child: an empty std::set alone is 48 bytes, a tenth of a leaf's whole footprint.
class ChildSet {
public:
    using Set = std::set<std::string, std::less<>>;

    ChildSet() = default;
    ChildSet(ChildSet&&) noexcept = default;
    ChildSet& operator=(ChildSet&&) noexcept = default;
    ChildSet(const ChildSet& other)
        : set_(other.set_ ? std::make_unique<Set>(*other.set_) : nullptr) {}
    ChildSet& operator=(const ChildSet& other) {
        if (this != &other) {
            set_ = other.set_ ? std::make_unique<Set>(*other.set_) : nullptr;
        }
        return *this;
    }

    bool empty() const { return set_ == nullptr || set_->empty(); }
    size_t size() const { return set_ == nullptr ? 0 : set_->size(); }
    Set::const_iterator begin() const { return set_ ? set_->begin() : empty_set().begin(); }
    Set::const_iterator end() const { return set_ ? set_->end() : empty_set().end(); }
    // False when the name was there already.
    bool insert(std::string name) { return mutable_set().insert(std::move(name)).second; }
    // REQUIRES: name sorts after every name in the set (a snapshot load).
    void append(std::string name) {
        Set& set = mutable_set();
        set.emplace_hint(set.end(), std::move(name));
    }
    // The number of names removed (0 or 1); the set is freed with its last name.
    size_t erase(std::string_view name) {
        if (set_ == nullptr) {
            return 0;
        }
        auto it = set_->find(name);
        if (it == set_->end()) {
            return 0;
        }
        set_->erase(it);
        if (set_->empty()) {
            set_.reset();
        }
        return 1;
    }

private:
    static const Set& empty_set() {
        static const Set set;
        return set;
    }
    Set& mutable_set() {
        if (set_ == nullptr) {
            set_ = std::make_unique<Set>();
        }
        return *set_;
    }
    std::unique_ptr<Set> set_;
};

// A znode. `cversion` is ZooKeeper's persisted cversion: the number of child creates. The
// client-visible cversion is derived from it (see client_stat).
struct Node {
    proto::Data data;
    AclList acl_list;  // never null in a node of the tree
    int64_t czxid = 0;
    int64_t mzxid = 0;
    int64_t ctime = 0;
    int64_t mtime = 0;
    int32_t version = 0;
    int32_t cversion = 0;
    int32_t aversion = 0;
    int64_t ephemeral_owner = 0;
    int64_t pzxid = 0;
    ChildSet children;

    size_t data_size() const { return data ? data->size() : 0; }
    const std::vector<proto::Acl>& acl() const {
        WD_ASSERT(acl_list != nullptr);
        return *acl_list;
    }
};

// DataNode.copyStat: cversion is reported as cversion*2 - numChildren (every create but the
// ones still present was followed by a delete), and only ordinary ephemerals report their
// owner; containers and TTL nodes report 0.
proto::Stat client_stat(const Node& node, bool extended_types_enabled);

// ContainerManager.getCandidates: an empty container that had children (or was never used
// for longer than the configured interval), or an empty TTL node not modified for longer than
// its TTL.
bool cleanup_eligible(const Node& node, int64_t now_ms, const Options& options);

struct Undo {
    enum class Kind : uint8_t { inserted, erased, child_added, child_removed, saved };
    Kind kind = Kind::inserted;
    std::string path;
    std::string name;  // child name for child_added / child_removed
    Node node;         // erased: the node; saved: the node before the change (no children)
};

int32_t wrap_add(int32_t value, int32_t delta);

struct Impl {
    // An empty tree (no nodes at all); init_system_nodes() adds ZooKeeper's four.
    explicit Impl(Options options_in) : options(options_in) {}
    void init_system_nodes();

    Options options;
    std::map<std::string, Node, std::less<>> nodes;
    std::map<int64_t, SessionInfo> sessions;
    std::map<int64_t, std::set<std::string, std::less<>>> ephemerals;
    std::set<std::string, std::less<>> containers;
    std::set<std::string, std::less<>> ttls;
    int64_t last_zxid = 0;
    uint64_t data_bytes = 0;
    size_t ephemeral_count = 0;
    std::vector<Undo>* undo = nullptr;  // set while a multi applies

    // "" is an alias of "/" (DataTree keeps both keys).
    const Node* find(std::string_view path) const;
    Node* find_mut(std::string_view path);

    // Returns the inserted node, which stays at the same address until it is erased.
    Node& insert_node(const std::string& path, Node node);
    // Bulk loading (snapshot.cc): insert_node for a path that sorts after every path already
    // in `nodes`, in amortised constant time; returns the inserted entry, whose key and node
    // stay at the same address until erased. REQUIRES: no multi is applying (no undo).
    std::pair<const std::string, Node>& append_node(std::string_view path, Node node);
    void erase_node(const std::string& path);
    void add_child(const std::string& parent, const std::string& name);
    // The same when the caller holds the parent. REQUIRES: parent_node is find(parent).
    void add_child(const std::string& parent, Node& parent_node, const std::string& name);
    void remove_child(const std::string& parent, const std::string& name);
    // Records `path`'s fields before the caller changes data, ACL or stat.
    void save_node(const std::string& path);
    // save_node, then replaces the data (keeps data_bytes current); Stat is left alone.
    void replace_data(const std::string& path, proto::Data data);
    void rollback(std::vector<Undo>& log);

    // ---- quotas (quota.cc) ----
    // The deepest path that has a quota and is a prefix of `path`, or "" (getMaxPrefixWithQuota).
    std::string quota_prefix(std::string_view path) const;
    void update_quota_stat(const std::string& prefix, int64_t bytes_diff, int64_t count_diff);
    void recompute_quota_stat(const std::string& stat_path, std::string_view real_path);
    Code check_quota(std::string_view path, int64_t bytes_diff, int64_t count_diff) const;

    // ---- writes (apply.cc) ----
    ApplyResult apply(const Entry& entry);

private:
    void index_add(const std::string& path, const Node& node);
    void index_remove(const std::string& path, const Node& node);
    void log(Undo undo_entry);
};

}  // namespace wd::tree::detail

namespace wd::tree {
struct DataTree::Impl : detail::Impl {
    using detail::Impl::Impl;
};
}  // namespace wd::tree
