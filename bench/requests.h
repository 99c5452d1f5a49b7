// Client-side request encoding straight into a send buffer (zookeeper.jute): each append_*()
// adds one whole frame (length, RequestHeader, body) to `out` without temporaries, so many
// requests coalesce into one socket write.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "proto/opcodes.h"

namespace wd::bench {

// CreateRequest with the open ACL (world:anyone, all perms) and CreateMode `flags`.
void append_create(std::string& out, int32_t xid, std::string_view path, std::string_view data,
                   proto::CreateMode mode);
void append_delete(std::string& out, int32_t xid, std::string_view path);
// exists, getData, getChildren, getChildren2: {path, watch}.
void append_path_watch(std::string& out, int32_t xid, proto::OpCode op, std::string_view path,
                       bool watch);
void append_set(std::string& out, int32_t xid, std::string_view path, std::string_view data);
// A multi of setData (version -1) on each path.
void append_multi_set(std::string& out, int32_t xid, std::span<const std::string> paths,
                      std::string_view data);
// Header-only requests: ping (xid -2), closeSession.
void append_header_only(std::string& out, int32_t xid, proto::OpCode op);
// The handshake: protocol 0, a new session (id 0, empty password) with readOnly false.
void append_connect(std::string& out, int32_t timeout_ms);

}  // namespace wd::bench
