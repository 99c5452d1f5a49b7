#include "client/operations.h"

#include "client/connect_string.h"

namespace wd::client {

std::vector<Acl> open_acl_unsafe() { return {Acl{proto::perms::all, Id{"world", "anyone"}}}; }
std::vector<Acl> read_acl_unsafe() { return {Acl{proto::perms::read, Id{"world", "anyone"}}}; }
std::vector<Acl> creator_all_acl() { return {Acl{proto::perms::all, Id{"auth", ""}}}; }

namespace {

bool is_sequential(CreateMode mode) {
    return mode == CreateMode::persistent_sequential || mode == CreateMode::ephemeral_sequential ||
           mode == CreateMode::persistent_sequential_with_ttl;
}

bool is_ttl(CreateMode mode) {
    return mode == CreateMode::persistent_with_ttl ||
           mode == CreateMode::persistent_sequential_with_ttl;
}

bool path_ok(const std::string& path, bool sequential = false) {
    return validate_path(path, sequential).ok();
}

// A create op's opcode and record (CreateRequest or CreateTtlRequest), or BADARGUMENTS.
ZkResult<proto::MultiOp> create_op(std::string path, Data data, const CreateOptions& options,
                                   bool want_stat) {
    int32_t mode = static_cast<int32_t>(options.mode);
    if (mode < 0 || mode > 6 || !path_ok(path, is_sequential(options.mode))) {
        return err(Code::bad_arguments);
    }
    if (is_ttl(options.mode) != (options.ttl_ms > 0) || options.acl.empty()) {
        return err(Code::bad_arguments);
    }
    if (is_ttl(options.mode)) {
        return proto::MultiOp{OpCode::create_ttl,
                              proto::CreateTtlRequest{std::move(path), std::move(data),
                                                      options.acl, mode, options.ttl_ms}};
    }
    OpCode op = options.mode == CreateMode::container ? OpCode::create_container
                : want_stat                           ? OpCode::create2
                                                      : OpCode::create;
    return proto::MultiOp{
        op, proto::CreateRequest{std::move(path), std::move(data), options.acl, mode}};
}

ZkResult<Request> request(OpCode op, proto::RequestBody body, WatchRegistration watch = {}) {
    return Request{op, std::move(body), std::move(watch), 0};
}

template <class R>
ZkResult<R> body_as(Completion&& c) {
    if (c.code != Code::ok) {
        return err(c.code);
    }
    if (!std::holds_alternative<R>(c.body)) {
        return err(Code::marshalling_error);
    }
    return std::get<R>(std::move(c.body));
}

}  // namespace

Multi& Multi::create(std::string path, Data data, CreateOptions options) {
    auto op = create_op(std::move(path), std::move(data), options, /*want_stat=*/false);
    if (!op.ok()) {
        valid_ = false;
        return *this;
    }
    // Inside a multi ZooKeeper answers create with a Create2-less CreateResponse; use create.
    request_.ops.push_back(std::move(op).value());
    return *this;
}

Multi& Multi::remove(std::string path, int32_t version) {
    valid_ = valid_ && path_ok(path);
    request_.ops.push_back({OpCode::remove, proto::DeleteRequest{std::move(path), version}});
    return *this;
}

Multi& Multi::set_data(std::string path, Data data, int32_t version) {
    valid_ = valid_ && path_ok(path);
    request_.ops.push_back(
        {OpCode::set_data, proto::SetDataRequest{std::move(path), std::move(data), version}});
    return *this;
}

Multi& Multi::check(std::string path, int32_t version) {
    valid_ = valid_ && path_ok(path);
    request_.ops.push_back(
        {OpCode::check, proto::CheckVersionRequest{std::move(path), version}});
    return *this;
}

Multi& Multi::get_data(std::string path) {
    valid_ = valid_ && path_ok(path);
    request_.ops.push_back({OpCode::get_data, proto::ExistsRequest{std::move(path), false}});
    return *this;
}

Multi& Multi::get_children(std::string path) {
    valid_ = valid_ && path_ok(path);
    request_.ops.push_back(
        {OpCode::get_children, proto::ExistsRequest{std::move(path), false}});
    return *this;
}

namespace ops {

ZkResult<Request> create(const std::string& path, Data data, const CreateOptions& options,
                         bool want_stat) {
    auto op = create_op(path, std::move(data), options, want_stat);
    if (!op.ok()) {
        return err(op.error());
    }
    return std::visit(
        [&](auto& record) -> ZkResult<Request> {
            using R = std::decay_t<decltype(record)>;
            if constexpr (std::is_same_v<R, proto::CreateRequest> ||
                          std::is_same_v<R, proto::CreateTtlRequest>) {
                return request(op->type, std::move(record));
            } else {
                WD_UNREACHABLE();
            }
        },
        op->body);
}

ZkResult<Request> remove(const std::string& path, int32_t version) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::remove, proto::DeleteRequest{path, version});
}

