// The write path: one Entry in, one ApplyResult out.
//
// Each op checks everything in ZooKeeper's order (PrepRequestProcessor.pRequest2Txn) before it
// mutates anything, then mutates as DataTree.processTxn does. A multi runs its ops in order
// with an undo log and rolls everything back at the first failure.
#include <cstdio>
#include <optional>

#include "proto/codec.h"
#include "tree/acl.h"
#include "tree/tree_impl.h"

namespace wd::tree::detail {

namespace {

using proto::OpCode;
using proto::TreeEvent;

// CreateMode flags (CreateMode.java).
struct Mode {
    int32_t flag = 0;
    bool ephemeral() const { return flag == 1 || flag == 3; }
    bool sequential() const { return flag == 2 || flag == 3 || flag == 6; }
    bool container() const { return flag == 4; }
    bool ttl() const { return flag == 5 || flag == 6; }
};
bool valid_flag(int32_t flag) {
    return flag >= 0 && flag <= 6;
}

struct CreateArgs {
    OpCode type = OpCode::create;  // create, create2, create_container or create_ttl
    std::string path;
    proto::Data data;
    std::vector<proto::Acl> acl;
    int32_t flags = 0;
    int64_t ttl = -1;
};

// What one op produced: the code, and on success the path and Stat for the response.
struct OpOutcome {
    Code code = Code::ok;
    OpCode type = OpCode::error;
    std::string path;
    proto::Stat stat;
};
OpOutcome fail(Code code) {
    return OpOutcome{code, OpCode::error, {}, {}};
}

bool is_special_path(std::string_view path) {
    return path == root_path || path == proc_path || path == quota_path || path == config_path;
}

std::string canonical_parent(std::string_view path, size_t last_slash) {
    return last_slash == 0 ? std::string(root_path) : std::string(path.substr(0, last_slash));
}

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

class Applier {
public:
    Applier(Impl& tree, const Entry& entry) : tree_(tree), entry_(entry) {}

    OpOutcome create(const CreateArgs& args);
    OpOutcome remove(const proto::DeleteRequest& request);
    OpOutcome set_data(const proto::SetDataRequest& request);
    OpOutcome set_acl(const proto::SetAclRequest& request);
    OpOutcome check(const proto::CheckVersionRequest& request);
    OpOutcome delete_container(const proto::PathRequest& request);
    void close_session();
    std::vector<TreeEvent> take_events() { return std::move(events_); }
    void drop_events() { events_.clear(); }

private:
    bool extended() const { return tree_.options.extended_types_enabled; }
    Code check_session(bool ephemeral) const;
    Code check_create(const CreateArgs& args, std::string& final_path,
                      std::vector<proto::Acl>& acl_out) const;
    int64_t owner_for(const CreateArgs& args) const;
    void remove_node(const std::string& path);

