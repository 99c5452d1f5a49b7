// A counting semaphore with Curator's InterProcessSemaphoreV2 layout: a Mutex at
// "<path>/locks" serialises acquirers; each lease is an ephemeral sequential node
// "<path>/leases/_c_<uuid>-lease-NNNNNNNNNN". An acquirer holding the mutex creates its lease
// and waits until at most `max_leases` leases exist, then releases the mutex. A lease ends
// when it is returned or its session ends.
#pragma once

#include "recipes/mutex.h"

namespace wd::recipes {

class Semaphore {
public:
    Semaphore(SyncClient& client, std::string path, int32_t max_leases);

    // The lease node's path; std::nullopt on timeout (no lease node is left behind).
    ZkResult<std::optional<std::string>> acquire(int64_t timeout_ms);
    ZkResult<void> release(const std::string& lease);
    // The current lease node names.
    ZkResult<std::vector<std::string>> participants();

private:
    // With the mutex held: creates our lease and waits for room; nullopt on timeout.
    ZkResult<std::optional<std::string>> lease_locked(const Deadline& deadline);

    SyncClient& client_;
    std::string leases_path_;
    int32_t max_leases_;
    Mutex lock_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);
};

}  // namespace wd::recipes
