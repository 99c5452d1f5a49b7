// Private: the state behind DataTree and the primitives every write goes through.
//
// Every mutation of the tree goes through insert_node / insert_child / erase_node / save_node /
// replace_data, which keep the derived indices (ephemerals by owner, containers,
// TTL nodes, byte and ephemeral counts) in step and, while a multi runs, record an undo entry
// so that a failed multi can be rolled back exactly (ZooKeeper's multi is all or nothing).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/coding.h"
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
//
// One pointer to a counted block: a std::shared_ptr is two, and this handle is in every node.
// The count is not atomic; a tree belongs to one thread (a snapshot is written by a forked
// child, from its own copy of the memory).
class AclList {
public:
    AclList() = default;
    explicit AclList(std::vector<proto::Acl> acl) : block_(new Block{1, std::move(acl)}) {}
    AclList(const AclList& other) noexcept : block_(other.block_) {
        if (block_ != nullptr) {
            ++block_->refs;
        }
    }
    AclList(AclList&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    AclList& operator=(AclList other) noexcept {
        std::swap(block_, other.block_);
        return *this;
    }
    ~AclList() {
        if (block_ != nullptr && --block_->refs == 0) {
            delete block_;
        }
    }

    bool empty_handle() const { return block_ == nullptr; }
    // REQUIRES: !empty_handle().
    const std::vector<proto::Acl>& operator*() const { return block_->acl; }
    // For tests: the number of handles to this list, and whether two handles share one.
    size_t use_count() const { return block_ == nullptr ? 0 : block_->refs; }
    bool same_list(const AclList& other) const { return block_ == other.block_; }

private:
    struct Block {
        size_t refs;
        const std::vector<proto::Acl> acl;
    };
    Block* block_ = nullptr;
};
static_assert(sizeof(AclList) == sizeof(void*));

inline AclList make_acl_list(std::vector<proto::Acl> acl) {
    return AclList(std::move(acl));
}

// A node's data: null (ZooKeeper's null data, distinct from empty), or bytes. One pointer in
// the node, to a u32 length followed by the bytes in one allocation; empty data points at a
// shared zero length. std::optional<std::string> takes 40 bytes in every node.
class NodeData {
public:
    NodeData() = default;
    explicit NodeData(std::string_view bytes) { assign(bytes); }
    explicit NodeData(const proto::Data& data) {
        if (data) {
            assign(*data);
        }
    }
    NodeData(NodeData&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    NodeData& operator=(NodeData&& other) noexcept {
        if (this != &other) {
            release();
            block_ = std::exchange(other.block_, nullptr);
        }
        return *this;
    }
    NodeData(const NodeData& other) {
        if (other.has_value()) {
            assign(other.view());
        }
    }
    NodeData& operator=(const NodeData& other) {
        if (this != &other) {
            *this = NodeData(other);
        }
        return *this;
    }
    ~NodeData() { release(); }

    bool has_value() const { return block_ != nullptr; }
    size_t size() const { return block_ == nullptr ? 0 : load_u32_le(block_); }
    // Empty for null data.
    std::string_view view() const { return {block_ == nullptr ? "" : block_ + 4, size()}; }
    proto::Data to_data() const {
        return has_value() ? proto::Data(std::string(view())) : proto::Data();
    }

private:
    static char* empty_block() {
        alignas(4) static char zero[4] = {0, 0, 0, 0};
        return zero;
    }
    void assign(std::string_view bytes) {
        if (bytes.empty()) {
            block_ = empty_block();
            return;
        }
        WD_ASSERT(bytes.size() <= UINT32_MAX);
        block_ = new char[4 + bytes.size()];
        store_u32_le(block_, static_cast<uint32_t>(bytes.size()));
        std::memcpy(block_ + 4, bytes.data(), bytes.size());
    }
    void release() {
        if (block_ != nullptr && block_ != empty_block()) {
            delete[] block_;
        }
        block_ = nullptr;
    }
    char* block_ = nullptr;
};

struct Node;
// A node's children, keyed by name. A znode is stored once, as the value of its name in its
// parent's map: no node holds its own path, and a path is found by walking its names from
// the root (Impl::find).
using ChildMap = std::map<std::string, Node, std::less<>>;

// A node's children in name order. Most znodes are leaves, so the map is allocated with the
// first child: an empty std::map alone is 48 bytes. Children stay at the same address until
// they are erased.
class Children {
public:
    bool empty() const;
    size_t size() const;
    // Iterators of ChildMap, over (name, node) pairs (deduced: Node is incomplete here).
    auto begin() const;
    auto end() const;
    const Node* find(std::string_view name) const;
    Node* find(std::string_view name);
    // The inserted child, or nullptr when the name is there already. In constant time when
    // `name` sorts after every name in the map (a snapshot load).
    Node* insert(std::string_view name, Node node);
    // Removes the child and returns it. REQUIRES: the name is there.
    Node extract(std::string_view name);

private:
    std::unique_ptr<ChildMap> map_;  // null when empty
};

// A znode. `cversion` is ZooKeeper's persisted cversion: the number of child creates. The
// client-visible cversion is derived from it (see client_stat).
struct Node {
    NodeData data;
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
    Children children;

