// Client-port framing: every message is a 4-byte big-endian signed length, then that many bytes.
//
// split_frame() looks at the front of a receive buffer and never reads past it. The length is
// checked before any payload byte is looked at: negative -> Status::corruption, above the
// configured maximum -> Status::too_large (ZooKeeper's "Len error"; close the connection).
// NOTE: a four-letter word ("ruok", "stat", ...) arrives where the first length would be and
// reads as a huge length; the server must test for one before splitting a new connection.
//
// The *_frame() builders return a whole frame, length included, ready to write to the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/result.h"
#include "proto/codec.h"
#include "proto/records.h"

namespace wd::proto {

inline constexpr size_t frame_header_size = 4;

// One complete frame at the front of a buffer. `payload` borrows from that buffer.
struct Frame {
    std::string_view payload;
    size_t size = 0;  // bytes the frame occupies in the buffer: frame_header_size + payload size
};

// The frame at the front of `buffer`: a Frame, std::nullopt when more bytes are needed (partial
// length or partial payload), or an error for a length < 0 or > frame_size_max.
Result<std::optional<Frame>> split_frame(std::string_view buffer,
                                         uint32_t frame_size_max = limits::frame_size_max);

// Every complete frame at the front of `buffer`, in order; `consumed` is the number of bytes
// they occupy (the caller drops them; the rest is a partial frame). An error in any length
// is an error for the whole buffer: the connection is closed anyway.
struct Frames {
    std::vector<std::string_view> payloads;
    size_t consumed = 0;
};
Result<Frames> split_frames(std::string_view buffer,
                            uint32_t frame_size_max = limits::frame_size_max);

// Length-prefixes `payload`. REQUIRES: payload.size() <= INT32_MAX.
std::string frame(std::string_view payload);

namespace detail {
// Starts a frame in `out` with a length placeholder; finish_frame() fills it in.
inline void begin_frame(std::string& out) { out.assign(frame_header_size, '\0'); }
void finish_frame(std::string& out);
}  // namespace detail

// A frame holding whatever `write(JuteWriter&)` appends: the one place that reserves the
// length prefix and fills it in.
template <class Write>
std::string build_frame(Write&& write) {
    std::string out;
    detail::begin_frame(out);
    JuteWriter w(out);
    write(w);
    detail::finish_frame(out);
    return out;
}

// ReplyHeader then `body` (any record codec.h encodes, MultiResponse included). ZooKeeper sends
// a body only when header.err == 0 (multi included: its failures are inside MultiResponse).
template <class R>
std::string reply_frame(const ReplyHeader& header, const R& body) {
    return build_frame([&](JuteWriter& w) {
        encode(w, header);
        encode(w, body);
    });
}
// ReplyHeader alone: errors, and ops without a response record (delete, setWatches, ping...).
std::string reply_frame(const ReplyHeader& header);
// A watch notification: ReplyHeader{xid -1, zxid, err 0} then the WatcherEvent. ZooKeeper 3.8
// sends zxid -1 here (captured in tests/data/proto); the caller chooses.
std::string notification_frame(int64_t zxid, const WatcherEvent& event);
// The handshake answer (honours response.has_read_only).
std::string connect_response_frame(const ConnectResponse& response);

// Client side: RequestHeader then `body`, and the handshake request.
template <class R>
std::string request_frame(const RequestHeader& header, const R& body) {
    return build_frame([&](JuteWriter& w) {
        encode(w, header);
        encode(w, body);
    });
}
std::string request_frame(const RequestHeader& header);  // ping, closeSession, whoAmI
std::string connect_request_frame(const ConnectRequest& request);

}  // namespace wd::proto
