// Outbound frames of the pipeline, on top of proto/frame.h: replies whose body apply already
// encoded, and notifications.
#pragma once

#include <string>
#include <string_view>

#include "proto/frame.h"

namespace wd::server {

// ReplyHeader then an already encoded response record.
inline std::string reply_frame(int32_t xid, int64_t zxid, int32_t err, std::string_view body) {
    return proto::build_frame([&](proto::JuteWriter& w) {
        proto::encode(w, proto::ReplyHeader{xid, zxid, err});
        w.out().append(body);
    });
}

// ZooKeeper's WatchManager sends zxid -1 and state SyncConnected in every notification.
inline std::string notification_frame(proto::EventType type, std::string_view path) {
    return proto::notification_frame(
        -1, proto::WatcherEvent{static_cast<int32_t>(type),
                                static_cast<int32_t>(proto::KeeperState::sync_connected),
                                std::string(path)});
}

inline std::string connect_frame(const proto::ConnectResponse& response) {
    return proto::connect_response_frame(response);
}

}  // namespace wd::server
