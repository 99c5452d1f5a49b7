// Test helpers: builds entries for a DataTree and applies them with increasing zxids.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "proto/codec.h"
#include "tree/data_tree.h"

namespace wd::tree::testing {

inline std::vector<proto::Acl> open_acl() {
    return {proto::Acl{proto::perms::all, proto::Id{"world", "anyone"}}};
}

// Drives one tree: every write gets the next zxid and time_ms = 1000 * zxid unless set.
class Driver {
public:
    explicit Driver(Options options = {}) : tree_(options) {}

    DataTree& tree() { return tree_; }
    int64_t next_zxid() const { return tree_.last_zxid() + 1; }
    void set_time(int64_t time_ms) { time_ms_ = time_ms; }

    ApplyResult apply(proto::OpCode type, std::string body, int64_t session = 1,
                      Identity who = {}) {
        Entry e;
        e.zxid = next_zxid();
        e.time_ms = time_ms_ >= 0 ? time_ms_ : 1000 * e.zxid;
        e.session_id = session;
        e.type = type;
        e.body = std::move(body);
        e.identity = std::move(who);
        return tree_.apply(e);
    }
    ApplyResult open_session(int64_t session, int32_t timeout_ms = 30000) {
        return apply(proto::OpCode::create_session,
                     encode_create_session(CreateSessionBody{timeout_ms, std::string(16, 'p')}),
                     session);
    }
    ApplyResult close_session(int64_t session) {
        return apply(proto::OpCode::close_session, {}, session);
    }
    ApplyResult create(const std::string& path, proto::Data data = std::string(), int32_t flags = 0,
                       int64_t session = 1, std::vector<proto::Acl> acl = open_acl(),
                       Identity who = {}, proto::OpCode type = proto::OpCode::create) {
        return apply(type,
                     proto::encode_to_string(
                         proto::CreateRequest{path, std::move(data), std::move(acl), flags}),
                     session, std::move(who));
    }
    ApplyResult create_ttl(const std::string& path, int64_t ttl, int32_t flags = 5,
                           int64_t session = 1) {
        return apply(proto::OpCode::create_ttl,
                     proto::encode_to_string(
                         proto::CreateTtlRequest{path, std::string(), open_acl(), flags, ttl}),
                     session);
    }
    ApplyResult remove(const std::string& path, int32_t version = -1, int64_t session = 1,
                       Identity who = {}) {
        return apply(proto::OpCode::remove,
                     proto::encode_to_string(proto::DeleteRequest{path, version}), session,
                     std::move(who));
    }
    ApplyResult set(const std::string& path, proto::Data data, int32_t version = -1,
                    int64_t session = 1, Identity who = {}) {
        return apply(proto::OpCode::set_data,
                     proto::encode_to_string(proto::SetDataRequest{path, std::move(data), version}),
                     session, std::move(who));
    }
    ApplyResult set_acl(const std::string& path, std::vector<proto::Acl> acl, int32_t version = -1,
                        int64_t session = 1, Identity who = {}) {
        return apply(proto::OpCode::set_acl,
                     proto::encode_to_string(proto::SetAclRequest{path, std::move(acl), version}),
                     session, std::move(who));
    }
    ApplyResult multi(const proto::MultiRequest& request, int64_t session = 1, Identity who = {}) {
        std::string body;
        proto::JuteWriter w(body);
        proto::encode(w, request);
        return apply(proto::OpCode::multi, std::move(body), session, std::move(who));
    }
    ApplyResult delete_container(const std::string& path) {
        return apply(proto::OpCode::delete_container,
                     proto::encode_to_string(proto::PathRequest{path}), 0);
    }

private:
    DataTree tree_;
    int64_t time_ms_ = -1;
};

inline proto::MultiResponse decode_multi(const std::string& body) {
    proto::JuteReader r(body);
    auto decoded = proto::decode_multi_response(r);
    WD_ASSERT(decoded.ok());
    return std::move(decoded).value();
}

}  // namespace wd::tree::testing
