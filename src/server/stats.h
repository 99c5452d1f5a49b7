// Counters behind the four-letter words (srvr, stat, cons, mntr).
#pragma once

#include <cstdint>
#include <limits>

namespace wd::server {

struct Latency {
    int64_t min_us = std::numeric_limits<int64_t>::max();
    int64_t max_us = 0;
    int64_t total_us = 0;
    int64_t count = 0;
    void record(int64_t us) {
        min_us = us < min_us ? us : min_us;
        max_us = us > max_us ? us : max_us;
        total_us += us;
        ++count;
    }
    void reset() { *this = Latency{}; }
};

struct ConnStats {
    int64_t packets_received = 0;
    int64_t packets_sent = 0;
    int64_t established_ms = 0;
    int64_t last_zxid = 0;
    int32_t last_xid = 0;
    int64_t last_response_ms = 0;
    Latency latency;
};

struct Stats {
    int64_t packets_received = 0;
    int64_t packets_sent = 0;
    int64_t fsyncs = 0;
    int64_t entries_written = 0;
    int64_t snapshots_taken = 0;
    int64_t connections_refused = 0;
    int64_t started_ms = 0;
    Latency latency;
};

}  // namespace wd::server
