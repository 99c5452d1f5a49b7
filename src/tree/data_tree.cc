// DataTree: construction, the mutation primitives, reads, sessions and accounting.
// Writes are in apply.cc, quotas in quota.cc, snapshots and the digest in snapshot.cc.
#include "tree/data_tree.h"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "tree/acl.h"
#include "tree/tree_impl.h"

namespace wd::tree {

namespace detail {

NodeKind node_kind(int64_t ephemeral_owner, bool extended_types_enabled) {
    const auto owner = static_cast<uint64_t>(ephemeral_owner);
    if (extended_types_enabled && (owner & extended_mask) == extended_mask &&
        (owner & reserved_bits_mask) == 0) {
        return NodeKind::ttl;
    }
    if (ephemeral_owner == container_owner) {
        return NodeKind::container;
    }
    return ephemeral_owner == 0 ? NodeKind::persistent : NodeKind::ephemeral;
}

int32_t wrap_add(int32_t value, int32_t delta) {
    return static_cast<int32_t>(static_cast<uint32_t>(value) + static_cast<uint32_t>(delta));
}

proto::Stat client_stat(const Node& node, bool extended_types_enabled) {
    proto::Stat s;
    s.czxid = node.czxid;
    s.mzxid = node.mzxid;
    s.ctime = node.ctime;
    s.mtime = node.mtime;
    s.version = node.version;
    const auto children = static_cast<uint32_t>(node.children.size());
    s.cversion = static_cast<int32_t>(static_cast<uint32_t>(node.cversion) * 2u - children);
    s.aversion = node.aversion;
    bool ephemeral = node_kind(node.ephemeral_owner, extended_types_enabled) == NodeKind::ephemeral;
    s.ephemeral_owner = ephemeral ? node.ephemeral_owner : 0;
    s.data_length = static_cast<int32_t>(node.data_size());
    s.num_children = static_cast<int32_t>(children);
    s.pzxid = node.pzxid;
    return s;
}

bool cleanup_eligible(const Node& node, int64_t now_ms, const Options& options) {
    if (!node.children.empty()) {
        return false;
    }
    // Elapsed time since the last modification, computed without signed overflow.
    const uint64_t elapsed =
        now_ms > node.mtime ? static_cast<uint64_t>(now_ms) - static_cast<uint64_t>(node.mtime) : 0;
    switch (node_kind(node.ephemeral_owner, options.extended_types_enabled)) {
        case NodeKind::container:
            return node.cversion > 0 ||
                   (options.container_max_never_used_interval_ms > 0 &&
                    elapsed > static_cast<uint64_t>(options.container_max_never_used_interval_ms));
        case NodeKind::ttl: {
            const uint64_t ttl =
                static_cast<uint64_t>(node.ephemeral_owner) & static_cast<uint64_t>(ttl_max);
            return ttl != 0 && elapsed > ttl;
        }
        case NodeKind::persistent:
        case NodeKind::ephemeral: return false;
    }
    return false;
}

Node* Children::insert(std::string_view name, Node node) {
    if (map_ == nullptr) {
        map_ = std::make_unique<ChildMap>();
    }
    // The hint makes an insert at the end constant time; elsewhere it costs a lookup.
    auto hint = map_->end();
    if (!map_->empty() && std::prev(hint)->first >= name) {
        hint = map_->lower_bound(name);
        if (hint != map_->end() && hint->first == name) {
            return nullptr;
        }
    }
    auto it = map_->emplace_hint(hint, std::piecewise_construct, std::forward_as_tuple(name),
                                 std::forward_as_tuple(std::move(node)));
    return &it->second;
}

Node Children::extract(std::string_view name) {
    WD_ASSERT(map_ != nullptr);
    auto it = map_->find(name);
    WD_ASSERT(it != map_->end());
    Node node = std::move(it->second);
    map_->erase(it);
    if (map_->empty()) {
        map_.reset();
    }
    return node;
}

void Impl::init_system_nodes() {
    const proto::Acl open{proto::perms::all, proto::Id{"world", "anyone"}};
    const AclList open_list = make_acl_list({open});
    auto system_node = [&open_list] {
        Node node;
        node.data = NodeData(std::string_view());
        node.acl_list = open_list;
        return node;
    };
    // DataTree.addConfigNode: the config node is read-only for everyone (ZOOKEEPER-2014);
    // its setACL(..., -1) leaves aversion at -1.
    Node config = system_node();
    config.acl_list =
        make_acl_list({proto::Acl{proto::perms::read, proto::Id{"world", "anyone"}}});
    config.aversion = -1;
    insert_node(root_path, system_node());
    insert_node(proc_path, system_node());
    insert_node(quota_path, system_node());
    insert_node(config_path, std::move(config));
}

const Node* Impl::find(std::string_view path) const {
    const Node* node = root.get();
    if (path.empty() || path == root_path) {
        return node;
    }
    if (path.front() != '/') {
        return nullptr;
    }
    // Names are never empty, so an empty one ("/a//b", "/a/") finds nothing.
    size_t begin = 1;
    while (node != nullptr) {
        const size_t slash = path.find('/', begin);
        if (slash == std::string_view::npos) {
            return node->children.find(path.substr(begin));
        }
        node = node->children.find(path.substr(begin, slash - begin));
        begin = slash + 1;
    }
    return nullptr;
}

Node* Impl::find_mut(std::string_view path) {
    return const_cast<Node*>(std::as_const(*this).find(path));
}

void Impl::log(Undo undo_entry) {
    if (undo != nullptr) {
        undo->push_back(std::move(undo_entry));
    }
}

void Impl::index_add(std::string_view path, const Node& node) {
    ++node_count;
    data_bytes += path.size() + node.data_size();
    switch (node_kind(node.ephemeral_owner, options.extended_types_enabled)) {
        case NodeKind::ephemeral:
            ephemerals[node.ephemeral_owner].emplace(path);
            ++ephemeral_count;
            break;
        case NodeKind::container: containers.emplace(path); break;
        case NodeKind::ttl: ttls.emplace(path); break;
        case NodeKind::persistent: break;
    }
}

void Impl::index_remove(std::string_view path, const Node& node) {
    WD_ASSERT(node_count > 0);
    --node_count;
    WD_ASSERT(data_bytes >= path.size() + node.data_size());
    data_bytes -= path.size() + node.data_size();
    switch (node_kind(node.ephemeral_owner, options.extended_types_enabled)) {
        case NodeKind::ephemeral: {
            auto it = ephemerals.find(node.ephemeral_owner);
            WD_ASSERT(it != ephemerals.end());
            auto entry = it->second.find(path);
            WD_ASSERT(entry != it->second.end());
            it->second.erase(entry);
            if (it->second.empty()) {
                ephemerals.erase(it);
            }
            WD_ASSERT(ephemeral_count > 0);
            --ephemeral_count;
            break;
        }
        case NodeKind::container: {
            auto it = containers.find(path);
            if (it != containers.end()) {
                containers.erase(it);
            }
            break;
        }
        case NodeKind::ttl: {
            auto it = ttls.find(path);
            if (it != ttls.end()) {
                ttls.erase(it);
            }
            break;
        }
        case NodeKind::persistent: break;
    }
}

namespace {
// The parent's path and the node's name. REQUIRES: path starts with '/' and is not the root.
std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
    const size_t last_slash = path.rfind('/');
    WD_ASSERT(last_slash != std::string_view::npos);
    return {last_slash == 0 ? root_path : path.substr(0, last_slash),
            path.substr(last_slash + 1)};
}
}  // namespace

Node& Impl::insert_node(std::string_view path, Node node) {
    if (path != root_path) {
        auto [parent_path, name] = split_last(path);
        Node* parent = find_mut(parent_path);
        WD_ASSERT(parent != nullptr);
        Node* inserted = insert_child(*parent, path, name, std::move(node));
        WD_ASSERT(inserted != nullptr);
        return *inserted;
    }
    WD_ASSERT(root == nullptr);
    root = std::make_unique<Node>(std::move(node));
    note_inserted(path, *root);
    return *root;
}

Node* Impl::insert_child(Node& parent, std::string_view path, std::string_view name, Node node) {
    Node* inserted = parent.children.insert(name, std::move(node));
    if (inserted != nullptr) {
        note_inserted(path, *inserted);
    }
    return inserted;
}

void Impl::note_inserted(std::string_view path, const Node& node) {
    index_add(path, node);
    if (undo != nullptr) {
        log(Undo{Undo::Kind::inserted, std::string(path), {}});
    }
}

void Impl::erase_node(std::string_view path) {
    auto [parent_path, name] = split_last(path);
    Node* parent = find_mut(parent_path);
    WD_ASSERT(parent != nullptr);
    Node node = parent->children.extract(name);
    WD_ASSERT(node.children.empty());
    index_remove(path, node);
    if (undo != nullptr) {
        log(Undo{Undo::Kind::erased, std::string(path), std::move(node)});
    }
}

void Impl::save_node(const std::string& path) {
    if (undo == nullptr) {
        return;
    }
    const Node* node = find(path);
    WD_ASSERT(node != nullptr);
    Node copy;
    copy.data = node->data;
    copy.acl_list = node->acl_list;
    copy.czxid = node->czxid;
    copy.mzxid = node->mzxid;
    copy.ctime = node->ctime;
    copy.mtime = node->mtime;
    copy.version = node->version;
    copy.cversion = node->cversion;
    copy.aversion = node->aversion;
    copy.ephemeral_owner = node->ephemeral_owner;
    copy.pzxid = node->pzxid;
    log(Undo{Undo::Kind::saved, path, std::move(copy)});
}

void Impl::replace_data(const std::string& path, const proto::Data& data) {
    save_node(path);
    Node* node = find_mut(path);
    WD_ASSERT(node != nullptr);
    NodeData replacement(data);
    WD_ASSERT(data_bytes >= node->data_size());
    data_bytes = data_bytes - node->data_size() + replacement.size();
    node->data = std::move(replacement);
}

void Impl::rollback(std::vector<Undo>& entries) {
    WD_ASSERT(undo == nullptr);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        Undo& u = *it;
        switch (u.kind) {
            case Undo::Kind::inserted: erase_node(u.path); break;
            case Undo::Kind::erased: insert_node(u.path, std::move(u.node)); break;
            case Undo::Kind::saved: {
                Node* node = find_mut(u.path);
                WD_ASSERT(node != nullptr);
                data_bytes = data_bytes - node->data_size() + u.node.data_size();
                u.node.children = std::move(node->children);
                *node = std::move(u.node);
                break;
            }
        }
    }
    entries.clear();
}

}  // namespace detail

