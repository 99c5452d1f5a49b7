// The operations of the client API as pure values: building the Request of each operation
// (with client-side path validation: an invalid path is BADARGUMENTS before anything is sent,
// as the Java client's PathUtils) and converting its Completion to the operation's result.
// No I/O; client_asio.h binds these to a connection.
#pragma once

#include <string>
#include <vector>

#include "client/types.h"

namespace wd::client {

// ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone with every permission.
std::vector<Acl> open_acl_unsafe();
// ZooDefs.Ids.READ_ACL_UNSAFE and CREATOR_ALL_ACL (auth:, the creator's authenticated ids).
std::vector<Acl> read_acl_unsafe();
std::vector<Acl> creator_all_acl();

struct CreateOptions {
    CreateMode mode = CreateMode::persistent;
    std::vector<Acl> acl = open_acl_unsafe();
    int64_t ttl_ms = 0;  // REQUIRED > 0 for the *_with_ttl modes, else 0
};

struct CreateResult {
    std::string path;  // the created path (with the sequence suffix for sequential modes)
    Stat stat;
};
using DataResult = proto::GetDataResponse;          // data (null or bytes), stat
using ChildrenResult = proto::GetChildren2Response;  // children, stat
using AclResult = proto::GetAclResponse;             // acl, stat
using ClientInfo = proto::ClientInfo;

// ZooDefs.CONFIG_NODE: the dynamic configuration ("server.N=host:port:port[:role];client",
// then "version=hex"); empty on a standalone server. getConfig reads it past any chroot.
inline constexpr std::string_view config_node = "/zookeeper/config";

// A reconfig (ZooKeeperAdmin.reconfigure, opcode 16, zookeeper.jute ReconfigRequest).
// Incremental: `joining` (comma-separated "server.N=..." specs) and/or `leaving` (comma-separated
// server ids). Non-incremental: `members`, the whole new membership. `from_config` is the
// config version (the "version=" value, as a number) it must apply to; -1: any.
// The record's strings are sent empty, not null, when unused.
struct ReconfigSpec {
    std::string joining;
    std::string leaving;
    std::string members;
    int64_t from_config = -1;
};

// multi: `code` is OK when every op applied, else the code of the first failing op (the ops
// before it report OK, those after it RUNTIMEINCONSISTENCY, as ZooKeeper answers). multiRead:
// `code` is OK and each result carries its own error.
struct MultiOutcome {
    Code code = Code::ok;
    std::vector<proto::MultiResult> results;
};

// A multi or multiRead under construction: Multi().create(...).set_data(...).check(...).
class Multi {
public:
    Multi& create(std::string path, Data data, CreateOptions options = {});
    Multi& remove(std::string path, int32_t version = -1);
    Multi& set_data(std::string path, Data data, int32_t version = -1);
    Multi& check(std::string path, int32_t version);
    // multiRead only:
    Multi& get_data(std::string path);
    Multi& get_children(std::string path);

    const proto::MultiRequest& request() const { return request_; }
    // The first invalid argument, if any (reported as BADARGUMENTS when submitted).
    bool valid() const { return valid_; }

private:
    proto::MultiRequest request_;
    bool valid_ = true;
};

// Request builders. An error is BADARGUMENTS (invalid path, TTL, or mode).
namespace ops {
ZkResult<Request> create(const std::string& path, Data data, const CreateOptions& options,
                         bool want_stat);
ZkResult<Request> remove(const std::string& path, int32_t version);
ZkResult<Request> exists(const std::string& path, Watcher watcher);
ZkResult<Request> get_data(const std::string& path, Watcher watcher);
ZkResult<Request> set_data(const std::string& path, Data data, int32_t version);
ZkResult<Request> get_acl(const std::string& path);
ZkResult<Request> set_acl(const std::string& path, std::vector<Acl> acl, int32_t version);
ZkResult<Request> get_children(const std::string& path, Watcher watcher, bool want_stat);
ZkResult<Request> sync(const std::string& path);
ZkResult<Request> check(const std::string& path, int32_t version);
ZkResult<Request> multi(const Multi& multi, bool read_only);
ZkResult<Request> get_ephemerals(const std::string& prefix_path);
ZkResult<Request> get_all_children_number(const std::string& path);
ZkResult<Request> add_watch(const std::string& path, AddWatchMode mode, Watcher watcher);
ZkResult<Request> remove_watches(const std::string& path, WatcherType type, Watcher watcher);
ZkResult<Request> check_watches(const std::string& path, WatcherType type);
ZkResult<Request> who_am_i();
ZkResult<Request> add_auth(std::string scheme, std::string auth);
// getData of config_node, without the chroot; `watcher` (optional) is a data watch on it.
ZkResult<Request> get_config(Watcher watcher);
// BADARGUMENTS when `members` is combined with `joining`/`leaving`, or all three are empty.
ZkResult<Request> reconfig(const ReconfigSpec& spec);

// Completion converters: a non-OK code is the error, else the body as the result type.
ZkResult<void> to_void(Completion&& c);
ZkResult<std::string> to_path(Completion&& c);
ZkResult<CreateResult> to_create_result(Completion&& c);
ZkResult<std::optional<Stat>> to_exists(Completion&& c);  // NONODE -> std::nullopt
ZkResult<Stat> to_stat(Completion&& c);
ZkResult<DataResult> to_data(Completion&& c);  // also getConfig and reconfig
ZkResult<AclResult> to_acl(Completion&& c);
ZkResult<std::vector<std::string>> to_children(Completion&& c);
ZkResult<ChildrenResult> to_children2(Completion&& c);
ZkResult<MultiOutcome> to_multi(Completion&& c);
ZkResult<MultiOutcome> to_multi_read(Completion&& c);
ZkResult<std::vector<std::string>> to_ephemerals(Completion&& c);
ZkResult<int32_t> to_count(Completion&& c);
ZkResult<std::vector<ClientInfo>> to_who_am_i(Completion&& c);
}  // namespace ops

}  // namespace wd::client
