// A trivial ZooKeeper-speaking server for measuring the client and the loopback: it answers
// the handshake with a new session and every request with a ReplyHeader (xid echoed, err 0) and
// an all-zero Stat, doing no other work. Replies to one read go out in one write, as the
// driver batches its requests. closeSession is answered and the connection closed.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace wd::bench {

// Serves on host:port until SIGINT/SIGTERM or `time_limit_ns`, printing "listening PORT" on
// stdout once accepting (port 0 picks a free one). Errors: io_error (bind, listen).
Result<void> run_echo_server(const std::string& host, uint16_t port, int64_t time_limit_ns);

}  // namespace wd::bench
