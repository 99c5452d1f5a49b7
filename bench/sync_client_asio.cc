#include "bench/sync_client_asio.h"

#include <algorithm>

#include "base/code.h"
#include "bench/requests.h"
#include "proto/codec.h"
#include "proto/frame.h"

namespace wd::bench {

namespace {

constexpr uint32_t reply_size_max = 64u << 20;  // getChildren of a wide parent can be large
constexpr int tree_depth_max = 32;

Status io_status(const std::string& what, const asio::error_code& ec) {
    return Status::io_error(what + ": " + ec.message());
}

Status code_status(const std::string& what, int32_t code) {
    return Status::io_error(what + ": " + std::string(code_name(static_cast<Code>(code))));
}

}  // namespace

Result<std::unique_ptr<SyncClient>> SyncClient::open(asio::io_context& io, const Target& target,
                                                     int32_t timeout_ms) {
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(target.host, std::to_string(target.port), ec);
    if (ec) {
        return err(io_status("resolve " + target.to_string(), ec));
    }
    asio::ip::tcp::socket socket(io);
    asio::connect(socket, endpoints, ec);
    if (ec) {
        return err(io_status("connect " + target.to_string(), ec));
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    std::unique_ptr<SyncClient> client(new SyncClient(std::move(socket)));
    std::string out;
    append_connect(out, timeout_ms);
    asio::write(client->socket_, asio::buffer(out), ec);
    if (ec) {
        return err(io_status("handshake", ec));
    }
    auto frame = client->read_frame();
    if (!frame.ok()) {
        return err(frame.error());
    }
    auto response = proto::decode_connect_response(*frame);
    if (!response.ok() || response->session_id == 0) {
        return err(Status::corruption("handshake refused by " + target.to_string()));
    }
    return client;
}

SyncClient::~SyncClient() { close(); }

Result<std::string> SyncClient::read_frame() {
    // One frame per call; bounded by reply_size_max and by the peer closing.
    for (;;) {
        auto frame = proto::split_frame(in_, reply_size_max);
        if (!frame.ok()) {
            return err(frame.error());
        }
        if (frame->has_value()) {
            std::string payload((*frame)->payload);
            in_.erase(0, (*frame)->size);
            return payload;
        }
        char chunk[65536];
        asio::error_code ec;
        const size_t n = socket_.read_some(asio::buffer(chunk), ec);
        if (ec) {
            return err(io_status("read", ec));
        }
        in_.append(chunk, n);
    }
}

Result<std::vector<SyncClient::Reply>> SyncClient::call_all(const std::vector<Encoder>& requests,
                                                            size_t window) {
    WD_ASSERT(window > 0);
    std::vector<Reply> replies;
    replies.reserve(requests.size());
    const int32_t first_xid = next_xid_;
    size_t sent = 0;
    while (replies.size() < requests.size()) {
        std::string out;
        while (sent < requests.size() && sent - replies.size() < window) {
            requests[sent](out, next_xid_++);
            ++sent;
        }
        asio::error_code ec;
        asio::write(socket_, asio::buffer(out), ec);
        if (ec) {
            return err(io_status("write", ec));
        }
        // Read half a window before topping it up again, so the pipe stays full.
        const size_t read_until = std::min(sent, replies.size() + std::max<size_t>(1, window / 2));
        while (replies.size() < read_until) {
            auto frame = read_frame();
            if (!frame.ok()) {
                return err(frame.error());
            }
            proto::JuteReader r(*frame);
            const auto header = proto::decode<proto::ReplyHeader>(r);
            if (!r.ok()) {
                return err(Status::corruption("short reply header"));
            }
            if (header.xid < 0) {
                continue;  // a notification or a ping reply
            }
            if (header.xid != first_xid + static_cast<int32_t>(replies.size())) {
                return err(Status::corruption("reply xid out of order"));
            }
            replies.push_back(Reply{header.err, std::string(frame->substr(r.position()))});
        }
    }
    return replies;
}

Result<SyncClient::Reply> SyncClient::call(const Encoder& request) {
    auto replies = call_all({request}, 1);
    if (!replies.ok()) {
        return err(replies.error());
    }
    return std::move(replies->front());
}

Result<void> SyncClient::create_all(const std::vector<std::string>& paths,
                                    const std::string& data) {
    std::vector<Encoder> requests;
    requests.reserve(paths.size());
    for (const auto& path : paths) {
        requests.push_back([&path, &data](std::string& out, int32_t xid) {
            append_create(out, xid, path, data, proto::CreateMode::persistent);
        });
    }
    auto replies = call_all(requests);
    if (!replies.ok()) {
        return err(replies.error());
    }
    for (size_t i = 0; i < replies->size(); ++i) {
        const int32_t code = (*replies)[i].err;
        if (code != 0 && code != static_cast<int32_t>(Code::node_exists)) {
            return err(code_status("create " + paths[i], code));
        }
    }
    return {};
}

Result<std::optional<int32_t>> SyncClient::num_children(const std::string& path) {
    auto reply = call([&path](std::string& out, int32_t xid) {
        append_path_watch(out, xid, proto::OpCode::exists, path, false);
    });
    if (!reply.ok()) {
        return err(reply.error());
    }
    if (reply->err == static_cast<int32_t>(Code::no_node)) {
        return std::optional<int32_t>();
    }
    if (reply->err != 0) {
        return err(code_status("exists " + path, reply->err));
    }
    auto stat = proto::decode_exact<proto::StatResponse>(reply->body);
    if (!stat.ok()) {
        return err(stat.error());
    }
    return std::optional<int32_t>(stat->stat.num_children);
}

Result<std::vector<std::string>> SyncClient::children(const std::string& path) {
    auto reply = call([&path](std::string& out, int32_t xid) {
        append_path_watch(out, xid, proto::OpCode::get_children, path, false);
    });
    if (!reply.ok()) {
        return err(reply.error());
    }
    if (reply->err == static_cast<int32_t>(Code::no_node)) {
        return std::vector<std::string>();
    }
    if (reply->err != 0) {
        return err(code_status("getChildren " + path, reply->err));
    }
    auto response = proto::decode_exact<proto::GetChildrenResponse>(reply->body);
    if (!response.ok()) {
        return err(response.error());
    }
    return std::move(response->children);
}

Result<void> SyncClient::delete_tree(const std::string& path) {
    return delete_tree_at(path, 0);
}

Result<void> SyncClient::delete_tree_at(const std::string& path, int depth) {
    if (depth > tree_depth_max) {
        return err(Status::invalid_argument("tree deeper than " + std::to_string(depth)));
    }
    auto names = children(path);
    if (!names.ok()) {
        return err(names.error());
    }
    std::vector<std::string> leaves;
    std::vector<Encoder> probes;
    for (const auto& name : *names) {
        leaves.push_back(path + "/" + name);
    }
    for (const auto& leaf : leaves) {
        probes.push_back([&leaf](std::string& out, int32_t xid) {
            append_path_watch(out, xid, proto::OpCode::exists, leaf, false);
        });
    }
    auto stats = call_all(probes);
    if (!stats.ok()) {
        return err(stats.error());
    }
    for (size_t i = 0; i < leaves.size(); ++i) {
        if ((*stats)[i].err != 0) {
            continue;  // gone already
        }
        auto stat = proto::decode_exact<proto::StatResponse>((*stats)[i].body);
        if (stat.ok() && stat->stat.num_children > 0) {
            WD_TRY(delete_tree_at(leaves[i], depth + 1));
        }
    }
    leaves.push_back(path);
    std::vector<Encoder> requests;
    for (const auto& leaf : leaves) {
        requests.push_back(
            [&leaf](std::string& out, int32_t xid) { append_delete(out, xid, leaf); });
    }
    auto replies = call_all(requests);
    if (!replies.ok()) {
        return err(replies.error());
    }
    for (size_t i = 0; i < replies->size(); ++i) {
        const int32_t code = (*replies)[i].err;
        if (code != 0 && code != static_cast<int32_t>(Code::no_node)) {
            return err(code_status("delete " + leaves[i], code));
        }
    }
    return {};
}

void SyncClient::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    std::string out;
    append_header_only(out, next_xid_++, proto::OpCode::close_session);
    asio::error_code ec;
    asio::write(socket_, asio::buffer(out), ec);
    if (!ec) {
        static_cast<void>(read_frame());
    }
    socket_.close(ec);
}

}  // namespace wd::bench
