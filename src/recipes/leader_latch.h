// Leader election as a latch, with Curator's LeaderLatch layout: each participant owns an
// ephemeral sequential node "<path>/_c_<uuid>-latch-NNNNNNNNNN" (data: its id); the lowest
// sequence is the leader, and every other participant watches only its predecessor.
//
// A background thread keeps the latch's view current: it re-reads the children when the
// watched predecessor changes, and at least every `recheck_ms` to notice a disconnection.
// Guarantees and failure behaviour: docs/recipes.md.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "recipes/common.h"

namespace wd::recipes {

class LeaderLatch {
public:
    // Called with true when this participant becomes leader and false when it stops being
    // leader (close, disconnection, session end), on the latch's thread.
    using Listener = std::function<void(bool is_leader)>;

    LeaderLatch(SyncClient& client, std::string path, std::string id = "");
    ~LeaderLatch();  // close()
    LeaderLatch(const LeaderLatch&) = delete;
    LeaderLatch& operator=(const LeaderLatch&) = delete;

    void set_listener(Listener listener) { listener_ = std::move(listener); }
    // Creates our node (waiting up to timeout_ms for the connection) and starts the thread.
    ZkResult<void> start(int64_t timeout_ms = 30'000);
    // Gives leadership up first (listener(false)), then deletes our node and stops.
    ZkResult<void> close();

    // True while we are the lowest node and the session is connected.
    bool has_leadership() const;
    // Waits up to timeout_ms (< 0: no limit) for leadership; false on timeout or when the
    // latch stopped (closed, session ended).
    bool await(int64_t timeout_ms);
    // The latch stopped on its own: the session ended or our node vanished.
    bool failed() const { return failed_.load(); }
    const std::string& our_path() const { return our_path_; }
    // The participants' node names in order (the first leads).
    ZkResult<std::vector<std::string>> participants();

    static constexpr int64_t recheck_ms = 250;
    static constexpr const char* lock_name = "latch-";

private:
    void run();
    // One look at the children: sets leadership and arms the predecessor watch.
    // false when the latch must stop (session ended, node gone).
    bool check();
    void set_leadership(bool leader);

    SyncClient& client_;
    std::string path_;
    std::string id_;
    std::string our_path_;
    Listener listener_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);
    std::thread thread_;
    std::atomic<bool> closing_{false};
    std::atomic<bool> failed_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool leader_ = false;
    bool stopped_ = false;
};

}  // namespace wd::recipes