ZkResult<Request> exists(const std::string& path, Watcher watcher) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    bool watch = watcher != nullptr;
    return request(OpCode::exists, proto::ExistsRequest{path, watch},
                   {watch ? WatchKind::exist : WatchKind::none, path, std::move(watcher)});
}

ZkResult<Request> get_data(const std::string& path, Watcher watcher) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    bool watch = watcher != nullptr;
    return request(OpCode::get_data, proto::ExistsRequest{path, watch},
                   {watch ? WatchKind::data : WatchKind::none, path, std::move(watcher)});
}

ZkResult<Request> set_data(const std::string& path, Data data, int32_t version) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::set_data, proto::SetDataRequest{path, std::move(data), version});
}

ZkResult<Request> get_acl(const std::string& path) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::get_acl, proto::PathRequest{path});
}

ZkResult<Request> set_acl(const std::string& path, std::vector<Acl> acl, int32_t version) {
    if (!path_ok(path) || acl.empty()) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::set_acl, proto::SetAclRequest{path, std::move(acl), version});
}

ZkResult<Request> get_children(const std::string& path, Watcher watcher, bool want_stat) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    bool watch = watcher != nullptr;
    return request(want_stat ? OpCode::get_children2 : OpCode::get_children,
                   proto::ExistsRequest{path, watch},
                   {watch ? WatchKind::child : WatchKind::none, path, std::move(watcher)});
}

ZkResult<Request> sync(const std::string& path) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::sync, proto::PathRequest{path});
}

ZkResult<Request> check(const std::string& path, int32_t version) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::check, proto::CheckVersionRequest{path, version});
}

ZkResult<Request> multi(const Multi& multi, bool read_only) {
    if (!multi.valid()) {
        return err(Code::bad_arguments);
    }
    for (const proto::MultiOp& op : multi.request().ops) {
        bool read = op.type == OpCode::get_data || op.type == OpCode::get_children;
        if (read != read_only) {
            return err(Code::bad_arguments);  // reads only in multiRead, writes only in multi
        }
    }
    return request(read_only ? OpCode::multi_read : OpCode::multi, multi.request());
}

ZkResult<Request> get_ephemerals(const std::string& prefix_path) {
    if (!path_ok(prefix_path, /*sequential=*/true)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::get_ephemerals, proto::PathRequest{prefix_path});
}

ZkResult<Request> get_all_children_number(const std::string& path) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::get_all_children_number, proto::PathRequest{path});
}

ZkResult<Request> add_watch(const std::string& path, AddWatchMode mode, Watcher watcher) {
    if (!path_ok(path) || watcher == nullptr) {
        return err(Code::bad_arguments);
    }
    WatchKind kind = mode == AddWatchMode::persistent ? WatchKind::persistent
                                                      : WatchKind::persistent_recursive;
    return request(OpCode::add_watch, proto::PathTypeRequest{path, static_cast<int32_t>(mode)},
                   {kind, path, std::move(watcher)});
}

ZkResult<Request> remove_watches(const std::string& path, WatcherType type, Watcher watcher) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::remove_watches,
                   proto::PathTypeRequest{path, static_cast<int32_t>(type)},
                   {WatchKind::remove, path, std::move(watcher), type});
}

ZkResult<Request> check_watches(const std::string& path, WatcherType type) {
    if (!path_ok(path)) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::check_watches,
                   proto::PathTypeRequest{path, static_cast<int32_t>(type)});
}

