// Public value types of the client library, shared by the pure connection state machine
// (connection.h) and the Asio API (client_asio.h).
//
// Records on the wire are proto/'s types; the client re-exports the ones users see (Stat, Acl,
// Id). Paths a user passes and receives are relative to the chroot of the connect string.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/code.h"
#include "base/result.h"
#include "proto/opcodes.h"
#include "proto/records.h"
#include "proto/request.h"

namespace wd::client {

using proto::Acl;
using proto::AddWatchMode;
using proto::CreateMode;
using proto::EventType;
using proto::Id;
using proto::KeeperState;
using proto::OpCode;
using proto::Stat;
using proto::WatcherType;
using Data = proto::Data;

// A value or a ZooKeeper error code (CONNECTIONLOSS, NONODE, ...).
template <class T>
using ZkResult = Result<T, Code>;

// Session states, as the Java client's ZooKeeper.States plus the reconnecting phase:
//   connecting           first handshake not done yet
//   connected            handshake done, requests flow
//   connected_read_only  connected to a read-only server (canBeReadOnly)
//   disconnected         the connection dropped; reconnecting, the session is kept
//   expired              the server said the session is gone (terminal)
//   auth_failed          an auth packet was refused (terminal)
//   closed               close() finished (terminal)
enum class SessionState : uint8_t {
    connecting,
    connected,
    connected_read_only,
    disconnected,
    expired,
    auth_failed,
    closed,
};
std::string_view session_state_name(SessionState state);
// True for the states after which the client never reconnects.
inline bool is_terminal(SessionState state) {
    return state == SessionState::expired || state == SessionState::auth_failed ||
           state == SessionState::closed;
}

// A notification delivered to a watcher. For type none (session events) path is empty.
struct WatchEvent {
    EventType type = EventType::none;
    KeeperState state = KeeperState::sync_connected;
    std::string path;
    bool operator==(const WatchEvent&) const = default;
};

// A watcher is a callback with an identity: registering the same Watcher twice on one path
// and kind keeps one registration (as the Java client's Set<Watcher>).
using WatchFn = std::function<void(const WatchEvent&)>;
using Watcher = std::shared_ptr<const WatchFn>;
inline Watcher make_watcher(WatchFn fn) { return std::make_shared<const WatchFn>(std::move(fn)); }

// The client-side watch a request adds (on success) or removes, as the Java client's
// WatchRegistration:
//   data     getData; exists when the node exists
//   exist    exists (a data watch when the node exists, an exist watch on NONODE)
//   child    getChildren / getChildren2
//   persistent, persistent_recursive   addWatch
//   remove   removeWatches: drops the local watchers of `remove_type` on success
enum class WatchKind : uint8_t {
    none,
    data,
    exist,
    child,
    persistent,
    persistent_recursive,
    remove,
};
struct WatchRegistration {
    WatchKind kind = WatchKind::none;
    std::string path;  // relative to the chroot
    Watcher watcher;   // remove: a specific watcher, or null for all of remove_type
    WatcherType remove_type = WatcherType::any;
};

// One request for the state machine. Paths inside `body` are relative to the chroot; the
// machine prefixes it when it encodes the frame.
struct Request {
    OpCode op = OpCode::error;
    proto::RequestBody body;
    WatchRegistration watch;
    int64_t timeout_ms = 0;  // 0: the client's default (ClientOptions.request_timeout_ms)
    // The paths in `body` are server paths: the chroot is not prefixed (getConfig reads
    // /zookeeper/config whatever the chroot, as the Java client's getConfig).
    bool absolute_path = false;
};

// The answer to a submitted request: a code and, when code is ok, the decoded body (with the
// chroot stripped from the paths it holds). zxid is the reply header's (0 if none came).
struct Completion {
    uint64_t id = 0;
    Code code = Code::ok;
    int64_t zxid = 0;
    proto::ResponseBody body;
};

}  // namespace wd::client
