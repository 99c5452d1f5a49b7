// Snapshot body and digest (docs/tree-snapshot.md, "Snapshot body").
#include <utility>
#include <vector>

#include "base/crc32c.h"
#include "tree/le_coding.h"
#include "tree/tree_impl.h"

namespace wd::tree {

namespace {

constexpr uint32_t snapshot_magic = 0x45525457;  // "WTRE" little-endian
constexpr uint32_t snapshot_format_version = 1;
// path len + data flag + acl count + the stat fields.
constexpr size_t node_size_min = 4 + 1 + 4 + 8 * 4 + 4 * 3 + 8 * 2;
constexpr size_t session_size_min = 8 + 4 + 4;
constexpr size_t acl_size_min = 4 + 4 + 4;

void write_node(detail::LeWriter& w, const std::string& path, const detail::Node& node) {
    w.bytes(path);
    w.u8(node.data ? 1 : 0);
    if (node.data) {
        w.bytes(*node.data);
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
        node.data = r.bytes();
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
    node.acl_list = previous_acl != nullptr && *previous_acl == acl_read
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

// The parent of a node being loaded, found among the ancestors of the node loaded before it
// (`chain`, root first, each entry a map key and its node). In byte order the parent is
// nearly always there: the previous node itself, or one of its ancestors. Otherwise (a name
// with a byte below '/' sorts between a node and its children) it is looked up in the map,
// and the chain restarts from it. Entries above the parent are dropped either way.
using Chain = std::vector<std::pair<std::string_view, detail::Node*>>;

detail::Node* find_parent(Chain& chain, detail::Impl& impl, std::string_view parent) {
    for (size_t k = chain.size(); k-- > 0;) {
        if (chain[k].first == parent) {
            chain.resize(k + 1);
            return chain[k].second;
        }
    }
    auto it = impl.nodes.find(parent);
    chain.clear();
    if (it == impl.nodes.end()) {
        return nullptr;
    }
    chain.emplace_back(it->first, &it->second);
    return &it->second;
}

Status read_nodes(detail::LeReader& r, detail::Impl& impl) {
    uint64_t nodes = r.count(r.u64(), node_size_min);
    Chain chain;
    std::string_view previous;  // the key of the node loaded last, in the map
    for (uint64_t i = 0; i < nodes && r.ok(); ++i) {
        std::string_view path = r.bytes_view();
        detail::Node node =
            read_node(r, chain.empty() ? detail::AclList() : chain.back().second->acl_list);
        if (!r.ok()) {
            break;
        }
        if ((i == 0) != (path == detail::root_path) || (i > 0 && path <= previous) ||
            validate_path(path) != Code::ok) {
            return Status::corruption("snapshot: bad or unordered path");
        }
        detail::Node* parent_node = nullptr;
        std::string_view name;
        if (i > 0) {
            const size_t last_slash = path.rfind('/');
            parent_node = find_parent(
                chain, impl, last_slash == 0 ? detail::root_path : path.substr(0, last_slash));
            if (parent_node == nullptr) {
                return Status::corruption("snapshot: node without parent");
            }
            if (detail::node_kind(parent_node->ephemeral_owner,
                                  impl.options.extended_types_enabled) ==
                detail::NodeKind::ephemeral) {
                return Status::corruption("snapshot: child of an ephemeral node");
            }
            name = path.substr(last_slash + 1);
        }
        auto& [key, inserted] = impl.append_node(path, std::move(node));
        if (parent_node != nullptr) {
            // A parent's children arrive in ascending order (their paths share the prefix
            // "parent/"), so each goes at the end of its set, in constant time.
            parent_node->children.append(std::string(name));
        }
        chain.emplace_back(key, &inserted);
        previous = key;
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
    w.u64(impl_->nodes.size());
    for (const auto& [path, node] : impl_->nodes) {
        write_node(w, path, node);
    }
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
    if (r.u32() != snapshot_magic || r.u32() != snapshot_format_version) {
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
    for (const auto& [path, node] : impl_->nodes) {
        scratch.clear();
        detail::LeWriter w(scratch);
        write_node(w, path, node);
        sum += hash64(scratch);
    }
    for (const auto& [id, session] : impl_->sessions) {
        scratch.assign("session");
        detail::LeWriter w(scratch);
        write_session(w, session);
        sum += hash64(scratch);
    }
    return sum;
}

}  // namespace wd::tree
