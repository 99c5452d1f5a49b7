// A background thread for the recipes that keep a view current (caches, watched nodes): it
// runs a step function whenever a watch bumps the loop's Signal, and at least every
// `recheck_ms`, so that a step also notices state changes no watch reports (a disconnection,
// the end of the session). Watchers never call SyncClient operations (they run on the client's
// io thread); they bump the signal, and the step does the reading on this thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "recipes/common.h"

namespace wd::recipes {

// Watch events waiting for the loop's thread. Shared with the watcher, which the client may
// call after the recipe is gone. Bounded: past `events_max` queued events the inbox drops
// them and reports an overflow, after which the reader must re-read everything.
class EventInbox {
public:
    static constexpr size_t events_max = 10'000;

    explicit EventInbox(std::shared_ptr<Signal> signal) : signal_(std::move(signal)) {}
    void push(const client::WatchEvent& event);
    // The queued events in arrival order; `overflowed` tells whether some were dropped.
    std::vector<client::WatchEvent> take_all(bool& overflowed);

private:
    std::shared_ptr<Signal> signal_;
    std::mutex mutex_;
    std::deque<client::WatchEvent> events_;
    bool overflowed_ = false;
};

class BackgroundLoop {
public:
    // Returns false to end the loop (the session ended, the recipe failed).
    using Step = std::function<bool()>;

    BackgroundLoop();
    ~BackgroundLoop();  // stop()
    BackgroundLoop(const BackgroundLoop&) = delete;
    BackgroundLoop& operator=(const BackgroundLoop&) = delete;

    // Starts the thread (after stopping a previous one).
    void start(Step step, int64_t recheck_ms);
    // Asks the loop to end, wakes it and joins it (unless called from the step itself, which
    // then ends after it returns). Idempotent.
    void stop();
    bool running() const { return thread_.joinable() && !ended_.load(); }
    bool stopping() const { return stopping_.load(); }

    const std::shared_ptr<Signal>& signal() const { return signal_; }
    // A watcher that bumps the signal (one identity: re-arming it does not pile watches up).
    const client::Watcher& watcher() const { return watcher_; }
    // A watcher that queues each node event (not session events) in the inbox and bumps the
    // signal; one identity, like watcher().
    const client::Watcher& inbox_watcher() const { return inbox_watcher_; }
    std::vector<client::WatchEvent> take_events(bool& overflowed) {
        return inbox_->take_all(overflowed);
    }

private:
    void run(Step step, int64_t recheck_ms);

    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);
    std::shared_ptr<EventInbox> inbox_ = std::make_shared<EventInbox>(signal_);
    client::Watcher inbox_watcher_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> ended_{false};
};

}  // namespace wd::recipes
