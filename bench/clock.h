// The bench's one clock: monotonic nanoseconds. Every time measurement goes through now_ns().
#pragma once

#include <chrono>
#include <cstdint>

namespace wd::bench {

inline int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace wd::bench