    Impl& tree_;
    const Entry& entry_;
    std::vector<TreeEvent> events_;
};

// SessionTrackerImpl.checkSession / checkGlobalSession: an unknown session is UNKNOWNSESSION,
// except for ephemeral creates, which report SESSIONEXPIRED.
Code Applier::check_session(bool ephemeral) const {
    if (tree_.sessions.contains(entry_.session_id)) {
        return Code::ok;
    }
    return ephemeral ? Code::session_expired : Code::unknown_session;
}

// PrepRequestProcessor.pRequest2TxnCreate, in its order. On success `final_path` carries the
// sequence suffix.
Code Applier::check_create(const CreateArgs& args, std::string& final_path,
                           std::vector<proto::Acl>& acl_out) const {
    if (args.data && static_cast<int64_t>(args.data->size()) > tree_.options.data_size_max) {
        return Code::bad_arguments;  // ZooKeeper refuses such a packet before any check
    }
    if (!valid_flag(args.flags)) {
        return Code::bad_arguments;
    }
    const Mode mode{args.flags};
    if (mode.ttl() && !extended()) {
        return Code::unimplemented;
    }
    if (mode.ttl() ? (args.ttl <= 0 || args.ttl > ttl_max) : args.ttl >= 0) {
        return Code::bad_arguments;  // EphemeralType.validateTTL
    }
    if (args.type == OpCode::create_ttl && !mode.ttl()) {
        return Code::bad_arguments;  // ZooKeeper fails later, in DataTree; we refuse up front
    }
    if (Code c = check_session(mode.ephemeral()); c != Code::ok) {
        return c;
    }
    const size_t last_slash = args.path.rfind('/');
    if (last_slash == std::string::npos || has_nul(args.path)) {
        return Code::bad_arguments;
    }
    auto acl = fixup_acl(args.acl, entry_.identity);
    if (!acl.ok()) {
        return acl.error();
    }
    acl_out = std::move(acl).value();
    const Node* parent = tree_.find(std::string_view(args.path).substr(0, last_slash));
    if (parent == nullptr) {
        return Code::no_node;
    }
    if (!acl_permits(parent->acl(), proto::perms::create, entry_.identity)) {
        return Code::no_auth;
    }
    final_path = args.path;
    if (mode.sequential()) {
        char suffix[16];
        std::snprintf(suffix, sizeof suffix, "%010d", parent->cversion);
        final_path += suffix;
    }
    if (validate_path(final_path) != Code::ok) {
        return Code::bad_arguments;
    }
    if (tree_.find(final_path) != nullptr) {
        return Code::node_exists;
    }
    if (node_kind(parent->ephemeral_owner, extended()) == NodeKind::ephemeral) {
        return Code::no_children_for_ephemerals;
    }
    return tree_.check_quota(final_path, static_cast<int64_t>(args.data ? args.data->size() : 0),
                             1);
}

// DataTree.processTxn: the owner follows the txn type, not the mode; a plain create with the
// container flag makes an ordinary persistent node.
int64_t Applier::owner_for(const CreateArgs& args) const {
    switch (args.type) {
        case OpCode::create_container: return container_owner;
        case OpCode::create_ttl:
            return static_cast<int64_t>(extended_mask | static_cast<uint64_t>(args.ttl));
        default: return Mode{args.flags}.ephemeral() ? entry_.session_id : 0;
    }
}

OpOutcome Applier::create(const CreateArgs& args) {
    std::string path;
    std::vector<proto::Acl> acl;
    if (Code c = check_create(args, path, acl); c != Code::ok) {
        return fail(c);
    }
    const size_t last_slash = path.rfind('/');
    const std::string parent_path = canonical_parent(path, last_slash);
    const std::string name = path.substr(last_slash + 1);
    tree_.save_node(parent_path);
    Node* parent = tree_.find_mut(parent_path);
    parent->cversion = wrap_add(parent->cversion, 1);
    parent->pzxid = entry_.zxid;

    Node node;
    node.data = NodeData(args.data);
    // Most nodes carry their parent's ACL; they share its list (AclList).
    node.acl_list = acl == parent->acl() ? parent->acl_list : make_acl_list(std::move(acl));
    node.czxid = node.mzxid = node.pzxid = entry_.zxid;
    node.ctime = node.mtime = entry_.time_ms;
    node.ephemeral_owner = owner_for(args);
    const int64_t bytes = static_cast<int64_t>(node.data_size());
    // check_create found no node at `path`, so the insert cannot collide.
    const Node* inserted = tree_.insert_child(*parent, path, name, std::move(node));
    WD_ASSERT(inserted != nullptr);
    OpOutcome out{Code::ok, args.type, path, client_stat(*inserted, extended())};

    // DataTree.createNode: a new zookeeper_stats node is filled with the subtree's usage, then
    // the quota covering the new node (if any) counts it.
    if (parent_path.starts_with(quota_path) && name == stat_node) {
        tree_.recompute_quota_stat(path, std::string_view(parent_path).substr(quota_path.size()));
    }
    if (std::string prefix = tree_.quota_prefix(path); !prefix.empty()) {
        tree_.update_quota_stat(prefix, bytes, 1);
    }
    events_.push_back(TreeEvent{proto::EventType::node_created, path});
    events_.push_back(TreeEvent{proto::EventType::node_children_changed, parent_path});
    return out;
}

// DataTree.deleteNode for a node already checked (exists, no children).
void Applier::remove_node(const std::string& path) {
    const size_t last_slash = path.rfind('/');
    const std::string parent_path = canonical_parent(path, last_slash);
    tree_.save_node(parent_path);
    Node* parent = tree_.find_mut(parent_path);
    WD_ASSERT(parent != nullptr);
    parent->pzxid = std::max(parent->pzxid, entry_.zxid);
    const int64_t bytes = static_cast<int64_t>(tree_.find(path)->data_size());
    tree_.erase_node(path);
    if (std::string prefix = tree_.quota_prefix(path); !prefix.empty()) {
        tree_.update_quota_stat(prefix, -bytes, -1);
    }
    events_.push_back(TreeEvent{proto::EventType::node_deleted, path});
    events_.push_back(TreeEvent{proto::EventType::node_children_changed, parent_path});
}

OpOutcome Applier::remove(const proto::DeleteRequest& request) {
    if (Code c = check_session(false); c != Code::ok) {
        return fail(c);
    }
    const std::string& path = request.path;
    const size_t last_slash = path.rfind('/');
    if (last_slash == std::string::npos || has_nul(path) || is_special_path(path)) {
        return fail(Code::bad_arguments);
    }
    const Node* parent = tree_.find(std::string_view(path).substr(0, last_slash));
    if (parent == nullptr) {
        return fail(Code::no_node);
    }
    if (!acl_permits(parent->acl(), proto::perms::remove, entry_.identity)) {
        return fail(Code::no_auth);
    }
    const Node* node = tree_.find(path);
    if (node == nullptr) {
        return fail(Code::no_node);
    }
    if (request.version != -1 && request.version != node->version) {
        return fail(Code::bad_version);
    }
    if (!node->children.empty()) {
        return fail(Code::not_empty);
    }
    remove_node(path);
    return OpOutcome{Code::ok, OpCode::remove, path, {}};
}

OpOutcome Applier::set_data(const proto::SetDataRequest& request) {
    const int64_t new_size = request.data ? static_cast<int64_t>(request.data->size()) : 0;
    if (new_size > tree_.options.data_size_max) {
        return fail(Code::bad_arguments);
    }
    if (Code c = check_session(false); c != Code::ok) {
        return fail(c);
    }
    if (validate_path(request.path) != Code::ok) {
        return fail(Code::bad_arguments);
    }
    const Node* node = tree_.find(request.path);
    if (node == nullptr) {
        return fail(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::write, entry_.identity)) {
        return fail(Code::no_auth);
    }
    const int64_t old_size = static_cast<int64_t>(node->data_size());
    if (Code c = tree_.check_quota(request.path, new_size - old_size, 0); c != Code::ok) {
        return fail(c);
    }
    if (request.version != -1 && request.version != node->version) {
        return fail(Code::bad_version);
    }
    const std::string path = request.path;
    tree_.replace_data(path, request.data);
    Node* mut = tree_.find_mut(path);
    mut->version = wrap_add(mut->version, 1);
    mut->mtime = entry_.time_ms;
    mut->mzxid = entry_.zxid;
    OpOutcome out{Code::ok, OpCode::set_data, path, client_stat(*mut, extended())};
    if (std::string prefix = tree_.quota_prefix(path); !prefix.empty()) {
        tree_.update_quota_stat(prefix, new_size - old_size, 0);
    }
    events_.push_back(TreeEvent{proto::EventType::node_data_changed, path});
    return out;
}

OpOutcome Applier::set_acl(const proto::SetAclRequest& request) {
    if (Code c = check_session(false); c != Code::ok) {
        return fail(c);
    }
    if (validate_path(request.path) != Code::ok) {
        return fail(Code::bad_arguments);
    }
    auto acl = fixup_acl(request.acl, entry_.identity);
    if (!acl.ok()) {
        return fail(acl.error());
    }
    const Node* node = tree_.find(request.path);
    if (node == nullptr) {
        return fail(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::admin, entry_.identity)) {
        return fail(Code::no_auth);
    }
    if (request.version != -1 && request.version != node->aversion) {
        return fail(Code::bad_version);
    }
    const std::string path = request.path;
    tree_.save_node(path);
    Node* mut = tree_.find_mut(path);
    mut->acl_list = make_acl_list(std::move(acl).value());
    mut->aversion = wrap_add(mut->aversion, 1);
    return OpOutcome{Code::ok, OpCode::set_acl, path, client_stat(*mut, extended())};
}

OpOutcome Applier::check(const proto::CheckVersionRequest& request) {
    if (Code c = check_session(false); c != Code::ok) {
        return fail(c);
    }
    if (validate_path(request.path) != Code::ok) {
        return fail(Code::bad_arguments);
    }
    const Node* node = tree_.find(request.path);
    if (node == nullptr) {
        return fail(Code::no_node);
    }
    if (!acl_permits(node->acl(), proto::perms::read, entry_.identity)) {
        return fail(Code::no_auth);
    }
    if (request.version != -1 && request.version != node->version) {
        return fail(Code::bad_version);
    }
    return OpOutcome{Code::ok, OpCode::check, request.path, client_stat(*node, extended())};
}

// The server's cleanup (ContainerManager), re-checked at apply time.
OpOutcome Applier::delete_container(const proto::PathRequest& request) {
    const std::string& path = request.path;
    const size_t last_slash = path.rfind('/');
    if (last_slash == std::string::npos || has_nul(path) || is_special_path(path)) {
        return fail(Code::bad_arguments);
    }
    const Node* node = tree_.find(path);
    if (node == nullptr || tree_.find(std::string_view(path).substr(0, last_slash)) == nullptr) {
        return fail(Code::no_node);
    }
    if (!node->children.empty()) {
        return fail(Code::not_empty);
    }
    if (!cleanup_eligible(*node, entry_.time_ms, tree_.options)) {
        return fail(Code::bad_version);
    }
    remove_node(path);
    return OpOutcome{Code::ok, OpCode::delete_container, path, {}};
}

// DataTree.killSession: every ephemeral of the session goes, in path order.
void Applier::close_session() {
    auto it = tree_.ephemerals.find(entry_.session_id);
    if (it != tree_.ephemerals.end()) {
        const std::vector<std::string> paths(it->second.begin(), it->second.end());
        for (const std::string& path : paths) {
            remove_node(path);
        }
    }
    tree_.sessions.erase(entry_.session_id);
}

// ---- dispatch -------------------------------------------------------------------------

ApplyResult failed(Code code) {
    return ApplyResult{static_cast<int32_t>(code), {}, {}};
}

CreateArgs create_args(OpCode type, const proto::CreateRequest& r) {
    return CreateArgs{type, r.path, r.data, r.acl, r.flags, -1};
}
CreateArgs create_args(OpCode type, const proto::CreateTtlRequest& r) {
    return CreateArgs{type, r.path, r.data, r.acl, r.flags, r.ttl};
}

// MultiOperationRecord.deserialize + Op.create: inside a multi the op type follows the flags.
// A CreateRequest with TTL flags fails the whole multi with MARSHALLINGERROR in ZooKeeper
// (a ClassCastException in prep); `nullopt` reports that.
std::optional<CreateArgs> multi_create_args(const proto::MultiOp& op) {
    if (const auto* ttl = std::get_if<proto::CreateTtlRequest>(&op.body)) {
        Mode mode{ttl->flags};
        if (valid_flag(ttl->flags) && mode.ttl()) {
            return create_args(OpCode::create_ttl, *ttl);
        }
        CreateArgs args = create_args(OpCode::create, *ttl);
        args.ttl = -1;
        return args;
    }
    const auto& plain = std::get<proto::CreateRequest>(op.body);
    Mode mode{plain.flags};
    if (valid_flag(plain.flags) && mode.ttl()) {
        return std::nullopt;
    }
    bool container = valid_flag(plain.flags) && mode.container();
    return create_args(container ? OpCode::create_container : OpCode::create, plain);
}

OpOutcome run_multi_op(Applier& applier, const proto::MultiOp& op) {
    switch (op.type) {
        case OpCode::create:
        case OpCode::create2:
        case OpCode::create_container:
        case OpCode::create_ttl: return applier.create(*multi_create_args(op));
        case OpCode::remove: return applier.remove(std::get<proto::DeleteRequest>(op.body));
        case OpCode::set_data: return applier.set_data(std::get<proto::SetDataRequest>(op.body));
        case OpCode::check: return applier.check(std::get<proto::CheckVersionRequest>(op.body));
        default: return fail(Code::marshalling_error);
    }
}

// FinalRequestProcessor's multi results: create -> CreateResponse; containers and TTL nodes
// -> Create2Response under type create2; delete and check -> no body.
proto::MultiResult multi_result(const OpOutcome& out) {
    switch (out.type) {
        case OpCode::create: return {OpCode::create, 0, proto::CreateResponse{out.path}};
        case OpCode::create_container:
        case OpCode::create_ttl:
            return {OpCode::create2, 0, proto::Create2Response{out.path, out.stat}};
        case OpCode::set_data: return {OpCode::set_data, 0, proto::StatResponse{out.stat}};
        case OpCode::remove: return {OpCode::remove, 0, proto::Empty{}};
        case OpCode::check: return {OpCode::check, 0, proto::Empty{}};
        default: WD_UNREACHABLE();
    }
}

proto::MultiResult error_result(Code code) {
    auto value = static_cast<int32_t>(code);
    return {OpCode::error, value, proto::ErrorResponse{value}};
}

ApplyResult apply_multi(Impl& tree, const Entry& entry) {
    proto::JuteReader reader(entry.body);
    auto request = proto::decode_multi_request(reader, false);
    if (!request.ok() || !reader.at_end()) {
        return failed(Code::marshalling_error);
    }
    for (const proto::MultiOp& op : request->ops) {
        if (std::holds_alternative<proto::CreateRequest>(op.body) && !multi_create_args(op)) {
            return failed(Code::marshalling_error);
        }
    }
    Applier applier(tree, entry);
    std::vector<Undo> undo;
    std::vector<OpOutcome> outcomes;
    tree.undo = &undo;
    for (const proto::MultiOp& op : request->ops) {
        outcomes.push_back(run_multi_op(applier, op));
        if (outcomes.back().code != Code::ok) {
            break;
        }
    }
    tree.undo = nullptr;
    proto::MultiResponse response;
    const bool ok = outcomes.empty() || outcomes.back().code == Code::ok;
    if (ok) {
        for (const OpOutcome& out : outcomes) {
            response.results.push_back(multi_result(out));
        }
    } else {
        // DataTree.processTxn: ops before the failure report OK, the failure its code, the
        // rest RUNTIMEINCONSISTENCY; the ReplyHeader err stays 0.
        tree.rollback(undo);
        applier.drop_events();
        for (size_t i = 0; i < request->ops.size(); ++i) {
            response.results.push_back(error_result(i + 1 < outcomes.size() ? Code::ok
                                                    : i + 1 == outcomes.size()
                                                        ? outcomes.back().code
                                                        : Code::runtime_inconsistency));
        }
    }
    std::string body;
    proto::JuteWriter writer(body);
    proto::encode(writer, response);
    return ApplyResult{0, std::move(body), applier.take_events()};
}

template <class R>
std::optional<R> decode_body(const Entry& entry) {
    auto decoded = proto::decode_exact<R>(entry.body);
    if (!decoded.ok()) {
        return std::nullopt;
    }
    return std::move(decoded).value();
}

// Runs one standalone op; `make_body` turns the outcome into the response record.
template <class R, class Op, class Body>
ApplyResult run_single(Impl& tree, const Entry& entry, Op op, Body make_body) {
    auto request = decode_body<R>(entry);
    if (!request) {
        return failed(Code::marshalling_error);  // FinalRequestProcessor's catch-all
    }
    Applier applier(tree, entry);
    OpOutcome out = op(applier, *request);
    if (out.code != Code::ok) {
        return failed(out.code);
    }
    return ApplyResult{0, make_body(out), applier.take_events()};
}

std::string no_body(const OpOutcome&) {
    return {};
}
std::string stat_body(const OpOutcome& out) {
    return proto::encode_to_string(proto::StatResponse{out.stat});
}
std::string create_body(const OpOutcome& out) {
    return proto::encode_to_string(proto::CreateResponse{out.path});
}
std::string create2_body(const OpOutcome& out) {
    return proto::encode_to_string(proto::Create2Response{out.path, out.stat});
}

ApplyResult apply_create(Impl& tree, const Entry& entry) {
    const OpCode type = entry.type;
    auto body = type == OpCode::create ? create_body : create2_body;
    if (type == OpCode::create_ttl) {
        return run_single<proto::CreateTtlRequest>(
            tree, entry, [&](Applier& a, const auto& r) { return a.create(create_args(type, r)); },
            body);
    }
    return run_single<proto::CreateRequest>(
        tree, entry, [&](Applier& a, const auto& r) { return a.create(create_args(type, r)); },
        body);
}

ApplyResult apply_session(Impl& tree, const Entry& entry) {
    if (entry.type == OpCode::create_session) {
        auto body = decode_create_session(entry.body);
        if (!body.ok()) {
            return failed(Code::marshalling_error);
        }
        tree.sessions[entry.session_id] =
            SessionInfo{entry.session_id, body->timeout_ms, std::move(body->passwd)};
        return ApplyResult{};
    }
    Applier applier(tree, entry);
    applier.close_session();
    return ApplyResult{0, {}, applier.take_events()};
}

}  // namespace

ApplyResult Impl::apply(const Entry& entry) {
    switch (entry.type) {
        case OpCode::create:
        case OpCode::create2:
        case OpCode::create_container:
        case OpCode::create_ttl: return apply_create(*this, entry);
        case OpCode::remove:
            return run_single<proto::DeleteRequest>(
                *this, entry, [](Applier& a, const auto& r) { return a.remove(r); }, no_body);
        case OpCode::set_data:
            return run_single<proto::SetDataRequest>(
                *this, entry, [](Applier& a, const auto& r) { return a.set_data(r); }, stat_body);
        case OpCode::set_acl:
            return run_single<proto::SetAclRequest>(
                *this, entry, [](Applier& a, const auto& r) { return a.set_acl(r); }, stat_body);
        case OpCode::check:
            // ZooKeeper 3.8 answers a standalone check with SetDataResponse(null) and fails
            // to serialise it; we send the node's Stat.
            return run_single<proto::CheckVersionRequest>(
                *this, entry, [](Applier& a, const auto& r) { return a.check(r); }, stat_body);
        case OpCode::delete_container:
            return run_single<proto::PathRequest>(
                *this, entry, [](Applier& a, const auto& r) { return a.delete_container(r); },
                no_body);
        case OpCode::multi: return apply_multi(*this, entry);
        case OpCode::create_session:
        case OpCode::close_session: return apply_session(*this, entry);
        default: return failed(Code::unimplemented);
    }
}

}  // namespace wd::tree::detail
