#include "recipes/leader_selector.h"

namespace wd::recipes {

LeaderSelector::LeaderSelector(SyncClient& client, std::string path, std::string id)
    : client_(client), mutex_(client, std::move(path), std::move(id)) {}

ZkResult<bool> LeaderSelector::run_once(int64_t timeout_ms, const Callback& take_leadership) {
    auto got = mutex_.acquire(timeout_ms);
    if (!got.ok() || !*got) {
        return got;
    }
    take_leadership(*this);
    auto released = mutex_.release();
    if (!released.ok() && released.error() != Code::session_expired) {
        return err(released.error());
    }
    return true;
}

bool LeaderSelector::has_leadership() const {
    return mutex_.is_acquired_in_this_thread() && !mutex_.lost() && is_connected(client_);
}

}  // namespace wd::recipes
