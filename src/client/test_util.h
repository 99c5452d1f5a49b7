// Test support for the integration tests: a thread-safe log of watch events and session
// states with bounded waits, and a process-wide shared server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "client/test_server.h"
#include "client/types.h"

namespace wd::client::testing {

class EventLog {
public:
    Watcher watcher() {
        return make_watcher([this](const WatchEvent& e) { add(e); });
    }
    std::function<void(SessionState)> listener() {
        return [this](SessionState s) {
            std::lock_guard<std::mutex> lock(mutex_);
            states_.push_back(s);
            changed_.notify_all();
        };
    }
    void add(const WatchEvent& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(e);
        changed_.notify_all();
    }
    // Waits until `pred(events, states)` holds; false after timeout_ms.
    bool wait(const std::function<bool(const std::vector<WatchEvent>&,
                                       const std::vector<SessionState>&)>& pred,
              int64_t timeout_ms = 10'000) {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                 [&] { return pred(events_, states_); });
    }
    bool wait_event(EventType type, const std::string& path, int64_t timeout_ms = 10'000) {
        return wait(
            [&](const auto& events, const auto&) {
                for (const WatchEvent& e : events) {
                    if (e.type == type && e.path == path) {
                        return true;
                    }
                }
                return false;
            },
            timeout_ms);
    }
    bool wait_state(SessionState state, int64_t timeout_ms = 10'000) {
        return wait(
            [&](const auto&, const auto& states) {
                return std::find(states.begin(), states.end(), state) != states.end();
            },
            timeout_ms);
    }
    std::vector<WatchEvent> events() {
        std::lock_guard<std::mutex> lock(mutex_);
        return events_;
    }
    std::vector<SessionState> states() {
        std::lock_guard<std::mutex> lock(mutex_);
        return states_;
    }
    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.clear();
        states_.clear();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<WatchEvent> events_;
    std::vector<SessionState> states_;
};

}  // namespace wd::client::testing
