// ZooKeeper opcodes, special xids, watch event types and states (ZooDefs.OpCode,
// ClientCnxn, Watcher.Event). Values are wire values.
#pragma once

#include <cstdint>
#include <string_view>

namespace wd::proto {

enum class OpCode : int32_t {
    notification = 0,
    create = 1,
    remove = 2,  // "delete" in ZooKeeper
    exists = 3,
    get_data = 4,
    set_data = 5,
    get_acl = 6,
    set_acl = 7,
    get_children = 8,
    sync = 9,
    ping = 11,
    get_children2 = 12,
    check = 13,
    multi = 14,
    create2 = 15,
    reconfig = 16,
    check_watches = 17,
    remove_watches = 18,
    create_container = 19,
    delete_container = 20,
    create_ttl = 21,
    multi_read = 22,
    auth = 100,
    set_watches = 101,
    sasl = 102,
    get_ephemerals = 103,
    get_all_children_number = 104,
    set_watches2 = 105,
    add_watch = 106,
    who_am_i = 107,
    create_session = -10,
    close_session = -11,
    error = -1,
};

std::string_view opcode_name(OpCode op);
// True for opcodes that change the tree and therefore go through the log.
bool is_write(OpCode op);

namespace xid {
inline constexpr int32_t notification = -1;
inline constexpr int32_t ping = -2;
inline constexpr int32_t auth = -4;
inline constexpr int32_t set_watches = -8;
}  // namespace xid

enum class EventType : int32_t {
    none = -1,
    node_created = 1,
    node_deleted = 2,
    node_data_changed = 3,
    node_children_changed = 4,
    data_watch_removed = 5,
    child_watch_removed = 6,
    persistent_watch_removed = 7,
};

enum class KeeperState : int32_t {
    unknown = -1,
    disconnected = 0,
    no_sync_connected = 1,
    sync_connected = 3,
    auth_failed = 4,
    connected_read_only = 5,
    sasl_authenticated = 6,
    expired = -112,
    closed = 7,
};

// WatcherType for checkWatches / removeWatches.
enum class WatcherType : int32_t {
    children = 1,
    data = 2,
    any = 3,
    persistent = 4,
    persistent_recursive = 5,
};

// AddWatchMode for addWatch.
enum class AddWatchMode : int32_t {
    persistent = 0,
    persistent_recursive = 1,
};

// CreateMode flags.
enum class CreateMode : int32_t {
    persistent = 0,
    ephemeral = 1,
    persistent_sequential = 2,
    ephemeral_sequential = 3,
    container = 4,
    persistent_with_ttl = 5,
    persistent_sequential_with_ttl = 6,
};

namespace perms {
inline constexpr int32_t read = 1;
inline constexpr int32_t write = 2;
inline constexpr int32_t create = 4;
inline constexpr int32_t remove = 8;  // DELETE
inline constexpr int32_t admin = 16;
inline constexpr int32_t all = 31;
}  // namespace perms

}  // namespace wd::proto
