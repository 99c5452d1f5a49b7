// Removing a suffix of the log, which a replicated log needs when a follower's uncommitted
// entries are replaced by the leader's (docs/formats.md, "Truncation").
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "storage/disk.h"

namespace wd::storage {

// Removes every record with zxid > `zxid`: later segments are deleted newest first, each
// deletion made durable (directory sync) before the next, then the segment holding zxid + 1 is
// cut at that record and synced. A crash part way leaves a contiguous log that ends at some
// zxid >= `zxid`, which the caller's protocol must tolerate (uncommitted entries only). The writer must be closed;
// reopen it with WalWriter::open(disk, dir, zxid) afterwards.
Result<void> truncate_wal_after(Disk* disk, const std::string& dir, int64_t zxid);

// Deletes every segment, newest first and each durably (a snapshot install replaces the whole
// log); a crash part way leaves a contiguous prefix.
Result<void> remove_wal(Disk* disk, const std::string& dir);

}  // namespace wd::storage
