#include "server/clock.h"

#include <chrono>

namespace wd::server {
namespace {

class SystemClock final : public Clock {
public:
    int64_t wall_ms() override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    int64_t monotonic_ms() override { return monotonic_us() / 1000; }
    int64_t monotonic_us() override {
        return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
};

}  // namespace

Clock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace wd::server
