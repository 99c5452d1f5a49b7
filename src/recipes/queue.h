// A distributed FIFO queue. Items are persistent sequential nodes
// "<path>/_c_<uuid>-queue-NNNNNNNNNN" (the protected prefix makes a put that met
// CONNECTIONLOSS findable, so it is neither lost nor doubled by the retry). A consumer takes
// the lowest item with one multi that deletes it and creates an ephemeral claim
// "<path>/claim-<uuid>": exactly one consumer's multi succeeds, and after CONNECTIONLOSS the
// claim tells the consumer whether its take applied. Layout is ours, not Curator's (Curator's
// DistributedQueue packs several items per node in its own serialisation).
#pragma once

#include <optional>
#include <string>

#include "recipes/common.h"

namespace wd::recipes {

class Queue {
public:
    static constexpr const char* item_name = "queue-";

    Queue(SyncClient& client, std::string path);

    // Adds an item at the tail; retries CONNECTIONLOSS until timeout_ms without doubling it.
    ZkResult<void> put(const std::string& item, int64_t timeout_ms = 30'000);
    // put() with an ordering key: the node is "…-queue-<order_key>NNNNNNNNNN", and take()
    // serves items in the text order of what follows "queue-", so items go by key, then FIFO.
    // REQUIRES: every item of one queue has a key of the same length (PriorityQueue's).
    ZkResult<void> put_ordered(const std::string& item, const std::string& order_key,
                               int64_t timeout_ms = 30'000);
    // Removes and returns the head item, waiting up to timeout_ms (< 0: no limit) for one;
    // std::nullopt on timeout. Each item goes to exactly one consumer.
    ZkResult<std::optional<std::string>> take(int64_t timeout_ms);
    // The number of items (a snapshot).
    ZkResult<size_t> size();

private:
    // The items in queue order.
    ZkResult<std::vector<std::string>> items(client::Watcher watcher);
    // Tries to take one item: its data, std::nullopt if another consumer took it first.
    ZkResult<std::optional<std::string>> try_take(const std::string& name);

    SyncClient& client_;
    std::string path_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
    client::Watcher watcher_ = bump_watcher(signal_);  // one identity: no pile-up of watches
};

}  // namespace wd::recipes
