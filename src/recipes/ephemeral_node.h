// An ephemeral node that the recipe keeps in place (Curator's PersistentNode in EPHEMERAL
// mode, the building block of GroupMember and service registration): `path` with `data`,
// owned by our session, created again by a background thread if anyone deletes it while the
// session lives, and updated by set_data().
//
// Ownership is by session: a node at `path` whose ephemeral owner is our session is ours (this
// is how a create that met CONNECTIONLOSS but was applied is adopted, never doubled). While
// another live session owns `path` (a previous process with the same member id whose session
// has not expired yet), the node waits with an exist watch and takes the path when it goes;
// unlike Curator it never overwrites another session's node.
//
// Session end: the server deletes the node; lost() turns true and the listener runs once,
// on the node's thread. Make a new client and a new EphemeralNode to go on.
#pragma once

#include <atomic>
#include <mutex>

#include "recipes/background.h"

namespace wd::recipes {

class EphemeralNode {
public:
    EphemeralNode(SyncClient& client, std::string path, std::string data);
    ~EphemeralNode();  // stops the thread; the node stays until close() or the session end
    EphemeralNode(const EphemeralNode&) = delete;
    EphemeralNode& operator=(const EphemeralNode&) = delete;

    // REQUIRES: before start().
    void set_lost_listener(std::function<void()> on_lost) { on_lost_ = std::move(on_lost); }
    // Creates the node (missing parents as containers) and starts keeping it. Waits up to
    // timeout_ms (< 0: no limit); NODEEXISTS if another session still owns the path then,
    // CONNECTIONLOSS if the client stayed disconnected. API_ERROR if already started.
    ZkResult<void> start(int64_t timeout_ms = 30'000);
    // Sets the node's data; it is also the data of any later re-creation. If the write fails
    // with CONNECTIONLOSS, the thread writes it after the reconnect.
    ZkResult<void> set_data(std::string data);
    // Stops keeping the node and deletes it if it is ours (retrying CONNECTIONLOSS for up to
    // the session timeout). Idempotent.
    ZkResult<void> close();

    // The session ended (the node is gone for good).
    bool lost() const { return lost_.load(); }
    // True while the node is ours as of the last look and the session is connected.
    bool is_held() const { return held_.load() && is_connected(client_) && !lost(); }
    // How many times this object created the node (1 after start, more after re-creations).
    uint64_t creations() const { return creations_.load(); }
    const std::string& path() const { return path_; }

private:
    // One look: our node is in place (true) or another session holds the path (false, with an
    // exist watch armed), or an error.
    ZkResult<bool> ensure();
    ZkResult<bool> create();
    // Writes data_ if a set_data() did not reach the server.
    ZkResult<void> write_pending();
    bool step();
    void mark_lost();

    SyncClient& client_;
    std::string path_;
    std::function<void()> on_lost_;
    BackgroundLoop loop_;
    // Serialises writes of the data, so that the last write carries the newest data_.
    std::mutex write_mutex_;
    std::mutex mutex_;
    std::string data_;          // under mutex_
    bool data_pending_ = false;  // under mutex_
    std::atomic<bool> lost_{false};
    std::atomic<bool> held_{false};
    std::atomic<bool> started_{false};
    std::atomic<uint64_t> creations_{0};
};

}  // namespace wd::recipes
