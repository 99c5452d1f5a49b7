#include "proto/codec.h"

namespace wd::proto {

void encode(JuteWriter& w, const ConnectRequest& request) {
    w.i32(request.protocol_version);
    w.i64(request.last_zxid_seen);
    w.i32(request.timeout_ms);
    w.i64(request.session_id);
    w.buffer(request.passwd);
    if (request.has_read_only) {
        w.boolean(request.read_only);
    }
}

Result<ConnectRequest> decode_connect_request(std::string_view bytes) {
    JuteReader r(bytes);
    ConnectRequest request;
    request.protocol_version = r.i32();
    request.last_zxid_seen = r.i64();
    request.timeout_ms = r.i32();
    request.session_id = r.i64();
    request.passwd = r.buffer();
    if (!r.ok()) {
        return err(Status::corruption("truncated connect request"));
    }
    request.has_read_only = !r.at_end();
    if (request.has_read_only) {
        request.read_only = r.boolean();
    }
    if (!r.ok() || !r.at_end()) {
        return err(Status::corruption("malformed connect request"));
    }
    return request;
}

void encode(JuteWriter& w, const ConnectResponse& response) {
    w.i32(response.protocol_version);
    w.i32(response.timeout_ms);
    w.i64(response.session_id);
    w.buffer(response.passwd);
    if (response.has_read_only) {
        w.boolean(response.read_only);
    }
}

Result<ConnectResponse> decode_connect_response(std::string_view bytes) {
    JuteReader r(bytes);
    ConnectResponse response;
    response.protocol_version = r.i32();
    response.timeout_ms = r.i32();
    response.session_id = r.i64();
    response.passwd = r.buffer();
    if (!r.ok()) {
        return err(Status::corruption("truncated connect response"));
    }
    response.has_read_only = !r.at_end();
    if (response.has_read_only) {
        response.read_only = r.boolean();
    }
    if (!r.ok() || !r.at_end()) {
        return err(Status::corruption("malformed connect response"));
    }
    return response;
}

bool multi_op_allowed(OpCode type, bool read_only) {
    if (read_only) {
        return type == OpCode::get_children || type == OpCode::get_data;
    }
    switch (type) {
        case OpCode::create:
        case OpCode::create2:
        case OpCode::create_container:
        case OpCode::create_ttl:
        case OpCode::remove:
        case OpCode::set_data:
        case OpCode::check:
            return true;
        default:
            return false;
    }
}

void encode(JuteWriter& w, const MultiRequest& request) {
    for (const MultiOp& op : request.ops) {
        encode(w, MultiHeader{static_cast<int32_t>(op.type), false, -1});
        std::visit([&w](const auto& body) { encode(w, body); }, op.body);
    }
    encode(w, MultiHeader{-1, true, -1});
}

namespace {

bool decode_op_body(JuteReader& r, MultiOp& op) {
    switch (op.type) {
        case OpCode::create:
        case OpCode::create2:
        case OpCode::create_container:
            op.body = decode<CreateRequest>(r);
            return true;
        case OpCode::create_ttl:
            op.body = decode<CreateTtlRequest>(r);
            return true;
        case OpCode::remove:
            op.body = decode<DeleteRequest>(r);
            return true;
        case OpCode::set_data:
            op.body = decode<SetDataRequest>(r);
            return true;
        case OpCode::check:
            op.body = decode<CheckVersionRequest>(r);
            return true;
        case OpCode::get_children:
        case OpCode::get_data:
            // GetChildrenRequest / GetDataRequest share ExistsRequest's layout.
            op.body = decode<ExistsRequest>(r);
            return true;
        default:
            return false;
    }
}

}  // namespace

Result<MultiRequest> decode_multi_request(JuteReader& r, bool read_only) {
    MultiRequest request;
    for (uint32_t i = 0; i <= limits::multi_ops_max; ++i) {
        MultiHeader header = decode<MultiHeader>(r);
        if (!r.ok()) {
            return err(Status::corruption("truncated multi header"));
        }
        if (header.done) {
            return request;
        }
        MultiOp op;
        op.type = static_cast<OpCode>(header.type);
        if (!multi_op_allowed(op.type, read_only) || !decode_op_body(r, op)) {
            return err(Status::invalid_argument("op type " + std::to_string(header.type) +
                                                " not allowed in multi"));
        }
        if (!r.ok()) {
            return err(Status::corruption("truncated multi op"));
        }
        request.ops.push_back(std::move(op));
    }
    return err(Status::too_large("too many ops in multi"));
}

void encode(JuteWriter& w, const MultiResponse& response) {
    for (const MultiResult& result : response.results) {
        encode(w, MultiHeader{static_cast<int32_t>(result.type), false, result.err});
        std::visit(
            [&w](const auto& body) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(body)>, Empty>) {
                    encode(w, body);
                }
            },
            result.body);
    }
    encode(w, MultiHeader{-1, true, -1});
}

Result<MultiResponse> decode_multi_response(JuteReader& r) {
    MultiResponse response;
    for (uint32_t i = 0; i <= limits::multi_ops_max; ++i) {
        MultiHeader header = decode<MultiHeader>(r);
        if (!r.ok()) {
            return err(Status::corruption("truncated multi response header"));
        }
        if (header.done) {
            return response;
        }
        MultiResult result;
        result.type = static_cast<OpCode>(header.type);
        result.err = header.err;
        switch (result.type) {
            case OpCode::create: result.body = decode<CreateResponse>(r); break;
            case OpCode::create2:
            case OpCode::create_container:
            case OpCode::create_ttl: result.body = decode<Create2Response>(r); break;
            case OpCode::set_data: result.body = decode<StatResponse>(r); break;
            case OpCode::get_data: result.body = decode<GetDataResponse>(r); break;
            case OpCode::get_children: result.body = decode<GetChildrenResponse>(r); break;
            case OpCode::error: result.body = decode<ErrorResponse>(r); break;
            case OpCode::remove:
            case OpCode::check: result.body = Empty{}; break;
            default:
                return err(Status::corruption("unknown multi result type " +
                                              std::to_string(header.type)));
        }
        if (!r.ok()) {
            return err(Status::corruption("truncated multi result"));
        }
        response.results.push_back(std::move(result));
    }
    return err(Status::too_large("too many results in multi"));
}

}  // namespace wd::proto