ZkResult<Request> who_am_i() { return request(OpCode::who_am_i, proto::Empty{}); }

ZkResult<Request> add_auth(std::string scheme, std::string auth) {
    if (scheme.empty()) {
        return err(Code::bad_arguments);
    }
    return request(OpCode::auth, proto::AuthPacket{0, std::move(scheme), std::move(auth)});
}

ZkResult<Request> get_config(Watcher watcher) {
    std::string path(config_node);
    bool watch = watcher != nullptr;
    auto made = request(OpCode::get_data, proto::ExistsRequest{path, watch},
                        {watch ? WatchKind::data : WatchKind::none, path, std::move(watcher)});
    made->absolute_path = true;
    return made;
}

ZkResult<Request> reconfig(const ReconfigSpec& spec) {
    bool incremental = !spec.joining.empty() || !spec.leaving.empty();
    if (incremental == !spec.members.empty()) {
        return err(Code::bad_arguments);  // both modes, or neither
    }
    return request(OpCode::reconfig, proto::ReconfigRequest{spec.joining, spec.leaving,
                                                            spec.members, spec.from_config});
}

ZkResult<void> to_void(Completion&& c) {
    if (c.code != Code::ok) {
        return err(c.code);
    }
    return {};
}

ZkResult<std::string> to_path(Completion&& c) {
    if (c.code != Code::ok) {
        return err(c.code);
    }
    if (auto* r = std::get_if<proto::CreateResponse>(&c.body)) {
        return std::move(r->path);
    }
    if (auto* r = std::get_if<proto::Create2Response>(&c.body)) {
        return std::move(r->path);
    }
    if (auto* r = std::get_if<proto::PathResponse>(&c.body)) {
        return std::move(r->path);
    }
    return err(Code::marshalling_error);
}

ZkResult<CreateResult> to_create_result(Completion&& c) {
    auto r = body_as<proto::Create2Response>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return CreateResult{std::move(r->path), r->stat};
}

ZkResult<std::optional<Stat>> to_exists(Completion&& c) {
    if (c.code == Code::no_node) {
        return std::optional<Stat>();
    }
    auto r = body_as<proto::StatResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return std::optional<Stat>(r->stat);
}

ZkResult<Stat> to_stat(Completion&& c) {
    auto r = body_as<proto::StatResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return r->stat;
}

ZkResult<DataResult> to_data(Completion&& c) { return body_as<DataResult>(std::move(c)); }
ZkResult<AclResult> to_acl(Completion&& c) { return body_as<AclResult>(std::move(c)); }
ZkResult<ChildrenResult> to_children2(Completion&& c) {
    return body_as<ChildrenResult>(std::move(c));
}

ZkResult<std::vector<std::string>> to_children(Completion&& c) {
    auto r = body_as<proto::GetChildrenResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return std::move(r->children);
}

ZkResult<MultiOutcome> to_multi(Completion&& c) {
    auto r = body_as<proto::MultiResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    MultiOutcome out{Code::ok, std::move(r->results)};
    for (const proto::MultiResult& result : out.results) {
        if (result.type == OpCode::error && result.err != 0) {
            out.code = static_cast<Code>(result.err);
            break;
        }
    }
    return out;
}

ZkResult<MultiOutcome> to_multi_read(Completion&& c) {
    auto r = body_as<proto::MultiResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return MultiOutcome{Code::ok, std::move(r->results)};
}

ZkResult<std::vector<std::string>> to_ephemerals(Completion&& c) {
    auto r = body_as<proto::GetEphemeralsResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return std::move(r->ephemerals);
}

ZkResult<int32_t> to_count(Completion&& c) {
    auto r = body_as<proto::GetAllChildrenNumberResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return r->total_number;
}

ZkResult<std::vector<ClientInfo>> to_who_am_i(Completion&& c) {
    auto r = body_as<proto::WhoAmIResponse>(std::move(c));
    if (!r.ok()) {
        return err(r.error());
    }
    return std::move(r->client_info);
}

}  // namespace ops

}  // namespace wd::client
