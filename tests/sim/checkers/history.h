// The client-visible history of a run: every operation with its invocation, its completion
// (or none: the outcome is unknown to the client) and what it observed. The checkers read it;
// hand-written histories in checker_test.cc use the same type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wd::sim {

enum class OpKind : uint8_t { create, set, remove, get, exists, close };

std::string_view op_kind_name(OpKind kind);

inline constexpr uint64_t time_never = UINT64_MAX;

struct Op {
    // Who: a client's session; a close proposed by a leader for an expired session carries
    // that session and process -1.
    int process = 0;
    int64_t session_id = 0;
    OpKind kind = OpKind::get;
    std::string path;     // empty for close
    std::string data;     // create/set: the value written
    bool ephemeral = false;
    int32_t version = -1;  // set/remove: the expected version, -1 for any

    // Real time, as a global event sequence (strictly increasing, no two events equal).
    uint64_t invoke_time = 0;
    uint64_t complete_time = time_never;  // time_never: no response (timeout, lost connection)

    // The response, when complete_time != time_never.
    int32_t err = 0;              // ZooKeeper error code
    int64_t zxid = 0;             // ReplyHeader.zxid: the write's zxid, the server's for reads;
                                  // 0 when unknown (hand-written histories)
    std::string out_data;         // get
    int32_t out_version = 0;      // set, get, exists: the node's version
    int64_t out_owner = 0;        // get, exists: ephemeral_owner

    bool completed() const { return complete_time != time_never; }
    bool is_read() const { return kind == OpKind::get || kind == OpKind::exists; }
};

std::string describe(const Op& op);

}  // namespace wd::sim
