// Typed dispatch of client requests and server responses by opcode.
//
// decode_request(op, body) validates the layout of one request body in a single call. Several
// opcodes share a record layout (zookeeper.jute), so the variant holds one alternative per
// layout and the opcode says what it means:
//   Empty            ping, closeSession, whoAmI (header only)
//   CreateRequest    create, create2, createContainer     CreateTtlRequest  createTTL
//   DeleteRequest    delete                               SetDataRequest    setData
//   ExistsRequest    exists, getData, getChildren, getChildren2
//   PathRequest      getACL, sync, getAllChildrenNumber, getEphemerals (prefixPath)
//   SetAclRequest    setACL                               CheckVersionRequest  check
//   PathTypeRequest  checkWatches, removeWatches (type), addWatch (mode)
//   ReconfigRequest  reconfig                             SaslRequest       sasl
//   SetWatches       setWatches                           SetWatches2       setWatches2
//   AuthPacket       auth                                 MultiRequest      multi, multiRead
//
// Errors, so the server can pick its reaction:
//   Status::not_found        the opcode is not a client request (notification, error,
//                            createSession, deleteContainer, unknown values): ZooKeeper answers
//                            UNIMPLEMENTED (UnimplementedRequestProcessor).
//   Status::invalid_argument a multi/multiRead holding an op type it does not allow.
//   Status::corruption       truncated, malformed, or trailing bytes after the record.
//   Status::too_large        a multi with more than limits::multi_ops_max ops.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "proto/codec.h"
#include "proto/opcodes.h"
#include "proto/records.h"

namespace wd::proto {

using RequestBody =
    std::variant<Empty, CreateRequest, CreateTtlRequest, DeleteRequest, ExistsRequest,
                 SetDataRequest, PathRequest, SetAclRequest, CheckVersionRequest, PathTypeRequest,
                 ReconfigRequest, SaslRequest, SetWatches, SetWatches2, AuthPacket, MultiRequest>;

// A whole request frame payload: RequestHeader then the body its type selects.
struct Request {
    RequestHeader header;
    RequestBody body;
    OpCode op() const { return static_cast<OpCode>(header.type); }
    bool operator==(const Request&) const = default;
};

// The body of a request of opcode `op`; `body` must hold exactly one record.
Result<RequestBody> decode_request(OpCode op, std::string_view body);
// A frame payload (after the length): RequestHeader, then decode_request(header.type, rest).
Result<Request> decode_request_payload(std::string_view payload);
// Appends the record held by `body` (nothing for Empty).
void encode_request_body(JuteWriter& w, const RequestBody& body);

using ResponseBody =
    std::variant<Empty, StatResponse, CreateResponse, Create2Response, GetDataResponse,
                 GetChildrenResponse, GetChildren2Response, GetAclResponse, PathResponse,
                 GetAllChildrenNumberResponse, GetEphemeralsResponse, SaslResponse,
                 WhoAmIResponse, MultiResponse, WatcherEvent, ErrorResponse>;

// The body of a successful (err == 0) reply to a request of opcode `op`:
//   Empty                  delete, check, ping, closeSession, auth, setWatches, setWatches2,
//                          checkWatches, removeWatches
//   ErrorResponse          addWatch: ZooKeeper answers ErrorResponse{0} (FinalRequestProcessor;
//                          captured in tests/data/proto/zkcli.txt)
//   StatResponse           exists, setData, setACL        CreateResponse  create
//   Create2Response        create2, createContainer, createTTL
//   GetDataResponse        getData, reconfig (the new config and its stat)
//   GetChildrenResponse    getChildren                     GetChildren2Response getChildren2
//   GetAclResponse         getACL                          PathResponse    sync
//   GetAllChildrenNumberResponse, GetEphemeralsResponse, SaslResponse (sasl), WhoAmIResponse
//   MultiResponse          multi, multiRead
//   WatcherEvent           notification (op 0; the reply header's xid is -1)
// A reply with err != 0 carries no body; decode it as Empty. Errors as for decode_request.
Result<ResponseBody> decode_response(OpCode op, std::string_view body);
void encode_response_body(JuteWriter& w, const ResponseBody& body);

}  // namespace wd::proto
