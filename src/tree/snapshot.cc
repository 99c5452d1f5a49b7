// Snapshot body and digest (docs/tree-snapshot.md, "Snapshot body").
#include <utility>
#include <vector>

#include "base/crc32c.h"
#include "tree/le_coding.h"
#include "tree/tree_impl.h"

namespace wd::tree {

namespace {

constexpr uint32_t snapshot_magic = 0x45525457;  // "WTRE" little-endian
// 2: nodes in preorder (each parent, then its children's subtrees in name order).
// 1: nodes in byte order of their path. Both are read: in each a parent precedes its children.
constexpr uint32_t snapshot_format_version = 2;
constexpr uint32_t snapshot_format_version_v1 = 1;
// path len + data flag + acl count + the stat fields.
constexpr size_t node_size_min = 4 + 1 + 4 + 8 * 4 + 4 * 3 + 8 * 2;
constexpr size_t session_size_min = 8 + 4 + 4;
constexpr size_t acl_size_min = 4 + 4 + 4;

void write_node(detail::LeWriter& w, std::string_view path, const detail::Node& node) {
    w.bytes(path);
    w.u8(node.data.has_value() ? 1 : 0);
    if (node.data.has_value()) {
        w.bytes(node.data.view());
    }
    w.u32(static_cast<uint32_t>(node.acl().size()));
    for (const proto::Acl& acl : node.acl()) {
        w.i32(acl.perms);
        w.bytes(acl.id.scheme);
        w.bytes(acl.id.id);
    }
    w.i64(node.czxid);
    w.i64(node.mzxid);
    w.i64(node.ctime);
    w.i64(node.mtime);
    w.i32(node.version);
    w.i32(node.cversion);
    w.i32(node.aversion);
    w.i64(node.ephemeral_owner);
    w.i64(node.pzxid);
}

void write_session(detail::LeWriter& w, const SessionInfo& s) {
    w.i64(s.session_id);
    w.i32(s.timeout_ms);
    w.bytes(s.passwd);
}

// Reads one node's fields after its path; the reader is failed on malformed input. The ACL
// shares `previous_acl` when equal to it (detail::AclList).
detail::Node read_node(detail::LeReader& r, const detail::AclList& previous_acl) {
    detail::Node node;
    uint8_t has_data = r.u8();
    if (has_data > 1) {
        r.fail();
    }
    if (has_data == 1) {
        node.data = detail::NodeData(r.bytes_view());
    }
    uint64_t acls = r.count(r.u32(), acl_size_min);
    std::vector<proto::Acl> acl_read;
    acl_read.reserve(acls);
    for (uint64_t i = 0; i < acls && r.ok(); ++i) {
        proto::Acl acl;
        acl.perms = r.i32();
        acl.id.scheme = r.bytes();
        acl.id.id = r.bytes();
        acl_read.push_back(std::move(acl));
    }
    node.acl_list = !previous_acl.empty_handle() && *previous_acl == acl_read
                        ? previous_acl
                        : detail::make_acl_list(std::move(acl_read));
    node.czxid = r.i64();
    node.mzxid = r.i64();
    node.ctime = r.i64();
    node.mtime = r.i64();
    node.version = r.i32();
    node.cversion = r.i32();
    node.aversion = r.i32();
    node.ephemeral_owner = r.i64();
    node.pzxid = r.i64();
    return node;
}

// FNV-1a over the bytes, then splitmix64's finaliser so that sums of hashes spread well.
uint64_t hash64(std::string_view bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : bytes) {
        h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

Status read_sessions(detail::LeReader& r, detail::Impl& impl) {
    uint64_t sessions = r.count(r.u32(), session_size_min);
    for (uint64_t i = 0; i < sessions && r.ok(); ++i) {
        SessionInfo s;
        s.session_id = r.i64();
        s.timeout_ms = r.i32();
        s.passwd = r.bytes();
        if (!impl.sessions.empty() && impl.sessions.rbegin()->first >= s.session_id) {
            return Status::corruption("snapshot: sessions out of order");
        }
        impl.sessions.emplace(s.session_id, std::move(s));
    }
    return r.ok() ? Status() : Status::corruption("snapshot: truncated sessions");
}

// The parent of a node being loaded, found among the nodes on the path of the node loaded
// before it (`chain.nodes`: the length of a prefix of `chain.previous` and the node at that
// path, root first). Loading in preorder, the parent is always there: the previous node
// itself or one of its ancestors. Otherwise (a file in another order) it is looked up from
// the root, and the chain restarts from it. Entries below the parent are dropped either way.
struct Chain {
    std::string previous;
    std::vector<std::pair<size_t, detail::Node*>> nodes;
};

detail::Node* find_parent(Chain& chain, detail::Impl& impl, std::string_view parent) {
    for (size_t k = chain.nodes.size(); k-- > 0;) {
        const size_t size = chain.nodes[k].first;
        if (size == parent.size() && std::string_view(chain.previous).substr(0, size) == parent) {
            chain.nodes.resize(k + 1);
            return chain.nodes[k].second;
        }
    }
    detail::Node* node = impl.find_mut(parent);
    chain.nodes.clear();
    if (node != nullptr) {
        chain.nodes.emplace_back(parent.size(), node);
    }
    return node;
}

Status read_nodes(detail::LeReader& r, detail::Impl& impl) {
    uint64_t nodes = r.count(r.u64(), node_size_min);
    Chain chain;
    for (uint64_t i = 0; i < nodes && r.ok(); ++i) {
        std::string_view path = r.bytes_view();
        detail::Node node = read_node(
            r, chain.nodes.empty() ? detail::AclList() : chain.nodes.back().second->acl_list);
        if (!r.ok()) {
            break;
        }
        if ((i == 0) != (path == detail::root_path)) {
            return Status::corruption("snapshot: root not first");
        }
        detail::Node* inserted = nullptr;
        if (i == 0) {
            inserted = &impl.insert_node(path, std::move(node));
        } else {
            // The parent's path was valid, so the whole path is valid when "/name" is; this
            // checks each byte once, not once for every descendant below it.
            const size_t last_slash = path.rfind('/');
            if (last_slash == std::string_view::npos || last_slash + 1 == path.size() ||
                validate_path(path.substr(last_slash)) != Code::ok) {
                return Status::corruption("snapshot: bad path");
            }
            detail::Node* parent = find_parent(
                chain, impl, last_slash == 0 ? detail::root_path : path.substr(0, last_slash));
            if (parent == nullptr) {
                return Status::corruption("snapshot: node without parent");
            }
            if (detail::node_kind(parent->ephemeral_owner, impl.options.extended_types_enabled) ==
                detail::NodeKind::ephemeral) {
                return Status::corruption("snapshot: child of an ephemeral node");
            }
            // In preorder a parent's children arrive in name order, so each goes at the end
            // of its map, in constant time.
            inserted = impl.insert_child(*parent, path, path.substr(last_slash + 1), std::move(node));
            if (inserted == nullptr) {
                return Status::corruption("snapshot: duplicate path");
            }
        }
        chain.previous.assign(path);
        chain.nodes.emplace_back(path.size(), inserted);
    }
    if (!r.ok()) {
        return Status::corruption("snapshot: truncated nodes");
    }
    for (std::string_view system : {detail::proc_path, detail::quota_path, detail::config_path}) {
        if (impl.find(system) == nullptr) {
            return Status::corruption("snapshot: missing system node");
        }
    }
    return Status();
}

}  // namespace

std::string DataTree::serialize() const {
    std::string out;
    detail::LeWriter w(out);
    w.u32(snapshot_magic);
    w.u32(snapshot_format_version);
    w.i64(impl_->last_zxid);
    w.u32(static_cast<uint32_t>(impl_->sessions.size()));
    for (const auto& [id, session] : impl_->sessions) {
        write_session(w, session);
    }
    w.u64(impl_->node_count);
    impl_->walk(std::string(detail::root_path), *impl_->root,
                [&w](std::string_view path, const detail::Node& node) { write_node(w, path, node); });
    w.u32(crc32c::mask(crc32c::value(out.data(), out.size())));
    return out;
}

Result<DataTree> DataTree::deserialize(std::string_view bytes, Options options) {
    if (bytes.size() < 12) {
        return err(Status::corruption("snapshot: too short"));
    }
    std::string_view body = bytes.substr(0, bytes.size() - 4);
    uint32_t stored = load_u32_le(bytes.data() + body.size());
    if (crc32c::unmask(stored) != crc32c::value(body.data(), body.size())) {
        return err(Status::corruption("snapshot: checksum mismatch"));
    }
    detail::LeReader r(body);
    const uint32_t magic = r.u32();
    const uint32_t version = r.u32();
    if (magic != snapshot_magic ||
        (version != snapshot_format_version && version != snapshot_format_version_v1)) {
        return err(Status::corruption("snapshot: bad magic or version"));
    }
    detail::Impl loaded(options);
    loaded.last_zxid = r.i64();
    if (Status s = read_sessions(r, loaded); !s.ok()) {
        return err(std::move(s));
    }
    if (Status s = read_nodes(r, loaded); !s.ok()) {
        return err(std::move(s));
    }
    if (!r.at_end()) {
        return err(Status::corruption("snapshot: trailing bytes"));
    }
    DataTree tree(options);
    static_cast<detail::Impl&>(*tree.impl_) = std::move(loaded);
    return tree;
}

uint64_t DataTree::digest() const {
    uint64_t sum = 0;
    std::string scratch;
    impl_->walk(std::string(detail::root_path), *impl_->root,
                [&](std::string_view path, const detail::Node& node) {
                    scratch.clear();
                    detail::LeWriter w(scratch);
                    write_node(w, path, node);
                    sum += hash64(scratch);
                });
    for (const auto& [id, session] : impl_->sessions) {
        scratch.assign("session");
        detail::LeWriter w(scratch);
        write_session(w, session);
        sum += hash64(scratch);
    }
    return sum;
}

}  // namespace wd::tree
