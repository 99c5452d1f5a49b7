// A shared integer with Curator's SharedCount layout (the node's data is the value as 4 bytes,
// big-endian), updated by compare-and-set on the node's version.
#pragma once

#include <string>

#include "recipes/common.h"

namespace wd::recipes {

struct VersionedValue {
    int32_t value = 0;
    int32_t version = -1;  // the node's data version the value was read at
};

class SharedCount {
public:
    // The node is created with `seed` by the first call that finds it missing.
    SharedCount(SyncClient& client, std::string path, int32_t seed = 0);

    ZkResult<VersionedValue> get();
    // Sets the value iff the node is still at `previous.version`: false when someone else
    // wrote first (Curator's trySetCount).
    ZkResult<bool> try_set(const VersionedValue& previous, int32_t value);
    // Adds `delta` with a compare-and-set loop and returns the new value. CONNECTIONLOSS is
    // returned, not retried, when the outcome of a write is unknown (it may have applied).
    ZkResult<int32_t> add(int32_t delta);
    ZkResult<int32_t> increment() { return add(1); }

    static std::string encode(int32_t value);
    // A value of other than 4 bytes is DATAINCONSISTENCY.
    static ZkResult<int32_t> decode(const Data& data);

private:
    SyncClient& client_;
    std::string path_;
    int32_t seed_;
};

}  // namespace wd::recipes