DataTree::DataTree(Options options) : impl_(std::make_unique<Impl>(options)) {
    impl_->init_system_nodes();
}
DataTree::~DataTree() = default;
DataTree::DataTree(DataTree&&) noexcept = default;
DataTree& DataTree::operator=(DataTree&&) noexcept = default;

ApplyResult DataTree::apply(const Entry& entry) {
    WD_ASSERT(entry.zxid > impl_->last_zxid);
    ApplyResult result = impl_->apply(entry);
    impl_->last_zxid = entry.zxid;
    return result;
}

Result<proto::Stat, Code> DataTree::exists(std::string_view path) const {
    if (path.find('\0') != std::string_view::npos) {
        return err(Code::bad_arguments);
    }
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return err(Code::no_node);
    }
    return detail::client_stat(*node, impl_->options.extended_types_enabled);
}

Result<proto::GetDataResponse, Code> DataTree::get_data(std::string_view path,
                                                        const Identity& who) const {
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return err(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::read, who)) {
        return err(Code::no_auth);
    }
    return proto::GetDataResponse{
        node->data.to_data(), detail::client_stat(*node, impl_->options.extended_types_enabled)};
}

Result<proto::GetChildren2Response, Code> DataTree::get_children(std::string_view path,
                                                                 const Identity& who) const {
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return err(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::read, who)) {
        return err(Code::no_auth);
    }
    proto::GetChildren2Response response;
    response.children.reserve(node->children.size());
    for (const auto& [name, child] : node->children) {
        response.children.push_back(name);
    }
    response.stat = detail::client_stat(*node, impl_->options.extended_types_enabled);
    return response;
}

