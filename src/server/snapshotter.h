// Takes snapshots without stalling writes: a forked child serializes its copy-on-write image
// of the tree and writes the file (Redis's BGSAVE approach); the loop only polls for the
// child's exit. The child then purges old snapshots and the log they cover.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/rng.h"
#include "storage/disk.h"
#include "tree/data_tree.h"

namespace wd::server {

class Snapshotter {
public:
    // `in_process`: write snapshots on the calling thread instead of in a forked child (the
    // simulator, whose disk lives in this process's memory). The file appears at once; the
    // snapshot is reported done by the 1st to 7th poll() after (random), as a child's exit
    // would be.
    Snapshotter(storage::Disk* disk, std::string snap_dir, std::string wal_dir, int64_t snap_count,
                int32_t retain_count, uint64_t seed, bool in_process = false);
    ~Snapshotter();

    // Counts `entries` more applied entries; starts a snapshot when the randomized threshold
    // (ZooKeeper's snapCount/2+1 .. snapCount) is reached and none is running. True when one
    // started.
    // An ensemble member names its snapshot by log index (`file_zxid`) and writes `prefix`
    // (the consensus metadata) before the tree; standalone uses the tree's zxid and no prefix.
    bool maybe_start(const tree::DataTree& tree, int64_t entries, int64_t file_zxid = -1,
                     std::string_view prefix = {});
    // Starts one now unless one is running. Returns false if it could not start.
    bool start(const tree::DataTree& tree, int64_t file_zxid = -1, std::string_view prefix = {});
    // Reaps a finished child and purges; call periodically.
    void poll();
    // Waits for a running child (shutdown).
    void wait();
    bool running() const { return child_ > 0 || in_process_status_.has_value(); }
    int64_t last_snapshot_zxid() const { return last_zxid_; }
    // How long the last fork() took in this process: the pause a snapshot costs the loop.
    int64_t last_fork_us() const { return last_fork_us_; }

private:
    void finished(int status);
    int write_and_purge(storage::Disk* disk, const tree::DataTree& tree, int64_t zxid,
                        std::string_view prefix) const;
    void next_threshold();
    storage::Disk* disk_;
    std::string snap_dir_;
    std::string wal_dir_;
    int64_t snap_count_;
    int32_t retain_count_;
    Rng rng_;
    int64_t since_last_ = 0;
    int64_t threshold_ = 0;
    pid_t child_ = -1;
    int64_t child_zxid_ = 0;
    int64_t last_zxid_ = 0;
    int64_t last_fork_us_ = 0;
    bool in_process_ = false;
    std::optional<int> in_process_status_;  // written, not yet reported by poll()
    int in_process_polls_ = 0;               // polls until it is reported
};

}  // namespace wd::server
