// Time as the server sees it. The real clock reads the system; tests and the simulator
// substitute their own.
#pragma once

#include <cstdint>

namespace wd::server {

class Clock {
public:
    virtual ~Clock() = default;
    // Wall time in ms since the epoch: znode ctime/mtime and TTL.
    virtual int64_t wall_ms() = 0;
    // Monotonic ms: session expiry and latency.
    virtual int64_t monotonic_ms() = 0;
    virtual int64_t monotonic_us() = 0;
};

Clock& system_clock();

}  // namespace wd::server