Result<proto::GetAclResponse, Code> DataTree::get_acl(std::string_view path,
                                                      const Identity& who) const {
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return err(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::read | proto::perms::admin, who)) {
        return err(Code::no_auth);
    }
    proto::GetAclResponse response;
    response.acl = acl_permits(node->acl(), proto::perms::admin, who)
                       ? node->acl()
                       : redact_digests(node->acl());
    response.stat = detail::client_stat(*node, impl_->options.extended_types_enabled);
    return response;
}

Result<int32_t, Code> DataTree::get_all_children_number(std::string_view path,
                                                        const Identity& who) const {
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return err(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::read, who)) {
        return err(Code::no_auth);
    }
    if (path == detail::root_path || path.empty()) {
        // ZooKeeper counts its map minus the "" and "/" keys, i.e. every node but the root
        // ("" itself yields every node, root included).
        return static_cast<int32_t>(impl_->node_count - (path.empty() ? 0 : 1));
    }
    int32_t count = -1;  // the node itself is not counted
    impl_->walk(std::string(path), *node, [&count](std::string_view, const detail::Node&) {
        ++count;
    });
    return count;
}

std::vector<std::string> DataTree::get_ephemerals(int64_t session_id,
                                                  std::string_view prefix) const {
    std::vector<std::string> out;
    auto it = impl_->ephemerals.find(session_id);
    if (it == impl_->ephemerals.end()) {
        return out;
    }
    // FinalRequestProcessor: a blank prefix or "/" (after trim) means every ephemeral.
    std::string_view trimmed = prefix;
    while (!trimmed.empty() && static_cast<unsigned char>(trimmed.front()) <= ' ') {
        trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() && static_cast<unsigned char>(trimmed.back()) <= ' ') {
        trimmed.remove_suffix(1);
    }
    bool all = trimmed.empty() || trimmed == "/";
    for (const std::string& path : it->second) {
        if (all || path.starts_with(prefix)) {
            out.push_back(path);
        }
    }
    return out;
}

