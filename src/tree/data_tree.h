// The znode tree and the one deterministic apply function (DESIGN.md "One apply function").
//
// Pure and single-threaded: no I/O, no clock, no randomness. Every replica that applies the
// same entries in the same order holds the same tree, answers the same responses and reports
// the same events. Reads are answered from the applied state.
//
// Thread affinity: one thread (the server's loop) owns a DataTree.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/code.h"
#include "base/result.h"
#include "proto/events.h"
#include "proto/records.h"

namespace wd::tree {

// Who is asking: the session's authenticated identities (ZooKeeper's authInfo). The server
// adds ("ip", "<client address>") for every connection and ("digest", "user:base64(sha1)")
// for every successful `addauth digest`; `super` is set when the digest matched the
// configured super digest.
struct Identity {
    std::vector<proto::Id> ids;
    bool super = false;
    bool operator==(const Identity&) const = default;
};

// One write, with everything apply needs to be deterministic. Stored in the WAL.
//   type create_session: body is CreateSessionBody (below), session_id the new session.
//   type close_session:  body empty; closes `session_id` (client close or expiry).
//   type delete_container: body is PathRequest; the server's cleanup of an empty container
//                         or an expired TTL node. Apply re-checks that it is still eligible
//                         at `time_ms` and otherwise leaves the node alone.
//   other write types:    body is the client's request record exactly as received.
//                         Like ZooKeeper's checkSession, client writes need `session_id` in
//                         the session table: UNKNOWNSESSION otherwise (SESSIONEXPIRED for an
//                         ephemeral create). create_session, close_session and
//                         delete_container need no session.
struct Entry {
    int64_t zxid = 0;
    int64_t time_ms = 0;  // the proposer's wall time; ctime/mtime and TTL use it
    int64_t session_id = 0;
    int32_t xid = 0;
    proto::OpCode type = proto::OpCode::error;
    std::string body;
    Identity identity;
};

struct CreateSessionBody {
    int32_t timeout_ms = 0;
    std::string passwd;  // 16 bytes
};

std::string encode_entry(const Entry& entry);
Result<Entry> decode_entry(std::string_view bytes);
std::string encode_create_session(const CreateSessionBody& body);
Result<CreateSessionBody> decode_create_session(std::string_view bytes);

struct ApplyResult {
    int32_t err = 0;       // ReplyHeader.err
    std::string body;      // the response record; empty when err != 0, except for multi
    std::vector<proto::TreeEvent> events;
};

struct SessionInfo {
    int64_t session_id = 0;
    int32_t timeout_ms = 0;
    std::string passwd;
};

struct Options {
    bool extended_types_enabled = false;  // createTTL and TTL create modes (else UNIMPLEMENTED)
    bool enforce_quota = false;           // hard quota limits refuse with QUOTAEXCEEDED
    int64_t data_size_max = 0xfffff;      // jute.maxbuffer
    // znode.container.maxNeverUsedIntervalMs: a container that never had a child becomes a
    // cleanup candidate after this long without modification; 0 (ZooKeeper's default) = never.
    int64_t container_max_never_used_interval_ms = 0;
};

class DataTree {
public:
    explicit DataTree(Options options);
    ~DataTree();
    DataTree(DataTree&&) noexcept;
    DataTree& operator=(DataTree&&) noexcept;
    DataTree(const DataTree&) = delete;
    DataTree& operator=(const DataTree&) = delete;

    // Applies one write. REQUIRES: entry.zxid > last_zxid().
    ApplyResult apply(const Entry& entry);

    // ---- reads, at the applied state; each checks the ACL ZooKeeper checks ----
    Result<proto::Stat, Code> exists(std::string_view path) const;
    Result<proto::GetDataResponse, Code> get_data(std::string_view path,
                                                  const Identity& who) const;
    Result<proto::GetChildren2Response, Code> get_children(std::string_view path,
                                                           const Identity& who) const;
    Result<proto::GetAclResponse, Code> get_acl(std::string_view path,
                                                const Identity& who) const;
    Result<int32_t, Code> get_all_children_number(std::string_view path,
                                                  const Identity& who) const;
    // The session's ephemerals whose path starts with `prefix`, sorted.
    std::vector<std::string> get_ephemerals(int64_t session_id, std::string_view prefix) const;
    proto::MultiResponse multi_read(const proto::MultiRequest& request,
                                    const Identity& who) const;
    // Whether `who` may read `path` (for addWatch / sync style checks). NONODE if absent.
    Code check_read(std::string_view path, const Identity& who) const;

    // ---- sessions (created and closed only by apply) ----
    const SessionInfo* session(int64_t session_id) const;
    std::vector<SessionInfo> sessions() const;  // sorted by id

    // Containers that had children and are empty now, and TTL nodes with no children that
    // were not modified for longer than their TTL at `now_ms`. Sorted, at most `count_max`.
    std::vector<std::string> cleanup_candidates(int64_t now_ms, size_t count_max) const;

    // ---- state and accounting ----
    int64_t last_zxid() const;
    size_t node_count() const;
    size_t ephemeral_count() const;
    uint64_t data_bytes() const;  // sum of path and data sizes
    // Order-independent digest of every node's path, data, ACL and Stat, and of the sessions.
    uint64_t digest() const;

    // ---- snapshots (docs/formats.md) ----
    // Deterministic bytes for the same state.
    std::string serialize() const;
    static Result<DataTree> deserialize(std::string_view bytes, Options options);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ZooKeeper's PathUtils.validatePath: BADARGUMENTS for an invalid path. `sequential` allows a
// trailing '/' (the name is completed by the sequence number).
Code validate_path(std::string_view path, bool sequential = false);

}  // namespace wd::tree
