// A distributed priority queue (Curator's DistributedPriorityQueue ordering): the priority is
// encoded in the item's node name, so the lowest priority value is taken first and items of
// one priority are taken in FIFO order (by the server's sequence number).
//
// Layout: the Queue layout (queue.h) with the priority after "queue-", as Curator writes it:
// "<path>/_c_<uuid>-queue-<P>NNNNNNNNNNNNNNNNNN", where P is "0" + 8 hex digits of the 32-bit
// value for a negative priority and "1" + 8 hex digits for the others (so text order is
// numeric order), followed by the 10-digit sequence. Item bodies are our raw bytes (Curator
// serialises several items per node in its own format, so there is no interop of bodies).
//
// Guarantees (those of Queue): every item put is taken by exactly one consumer, also when a
// put or a take meets CONNECTIONLOSS; a take serves the lowest (priority, sequence) among the
// items it lists. An item put while a take is under way may be passed over by that take, so
// with concurrent producers the order is "lowest first among the items present". Do not mix
// Queue::put and PriorityQueue::put on one path.
#pragma once

#include "recipes/queue.h"

namespace wd::recipes {

class PriorityQueue {
public:
    PriorityQueue(SyncClient& client, std::string path) : queue_(client, std::move(path)) {}

    // Adds an item; lower `priority` values are taken first.
    ZkResult<void> put(const std::string& item, int32_t priority, int64_t timeout_ms = 30'000) {
        return queue_.put_ordered(item, priority_key(priority), timeout_ms);
    }
    // Removes and returns the item with the lowest (priority, sequence); std::nullopt after
    // timeout_ms (< 0: no limit) without an item.
    ZkResult<std::optional<std::string>> take(int64_t timeout_ms) {
        return queue_.take(timeout_ms);
    }
    ZkResult<size_t> size() { return queue_.size(); }

    // Curator's priorityToString: "0"/"1" for the sign, then the 32 bits as 8 hex digits.
    static std::string priority_key(int32_t priority);

private:
    Queue queue_;
};

}  // namespace wd::recipes
