#include "proto/frame.h"

#include "base/coding.h"

namespace wd::proto {

Result<std::optional<Frame>> split_frame(std::string_view buffer, uint32_t frame_size_max) {
    if (buffer.size() < frame_header_size) {
        return std::optional<Frame>();
    }
    const auto length = static_cast<int32_t>(load_u32_be(buffer.data()));
    if (length < 0) {
        return err(Status::corruption("negative frame length " + std::to_string(length)));
    }
    if (static_cast<uint32_t>(length) > frame_size_max) {
        return err(Status::too_large("frame length " + std::to_string(length) + " above " +
                                     std::to_string(frame_size_max)));
    }
    const size_t size = frame_header_size + static_cast<size_t>(length);
    if (buffer.size() < size) {
        return std::optional<Frame>();
    }
    return std::optional<Frame>(Frame{buffer.substr(frame_header_size, size_t(length)), size});
}

Result<Frames> split_frames(std::string_view buffer, uint32_t frame_size_max) {
    Frames frames;
    // Each frame takes at least frame_header_size bytes, which bounds the loop.
    const size_t frames_max = buffer.size() / frame_header_size;
    for (size_t i = 0; i <= frames_max; ++i) {
        auto next = split_frame(buffer.substr(frames.consumed), frame_size_max);
        if (!next.ok()) {
            return err(std::move(next).error());
        }
        if (!next->has_value()) {
            return frames;
        }
        frames.payloads.push_back((*next)->payload);
        frames.consumed += (*next)->size;
        WD_ASSERT(frames.consumed <= buffer.size());
    }
    WD_UNREACHABLE();
}

std::string frame(std::string_view payload) {
    WD_ASSERT(payload.size() <= size_t{INT32_MAX});
    std::string out;
    out.reserve(frame_header_size + payload.size());
    put_u32_be(out, static_cast<uint32_t>(payload.size()));
    out.append(payload);
    return out;
}

namespace detail {
void finish_frame(std::string& out) {
    WD_ASSERT(out.size() >= frame_header_size);
    WD_ASSERT(out.size() - frame_header_size <= size_t{INT32_MAX});
    store_u32_be(out.data(), static_cast<uint32_t>(out.size() - frame_header_size));
}
}  // namespace detail

namespace {

// A frame holding exactly one record.
template <class R>
std::string one_record_frame(const R& record) {
    return build_frame([&](JuteWriter& w) { encode(w, record); });
}

}  // namespace

std::string reply_frame(const ReplyHeader& header) {
    return one_record_frame(header);
}

std::string notification_frame(int64_t zxid, const WatcherEvent& event) {
    return reply_frame(ReplyHeader{xid::notification, zxid, 0}, event);
}

std::string connect_response_frame(const ConnectResponse& response) {
    return one_record_frame(response);
}

std::string request_frame(const RequestHeader& header) {
    return one_record_frame(header);
}

std::string connect_request_frame(const ConnectRequest& request) {
    return one_record_frame(request);
}

}  // namespace wd::proto
