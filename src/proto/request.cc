#include "proto/request.h"

namespace wd::proto {

namespace {

// Decodes exactly one record of type R from `bytes` into the variant V.
template <class R, class V>
Result<V> one(std::string_view bytes) {
    auto record = decode_exact<R>(bytes);
    if (!record.ok()) {
        return err(std::move(record).error());
    }
    return V(std::in_place_type<R>, std::move(record).value());
}

template <class V>
Result<V> empty_body(std::string_view bytes) {
    if (!bytes.empty()) {
        return err(Status::corruption("trailing bytes after header-only message"));
    }
    return V(std::in_place_type<Empty>);
}

template <class V>
Result<V> multi_request(std::string_view bytes, bool read_only) {
    JuteReader r(bytes);
    auto multi = decode_multi_request(r, read_only);
    if (!multi.ok()) {
        return err(std::move(multi).error());
    }
    if (!r.at_end()) {
        return err(Status::corruption("trailing bytes after multi"));
    }
    return V(std::in_place_type<MultiRequest>, std::move(multi).value());
}

Status not_a(std::string_view what, OpCode op) {
    return Status::not_found("opcode " + std::to_string(static_cast<int32_t>(op)) + " is not a " +
                             std::string(what));
}

}  // namespace

Result<RequestBody> decode_request(OpCode op, std::string_view body) {
    using V = RequestBody;
    switch (op) {
        case OpCode::ping:
        case OpCode::close_session:
        case OpCode::who_am_i: return empty_body<V>(body);
        case OpCode::create:
        case OpCode::create2:
        case OpCode::create_container: return one<CreateRequest, V>(body);
        case OpCode::create_ttl: return one<CreateTtlRequest, V>(body);
        case OpCode::remove: return one<DeleteRequest, V>(body);
        case OpCode::exists:
        case OpCode::get_data:
        case OpCode::get_children:
        case OpCode::get_children2: return one<ExistsRequest, V>(body);
        case OpCode::set_data: return one<SetDataRequest, V>(body);
        case OpCode::get_acl:
        case OpCode::sync:
        case OpCode::get_all_children_number:
        case OpCode::get_ephemerals: return one<PathRequest, V>(body);
        case OpCode::set_acl: return one<SetAclRequest, V>(body);
        case OpCode::check: return one<CheckVersionRequest, V>(body);
        case OpCode::check_watches:
        case OpCode::remove_watches:
        case OpCode::add_watch: return one<PathTypeRequest, V>(body);
        case OpCode::reconfig: return one<ReconfigRequest, V>(body);
        case OpCode::sasl: return one<SaslRequest, V>(body);
        case OpCode::set_watches: return one<SetWatches, V>(body);
        case OpCode::set_watches2: return one<SetWatches2, V>(body);
        case OpCode::auth: return one<AuthPacket, V>(body);
        case OpCode::multi: return multi_request<V>(body, /*read_only=*/false);
        case OpCode::multi_read: return multi_request<V>(body, /*read_only=*/true);
        case OpCode::notification:
        case OpCode::error:
        case OpCode::create_session:
        case OpCode::delete_container: break;
    }
    return err(not_a("client request", op));
}

Result<Request> decode_request_payload(std::string_view payload) {
    JuteReader r(payload);
    RequestHeader header = decode<RequestHeader>(r);
    if (!r.ok()) {
        return err(Status::corruption("truncated request header"));
    }
    auto body = decode_request(static_cast<OpCode>(header.type), payload.substr(r.position()));
    if (!body.ok()) {
        return err(std::move(body).error());
    }
    return Request{header, std::move(body).value()};
}

void encode_request_body(JuteWriter& w, const RequestBody& body) {
    std::visit(
        [&w](const auto& record) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(record)>, Empty>) {
                encode(w, record);
            }
        },
        body);
}

Result<ResponseBody> decode_response(OpCode op, std::string_view body) {
    using V = ResponseBody;
    switch (op) {
        case OpCode::remove:
        case OpCode::check:
        case OpCode::ping:
        case OpCode::close_session:
        case OpCode::auth:
        case OpCode::set_watches:
        case OpCode::set_watches2:
        case OpCode::check_watches:
        case OpCode::remove_watches: return empty_body<V>(body);
        case OpCode::add_watch: return one<ErrorResponse, V>(body);
        case OpCode::exists:
        case OpCode::set_data:
        case OpCode::set_acl: return one<StatResponse, V>(body);
        case OpCode::create: return one<CreateResponse, V>(body);
        case OpCode::create2:
        case OpCode::create_container:
        case OpCode::create_ttl: return one<Create2Response, V>(body);
        case OpCode::get_data:
        case OpCode::reconfig: return one<GetDataResponse, V>(body);
        case OpCode::get_children: return one<GetChildrenResponse, V>(body);
        case OpCode::get_children2: return one<GetChildren2Response, V>(body);
        case OpCode::get_acl: return one<GetAclResponse, V>(body);
        case OpCode::sync: return one<PathResponse, V>(body);
        case OpCode::get_all_children_number: return one<GetAllChildrenNumberResponse, V>(body);
        case OpCode::get_ephemerals: return one<GetEphemeralsResponse, V>(body);
        case OpCode::sasl: return one<SaslResponse, V>(body);
        case OpCode::who_am_i: return one<WhoAmIResponse, V>(body);
        case OpCode::notification: return one<WatcherEvent, V>(body);
        case OpCode::multi:
        case OpCode::multi_read: {
            JuteReader r(body);
            auto multi = decode_multi_response(r);
            if (!multi.ok()) {
                return err(std::move(multi).error());
            }
            if (!r.at_end()) {
                return err(Status::corruption("trailing bytes after multi response"));
            }
            return V(std::in_place_type<MultiResponse>, std::move(multi).value());
        }
        case OpCode::error:
        case OpCode::create_session:
        case OpCode::delete_container: break;
    }
    return err(not_a("client request with a response", op));
}

void encode_response_body(JuteWriter& w, const ResponseBody& body) {
    std::visit(
        [&w](const auto& record) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(record)>, Empty>) {
                encode(w, record);
            }
        },
        body);
}

}  // namespace wd::proto