    size_t data_size() const { return data.size(); }
    const std::vector<proto::Acl>& acl() const {
        WD_ASSERT(!acl_list.empty_handle());
        return *acl_list;
    }
};

inline bool Children::empty() const {
    return map_ == nullptr;
}
inline size_t Children::size() const {
    return map_ == nullptr ? 0 : map_->size();
}
inline const ChildMap& no_children() {
    static const ChildMap none;
    return none;
}
inline auto Children::begin() const {
    return map_ != nullptr ? map_->cbegin() : no_children().cbegin();
}
inline auto Children::end() const {
    return map_ != nullptr ? map_->cend() : no_children().cend();
}
inline const Node* Children::find(std::string_view name) const {
    if (map_ == nullptr) {
        return nullptr;
    }
    auto it = map_->find(name);
    return it == map_->end() ? nullptr : &it->second;
}
inline Node* Children::find(std::string_view name) {
    return const_cast<Node*>(std::as_const(*this).find(name));
}

// DataNode.copyStat: cversion is reported as cversion*2 - numChildren (every create but the
// ones still present was followed by a delete), and only ordinary ephemerals report their
// owner; containers and TTL nodes report 0.
proto::Stat client_stat(const Node& node, bool extended_types_enabled);

// ContainerManager.getCandidates: an empty container that had children (or was never used
// for longer than the configured interval), or an empty TTL node not modified for longer than
// its TTL.
bool cleanup_eligible(const Node& node, int64_t now_ms, const Options& options);

struct Undo {
    enum class Kind : uint8_t { inserted, erased, saved };
    Kind kind = Kind::inserted;
    std::string path;
    Node node;  // erased: the node; saved: the node before the change (no children)
};

int32_t wrap_add(int32_t value, int32_t delta);

struct Impl {
    // An empty tree (no nodes at all); init_system_nodes() adds ZooKeeper's four.
    explicit Impl(Options options_in) : options(options_in) {}
    void init_system_nodes();

    Options options;
    std::unique_ptr<Node> root;  // null only in an empty tree
    size_t node_count = 0;
    std::map<int64_t, SessionInfo> sessions;
    std::map<int64_t, std::set<std::string, std::less<>>> ephemerals;
    std::set<std::string, std::less<>> containers;
    std::set<std::string, std::less<>> ttls;
    int64_t last_zxid = 0;
    uint64_t data_bytes = 0;
    size_t ephemeral_count = 0;
    std::vector<Undo>* undo = nullptr;  // set while a multi applies

    // Walks the path's names from the root. "" is an alias of "/" (ZooKeeper's DataTree keeps
    // both keys); a path with an empty name ("/a//b", "/a/") or without a leading '/' is no
    // node.
    const Node* find(std::string_view path) const;
    Node* find_mut(std::string_view path);

    // Adds the node under its parent, which must exist; "/" makes the root. Returns the
    // inserted node, which stays at the same address until it is erased.
    Node& insert_node(std::string_view path, Node node);
    // insert_node when the caller holds the parent (a create, a snapshot load); nullptr when
    // the name is there already. In constant time when `name` sorts after its siblings.
    // REQUIRES: `parent` is find(parent of path), `name` the last name of path.
    Node* insert_child(Node& parent, std::string_view path, std::string_view name, Node node);
    // Removes a node without children from its parent.
    void erase_node(std::string_view path);
    // Records `path`'s fields before the caller changes data, ACL or stat.
    void save_node(const std::string& path);
    // save_node, then replaces the data (keeps data_bytes current); Stat is left alone.
    void replace_data(const std::string& path, const proto::Data& data);
    void rollback(std::vector<Undo>& log);

    // Calls visit(path, node) for `top` (whose path is `path`) and every node below it, each
    // parent before its children and siblings in name order. Iterative: a deep tree does not
    // deepen the stack.
    template <class Visit>
    void walk(std::string path, const Node& top, Visit&& visit) const;

    // ---- quotas (quota.cc) ----
    // The deepest path that has a quota and is a prefix of `path`, or "" (getMaxPrefixWithQuota).
    std::string quota_prefix(std::string_view path) const;
    void update_quota_stat(const std::string& prefix, int64_t bytes_diff, int64_t count_diff);
    void recompute_quota_stat(const std::string& stat_path, std::string_view real_path);
    Code check_quota(std::string_view path, int64_t bytes_diff, int64_t count_diff) const;

    // ---- writes (apply.cc) ----
    ApplyResult apply(const Entry& entry);

private:
    void index_add(std::string_view path, const Node& node);
    // After an insert: the indices, and the undo entry while a multi applies.
    void note_inserted(std::string_view path, const Node& node);
    void index_remove(std::string_view path, const Node& node);
    void log(Undo undo_entry);
};

template <class Visit>
void Impl::walk(std::string path, const Node& top, Visit&& visit) const {
    struct Frame {
        ChildMap::const_iterator next;
        ChildMap::const_iterator end;
        size_t path_size;  // the parent's path length
    };
    visit(std::string_view(path), top);
    std::vector<Frame> stack;
    if (!top.children.empty()) {
        stack.push_back(Frame{top.children.begin(), top.children.end(), path.size()});
    }
    while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == frame.end) {
            stack.pop_back();
            continue;
        }
        const auto& [name, node] = *frame.next++;
        path.resize(frame.path_size);
        if (path != root_path) {
            path += '/';
        }
        path += name;
        visit(std::string_view(path), node);
        if (!node.children.empty()) {
            stack.push_back(Frame{node.children.begin(), node.children.end(), path.size()});
        }
    }
}

}  // namespace wd::tree::detail

namespace wd::tree {
struct DataTree::Impl : detail::Impl {
    using detail::Impl::Impl;
};
}  // namespace wd::tree
