// A blocking ZooKeeper client for the setup and cleanup phases: one session, requests
// pipelined in windows, replies matched by xid in order. Not for measuring: the driver
// (driver_asio.h) does that.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "bench/target.h"

namespace wd::bench {

class SyncClient {
public:
    struct Reply {
        int32_t err = 0;
        std::string body;  // the payload after the ReplyHeader
    };
    // Encodes one request frame into `out` with the given xid (see requests.h).
    using Encoder = std::function<void(std::string& out, int32_t xid)>;

    // Connects and opens a session. Errors: io_error (connect, read, write), corruption.
    static Result<std::unique_ptr<SyncClient>> open(asio::io_context& io, const Target& target,
                                                    int32_t timeout_ms);
    ~SyncClient();

    // Sends every request (at most `window` outstanding) and returns the replies in order.
    Result<std::vector<Reply>> call_all(const std::vector<Encoder>& requests,
                                        size_t window = 512);
    Result<Reply> call(const Encoder& request);

    // Creates each path with `data`; NODEEXISTS counts as done. Parents come first in `paths`.
    Result<void> create_all(const std::vector<std::string>& paths, const std::string& data);
    // numChildren of `path`, or nullopt when it does not exist.
    Result<std::optional<int32_t>> num_children(const std::string& path);
    // Deletes `path` and everything below it (depth at most 32); a missing node is fine.
    Result<void> delete_tree(const std::string& path);
    // Sends closeSession and waits for its reply.
    void close();

private:
    explicit SyncClient(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
    Result<std::string> read_frame();
    Result<std::vector<std::string>> children(const std::string& path);
    Result<void> delete_tree_at(const std::string& path, int depth);

    asio::ip::tcp::socket socket_;
    std::string in_;
    int32_t next_xid_ = 1;
    bool closed_ = false;
};

}  // namespace wd::bench
