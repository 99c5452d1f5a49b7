// The read side of the pipeline: every request that does not change the tree, served from
// the applied state after all earlier requests of the same session (DESIGN.md §1).
#include <spdlog/spdlog.h>

#include "proto/codec.h"
#include "server/pipeline.h"
#include "tree/acl.h"

namespace wd::server {

using proto::OpCode;

namespace {

template <class R>
bool decode_body(const std::string& body, R& out) {
    auto decoded = proto::decode_exact<R>(body);
    if (!decoded.ok()) {
        return false;
    }
    out = std::move(decoded).value();
    return true;
}

int32_t code_of(Code code) {
    return static_cast<int32_t>(code);
}

}  // namespace

void Pipeline::serve_read(Conn& conn, const Request& request) {
    const int64_t zxid = tree_.last_zxid();
    auto reply = [&](Code code, std::string_view body) {
        send_reply(conn, request.xid, zxid, code_of(code), body, request.received_us);
    };
    auto bad_body = [&]() {
        spdlog::warn("session {:#x}: malformed {} request, closing", conn.session_id,
                     proto::opcode_name(request.type));
        close_conn(conn);
    };
    switch (request.type) {
        case OpCode::ping: reply(Code::ok, {}); return;
        case OpCode::auth: serve_auth(conn, request); return;
        case OpCode::set_watches:
        case OpCode::set_watches2: serve_set_watches(conn, request); return;
        case OpCode::exists: {
            proto::ExistsRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto stat = tree_.exists(r.path);
            if (r.watch) {
                watches_.add(conn.session_id, r.path, watch::Kind::data);
            }
            if (!stat.ok()) return reply(stat.error(), {});
            return reply(Code::ok, proto::encode_to_string(proto::StatResponse{*stat}));
        }
        case OpCode::get_data: {
            proto::GetDataRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto data = tree_.get_data(r.path, conn.identity);
            if (!data.ok()) return reply(data.error(), {});
            if (r.watch) {
                watches_.add(conn.session_id, r.path, watch::Kind::data);
            }
            return reply(Code::ok, proto::encode_to_string(*data));
        }
        case OpCode::get_children:
        case OpCode::get_children2: {
            proto::GetChildrenRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto children = tree_.get_children(r.path, conn.identity);
            if (!children.ok()) return reply(children.error(), {});
            if (r.watch) {
                watches_.add(conn.session_id, r.path, watch::Kind::child);
            }
            if (request.type == OpCode::get_children) {
                return reply(Code::ok, proto::encode_to_string(
                                           proto::GetChildrenResponse{children->children}));
            }
            return reply(Code::ok, proto::encode_to_string(*children));
        }
        case OpCode::get_acl: {
            proto::GetAclRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto acl = tree_.get_acl(r.path, conn.identity);
            if (!acl.ok()) return reply(acl.error(), {});
            return reply(Code::ok, proto::encode_to_string(*acl));
        }
        case OpCode::get_all_children_number: {
            proto::GetAllChildrenNumberRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto n = tree_.get_all_children_number(r.path, conn.identity);
            if (!n.ok()) return reply(n.error(), {});
            return reply(Code::ok,
                         proto::encode_to_string(proto::GetAllChildrenNumberResponse{*n}));
        }
        case OpCode::get_ephemerals: {
            proto::GetEphemeralsRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            auto paths = tree_.get_ephemerals(conn.session_id, r.path);
            return reply(Code::ok, proto::encode_to_string(proto::GetEphemeralsResponse{paths}));
        }
        case OpCode::sync: {
            proto::SyncRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            // Standalone: the local tree is the commit point; every earlier write of this
            // session has been applied before we got here.
            return reply(Code::ok, proto::encode_to_string(proto::PathResponse{r.path}));
        }
        case OpCode::multi_read: {
            proto::JuteReader jr(request.body);
            auto multi = proto::decode_multi_request(jr, /*read_only=*/true);
            if (!multi.ok() || !jr.at_end()) return bad_body();
            proto::MultiResponse response = tree_.multi_read(*multi, conn.identity);
            std::string body;
            proto::JuteWriter w(body);
            proto::encode(w, response);
            return reply(Code::ok, body);
        }
        case OpCode::add_watch: {
            proto::AddWatchRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            if (r.type != 0 && r.type != 1) return reply(Code::marshalling_error, {});
            watches_.add(conn.session_id, r.path,
                         r.type == 0 ? watch::Kind::persistent : watch::Kind::persistent_recursive);
            return reply(Code::ok, proto::encode_to_string(proto::ErrorResponse{0}));
        }
        case OpCode::remove_watches:
        case OpCode::check_watches: {
            proto::RemoveWatchesRequest r;
            if (!decode_body(request.body, r)) return bad_body();
            Code c =
                watches_.remove(conn.session_id, r.path, static_cast<proto::WatcherType>(r.type),
                                request.type == OpCode::remove_watches);
            return reply(c, {});
        }
        case OpCode::who_am_i: {
            proto::WhoAmIResponse response;
            for (const proto::Id& id : conn.identity.ids) {
                // The digest provider reports the user name, not the stored hash.
                std::string user = id.id;
                if (id.scheme == "digest") {
                    user = user.substr(0, user.find(':'));
                }
                response.client_info.push_back(proto::ClientInfo{id.scheme, user});
            }
            return reply(Code::ok, proto::encode_to_string(response));
        }
        case OpCode::sasl: {
            // No SASL mechanism is configured. ZooKeeper then answers OK with a null token
            // (SetSASLResponse{token = -1}) and keeps the connection, so we do the same.
            std::string body;
            proto::JuteWriter w(body);
            w.null_buffer();
            return reply(Code::ok, body);
        }
        default:
            // ZooKeeper answers UNIMPLEMENTED and then closes the connection.
            spdlog::info("session {:#x}: unknown opcode {}, closing", conn.session_id,
                         static_cast<int32_t>(request.type));
            reply(Code::unimplemented, {});
            close_conn(conn);
            return;
    }
}

void Pipeline::serve_auth(Conn& conn, const Request& request) {
    proto::AuthPacket packet;
    if (!decode_body(request.body, packet)) {
        close_conn(conn);
        return;
    }
    Code code = Code::ok;
    if (packet.scheme == "digest") {
        if (packet.auth.find(':') == std::string::npos) {
            code = Code::auth_failed;
        } else {
            std::string id = tree::digest_id(packet.auth);
            if (!super_id_.empty() && id == super_id_) {
                conn.identity.super = true;
            }
            proto::Id digest{"digest", id};
            if (std::find(conn.identity.ids.begin(), conn.identity.ids.end(), digest) ==
                conn.identity.ids.end()) {
                conn.identity.ids.push_back(digest);
            }
        }
    } else if (packet.scheme == "ip") {
        // The ip identity is added for every connection already.
    } else {
        code = Code::auth_failed;
    }
    send_reply(conn, proto::xid::auth, 0, code_of(code), {}, request.received_us);
    if (code != Code::ok) {
        // ZooKeeper closes the connection after a failed authentication.
        close_conn(conn);
    }
}

void Pipeline::serve_set_watches(Conn& conn, const Request& request) {
    proto::SetWatches2 watches;
    if (request.type == OpCode::set_watches) {
        proto::SetWatches v1;
        if (!decode_body(request.body, v1)) {
            close_conn(conn);
            return;
        }
        watches.relative_zxid = v1.relative_zxid;
        watches.data_watches = std::move(v1.data_watches);
        watches.exist_watches = std::move(v1.exist_watches);
        watches.child_watches = std::move(v1.child_watches);
    } else if (!decode_body(request.body, watches)) {
        close_conn(conn);
        return;
    }
    auto lookup = [this](std::string_view path) -> std::optional<proto::Stat> {
        auto stat = tree_.exists(path);
        if (!stat.ok()) {
            return std::nullopt;
        }
        return *stat;
    };
    std::vector<watch::Notification> fired = watches_.set_watches(conn.session_id, watches, lookup);
    // ZooKeeper fires the missed events while registering, before it answers.
    notify(fired);
    send_reply(conn, request.xid, tree_.last_zxid(), 0, {}, request.received_us);
}

}  // namespace wd::server
