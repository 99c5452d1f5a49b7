// A distributed read-write lock with Curator's InterProcessReadWriteLock layout: readers
// create "<path>/_c_<uuid>-__READ__NNNNNNNNNN", writers "<path>/_c_<uuid>-__WRIT__NNNNNNNNNN",
// all ordered together by sequence. A writer holds the lock when it is first; a reader holds
// it when no writer is ahead of it (it watches the first writer ahead). Both halves are
// reentrant per thread; the thread holding the write lock may also take the read lock
// (downgrade), but a reader cannot upgrade (it would wait for itself).
#pragma once

#include "recipes/mutex.h"

namespace wd::recipes {

class ReadWriteLock {
public:
    static constexpr const char* read_lock_name = "__READ__";
    static constexpr const char* write_lock_name = "__WRIT__";

    ReadWriteLock(SyncClient& client, std::string path, Data node_data = std::nullopt);
    ReadWriteLock(const ReadWriteLock&) = delete;
    ReadWriteLock& operator=(const ReadWriteLock&) = delete;

    Mutex& read_lock() { return read_; }
    Mutex& write_lock() { return write_; }

private:
    Mutex write_;
    Mutex read_;
};

// Curator's readLockPredicate: gets the lock when our node precedes every write node (or the
// calling thread holds `write`); otherwise watches the first write node.
LockDriver read_lock_driver(const Mutex* write);

}  // namespace wd::recipes
