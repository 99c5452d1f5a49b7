// Snapshot files: one serialized tree at one zxid (docs/formats.md).
//
// Named snapshot-<zxid, 16 hex digits>.snap. Written to a temporary name, fsynced, renamed,
// and the directory fsynced, so a crash leaves either the old set of snapshots or the new one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/disk.h"

namespace wd::storage {

Result<void> write_snapshot(Disk* disk, const std::string& dir, int64_t zxid,
                            std::string_view body);

struct LoadedSnapshot {
    int64_t zxid = 0;
    std::string body;
    std::string file;
    std::vector<std::string> notes;  // snapshots skipped as invalid, with the reason
};

// The newest snapshot whose header and checksum are valid; nullopt if there is none.
// Invalid newer snapshots are skipped and reported in notes (an older one plus the log can
// still recover the state).
Result<std::optional<LoadedSnapshot>> load_newest_snapshot(Disk* disk, const std::string& dir);

// Keeps the newest `retain_count` snapshots (at least 1... REQUIRES retain_count >= 1),
// deletes older ones and leftover temporary files. Returns the zxid of the oldest snapshot
// kept (the log before it may be purged), or nullopt when there is no snapshot.
Result<std::optional<int64_t>> purge_snapshots(Disk* disk, const std::string& dir,
                                               size_t retain_count);

}  // namespace wd::storage
