#include "recipes/read_write_lock.h"

namespace wd::recipes {

LockDriver read_lock_driver(const Mutex* write) {
    return [write](const std::vector<std::string>& sorted,
                   const std::string& ours) -> ZkResult<LockPredicate> {
        if (write->is_acquired_in_this_thread()) {
            return LockPredicate{true, ""};
        }
        size_t first_write = sorted.size();
        size_t our_index = sorted.size();
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (sorted[i].find(ReadWriteLock::write_lock_name) != std::string::npos) {
                first_write = std::min(first_write, i);
            } else if (sorted[i] == ours) {
                our_index = i;
                break;
            }
        }
        if (our_index == sorted.size()) {
            return err(Code::no_node);
        }
        if (our_index < first_write) {
            return LockPredicate{true, ""};
        }
        return LockPredicate{false, sorted[first_write]};
    };
}

ReadWriteLock::ReadWriteLock(SyncClient& client, std::string path, Data node_data)
    : write_(client, path, node_data, write_lock_name, standard_driver(1),
             {read_lock_name, write_lock_name}),
      read_(client, path, node_data, read_lock_name, read_lock_driver(&write_),
            {read_lock_name, write_lock_name}) {}

}  // namespace wd::recipes