proto::MultiResponse DataTree::multi_read(const proto::MultiRequest& request,
                                          const Identity& who) const {
    proto::MultiResponse response;
    for (const proto::MultiOp& op : request.ops) {
        const auto* read = std::get_if<proto::ExistsRequest>(&op.body);
        Code code = Code::marshalling_error;
        proto::MultiResult result;
        if (read != nullptr && op.type == proto::OpCode::get_children) {
            auto children = get_children(read->path, who);
            code = children.ok() ? Code::ok : children.error();
            if (children.ok()) {
                result = {op.type, 0, proto::GetChildrenResponse{children->children}};
            }
        } else if (read != nullptr && op.type == proto::OpCode::get_data) {
            auto data = get_data(read->path, who);
            code = data.ok() ? Code::ok : data.error();
            if (data.ok()) {
                result = {op.type, 0, *data};
            }
        }
        if (code != Code::ok) {
            auto value = static_cast<int32_t>(code);
            result = {proto::OpCode::error, value, proto::ErrorResponse{value}};
        }
        response.results.push_back(std::move(result));
    }
    return response;
}

Code DataTree::check_read(std::string_view path, const Identity& who) const {
    const detail::Node* node = impl_->find(path);
    if (node == nullptr) {
        return Code::no_node;
    }
    return acl_permits(node->acl(), proto::perms::read, who) ? Code::ok : Code::no_auth;
}

const SessionInfo* DataTree::session(int64_t session_id) const {
    auto it = impl_->sessions.find(session_id);
    return it == impl_->sessions.end() ? nullptr : &it->second;
}

std::vector<SessionInfo> DataTree::sessions() const {
    std::vector<SessionInfo> out;
    out.reserve(impl_->sessions.size());
    for (const auto& [id, info] : impl_->sessions) {
        out.push_back(info);
    }
    return out;
}

std::vector<std::string> DataTree::cleanup_candidates(int64_t now_ms, size_t count_max) const {
    std::set<std::string> out;
    for (const std::string& path : impl_->containers) {
        const detail::Node* node = impl_->find(path);
        if (node != nullptr && detail::cleanup_eligible(*node, now_ms, impl_->options)) {
            out.insert(path);
        }
    }
    for (const std::string& path : impl_->ttls) {
        const detail::Node* node = impl_->find(path);
        if (node != nullptr && detail::cleanup_eligible(*node, now_ms, impl_->options)) {
            out.insert(path);
        }
    }
    std::vector<std::string> sorted(out.begin(), out.end());
    if (sorted.size() > count_max) {
        sorted.resize(count_max);
    }
    return sorted;
}

int64_t DataTree::last_zxid() const {
    return impl_->last_zxid;
}
size_t DataTree::node_count() const {
    return impl_->node_count;
}
size_t DataTree::ephemeral_count() const {
    return impl_->ephemeral_count;
}
uint64_t DataTree::data_bytes() const {
    return impl_->data_bytes;
}

}  // namespace wd::tree
