// Every record a ZooKeeper 3.5–3.9 client exchanges on the client port, as zookeeper.jute
// defines it. Each record lists its fields in wire order in visit(); codec.h encodes and decodes
// any record through that list, so the order is written once.
//
// Nullable jute buffers (znode data) are `Data` (std::optional<std::string>): ZooKeeper keeps
// the difference between null and empty data, and zkCli prints "null" for the former.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "proto/opcodes.h"

namespace wd::proto {

using Data = std::optional<std::string>;

#define WD_FIELDS(...)                  \
    template <class V>                  \
    void visit(V& v) {                  \
        v(__VA_ARGS__);                 \
    }                                   \
    template <class V>                  \
    void visit(V& v) const {            \
        v(__VA_ARGS__);                 \
    }

// org.apache.zookeeper.data.Id
struct Id {
    std::string scheme;
    std::string id;
    WD_FIELDS(scheme, id)
    bool operator==(const Id&) const = default;
};

// org.apache.zookeeper.data.ACL
struct Acl {
    int32_t perms = 0;
    Id id;
    WD_FIELDS(perms, id)
    bool operator==(const Acl&) const = default;
};

// org.apache.zookeeper.data.Stat (all eleven fields).
struct Stat {
    int64_t czxid = 0;
    int64_t mzxid = 0;
    int64_t ctime = 0;
    int64_t mtime = 0;
    int32_t version = 0;
    int32_t cversion = 0;
    int32_t aversion = 0;
    int64_t ephemeral_owner = 0;
    int32_t data_length = 0;
    int32_t num_children = 0;
    int64_t pzxid = 0;
    WD_FIELDS(czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeral_owner,
              data_length, num_children, pzxid)
    bool operator==(const Stat&) const = default;
};

// ConnectRequest; `read_only` is absent on the wire from 3.3-era clients (has_read_only).
struct ConnectRequest {
    int32_t protocol_version = 0;
    int64_t last_zxid_seen = 0;
    int32_t timeout_ms = 0;
    int64_t session_id = 0;
    std::string passwd;
    bool read_only = false;
    bool has_read_only = true;
    bool operator==(const ConnectRequest&) const = default;
};

// ConnectResponse; ZooKeeper writes the readOnly byte only to clients that sent one
// (has_read_only mirrors the request's). encode()/decode_connect_response() honour it.
struct ConnectResponse {
    int32_t protocol_version = 0;
    int32_t timeout_ms = 0;
    int64_t session_id = 0;
    std::string passwd;
    bool read_only = false;
    WD_FIELDS(protocol_version, timeout_ms, session_id, passwd, read_only)
    bool has_read_only = true;  // not a wire field: whether read_only is on the wire
    bool operator==(const ConnectResponse&) const = default;
};

struct RequestHeader {
    int32_t xid = 0;
    int32_t type = 0;
    WD_FIELDS(xid, type)
    bool operator==(const RequestHeader&) const = default;
};

struct ReplyHeader {
    int32_t xid = 0;
    int64_t zxid = 0;
    int32_t err = 0;
    WD_FIELDS(xid, zxid, err)
    bool operator==(const ReplyHeader&) const = default;
};

struct MultiHeader {
    int32_t type = 0;
    bool done = false;
    int32_t err = 0;
    WD_FIELDS(type, done, err)
    bool operator==(const MultiHeader&) const = default;
};

struct AuthPacket {
    int32_t type = 0;
    std::string scheme;
    std::string auth;
    WD_FIELDS(type, scheme, auth)
    bool operator==(const AuthPacket&) const = default;
};

struct WatcherEvent {
    int32_t type = 0;
    int32_t state = 0;
    std::string path;
    WD_FIELDS(type, state, path)
    bool operator==(const WatcherEvent&) const = default;
};

struct SetWatches {
    int64_t relative_zxid = 0;
    std::vector<std::string> data_watches;
    std::vector<std::string> exist_watches;
    std::vector<std::string> child_watches;
    WD_FIELDS(relative_zxid, data_watches, exist_watches, child_watches)
    bool operator==(const SetWatches&) const = default;
};

struct SetWatches2 {
    int64_t relative_zxid = 0;
    std::vector<std::string> data_watches;
    std::vector<std::string> exist_watches;
    std::vector<std::string> child_watches;
    std::vector<std::string> persistent_watches;
    std::vector<std::string> persistent_recursive_watches;
    WD_FIELDS(relative_zxid, data_watches, exist_watches, child_watches, persistent_watches,
              persistent_recursive_watches)
    bool operator==(const SetWatches2&) const = default;
};

// ---- requests ----------------------------------------------------------------------------

struct CreateRequest {  // create, create2, createContainer
    std::string path;
    Data data;
    std::vector<Acl> acl;
    int32_t flags = 0;
    WD_FIELDS(path, data, acl, flags)
    bool operator==(const CreateRequest&) const = default;
};
struct CreateTtlRequest {
    std::string path;
    Data data;
    std::vector<Acl> acl;
    int32_t flags = 0;
    int64_t ttl = 0;
    WD_FIELDS(path, data, acl, flags, ttl)
    bool operator==(const CreateTtlRequest&) const = default;
};
struct DeleteRequest {
    std::string path;
    int32_t version = -1;
    WD_FIELDS(path, version)
    bool operator==(const DeleteRequest&) const = default;
};
struct ExistsRequest {  // also GetDataRequest, GetChildrenRequest, GetChildren2Request
    std::string path;
    bool watch = false;
    WD_FIELDS(path, watch)
    bool operator==(const ExistsRequest&) const = default;
};
using GetDataRequest = ExistsRequest;
using GetChildrenRequest = ExistsRequest;
using GetChildren2Request = ExistsRequest;
struct SetDataRequest {
    std::string path;
    Data data;
    int32_t version = -1;
    WD_FIELDS(path, data, version)
    bool operator==(const SetDataRequest&) const = default;
};
struct PathRequest {  // GetACLRequest, SyncRequest, GetAllChildrenNumberRequest,
                      // GetEphemeralsRequest (prefixPath)
    std::string path;
    WD_FIELDS(path)
    bool operator==(const PathRequest&) const = default;
};
using GetAclRequest = PathRequest;
using SyncRequest = PathRequest;
using GetAllChildrenNumberRequest = PathRequest;
using GetEphemeralsRequest = PathRequest;
struct SetAclRequest {
    std::string path;
    std::vector<Acl> acl;
    int32_t version = -1;
    WD_FIELDS(path, acl, version)
    bool operator==(const SetAclRequest&) const = default;
};
struct CheckVersionRequest {
    std::string path;
    int32_t version = -1;
    WD_FIELDS(path, version)
    bool operator==(const CheckVersionRequest&) const = default;
};
struct PathTypeRequest {  // CheckWatchesRequest, RemoveWatchesRequest, AddWatchRequest (mode)
    std::string path;
    int32_t type = 0;
    WD_FIELDS(path, type)
    bool operator==(const PathTypeRequest&) const = default;
};
using CheckWatchesRequest = PathTypeRequest;
using RemoveWatchesRequest = PathTypeRequest;
using AddWatchRequest = PathTypeRequest;
struct ReconfigRequest {
    std::string joining_servers;
    std::string leaving_servers;
    std::string new_members;
    int64_t cur_config_id = 0;
    WD_FIELDS(joining_servers, leaving_servers, new_members, cur_config_id)
    bool operator==(const ReconfigRequest&) const = default;
};
struct SaslRequest {  // GetSASLRequest / SetSASLResponse
    std::string token;
    WD_FIELDS(token)
    bool operator==(const SaslRequest&) const = default;
};
using SaslResponse = SaslRequest;  // SetSASLResponse

// ---- responses ---------------------------------------------------------------------------

struct StatResponse {  // ExistsResponse, SetDataResponse, SetACLResponse
    Stat stat;
    WD_FIELDS(stat)
    bool operator==(const StatResponse&) const = default;
};
struct CreateResponse {
    std::string path;
    WD_FIELDS(path)
    bool operator==(const CreateResponse&) const = default;
};
struct Create2Response {
    std::string path;
    Stat stat;
    WD_FIELDS(path, stat)
    bool operator==(const Create2Response&) const = default;
};
struct GetDataResponse {
    Data data;
    Stat stat;
    WD_FIELDS(data, stat)
    bool operator==(const GetDataResponse&) const = default;
};
struct GetChildrenResponse {
    std::vector<std::string> children;
    WD_FIELDS(children)
    bool operator==(const GetChildrenResponse&) const = default;
};
struct GetChildren2Response {
    std::vector<std::string> children;
    Stat stat;
    WD_FIELDS(children, stat)
    bool operator==(const GetChildren2Response&) const = default;
};
struct GetAclResponse {
    std::vector<Acl> acl;
    Stat stat;
    WD_FIELDS(acl, stat)
    bool operator==(const GetAclResponse&) const = default;
};
struct PathResponse {  // SyncResponse
    std::string path;
    WD_FIELDS(path)
    bool operator==(const PathResponse&) const = default;
};
struct GetAllChildrenNumberResponse {
    int32_t total_number = 0;
    WD_FIELDS(total_number)
    bool operator==(const GetAllChildrenNumberResponse&) const = default;
};
struct GetEphemeralsResponse {
    std::vector<std::string> ephemerals;
    WD_FIELDS(ephemerals)
    bool operator==(const GetEphemeralsResponse&) const = default;
};
struct ErrorResponse {
    int32_t err = 0;
    WD_FIELDS(err)
    bool operator==(const ErrorResponse&) const = default;
};
struct ClientInfo {
    std::string auth_scheme;
    std::string user;
    WD_FIELDS(auth_scheme, user)
    bool operator==(const ClientInfo&) const = default;
};
struct WhoAmIResponse {
    std::vector<ClientInfo> client_info;
    WD_FIELDS(client_info)
    bool operator==(const WhoAmIResponse&) const = default;
};

// ---- multi / multiRead (MultiOperationRecord, MultiResponse) ------------------------------

struct MultiOp {
    OpCode type = OpCode::error;
    // create/create2/createContainer -> CreateRequest, createTTL -> CreateTtlRequest,
    // delete -> DeleteRequest, setData -> SetDataRequest, check -> CheckVersionRequest,
    // getChildren/getData (multiRead) -> ExistsRequest (watch ignored by ZooKeeper: false).
    std::variant<CreateRequest, CreateTtlRequest, DeleteRequest, SetDataRequest,
                 CheckVersionRequest, ExistsRequest>
        body;
    bool operator==(const MultiOp&) const = default;
};
struct MultiRequest {
    std::vector<MultiOp> ops;
    bool operator==(const MultiRequest&) const = default;
};

struct Empty {
    bool operator==(const Empty&) const = default;
};
struct MultiResult {
    OpCode type = OpCode::error;  // the op's type, or error (-1) with ErrorResponse
    int32_t err = 0;
    std::variant<Empty, CreateResponse, Create2Response, StatResponse, GetDataResponse,
                 GetChildrenResponse, ErrorResponse>
        body;
    bool operator==(const MultiResult&) const = default;
};
struct MultiResponse {
    std::vector<MultiResult> results;
    bool operator==(const MultiResponse&) const = default;
};

#undef WD_FIELDS

}  // namespace wd::proto
