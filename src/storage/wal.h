// The write-ahead log: numbered records in checksummed segment files (docs/formats.md).
//
// Every record carries its zxid; zxids in the log are strictly increasing. A segment file is
// named wal-<first zxid, 16 hex digits>.log and rolled when it exceeds segment_size_max.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/disk.h"

namespace wd::storage {

struct WalOptions {
    uint64_t segment_size_max = 64ull << 20;
};

// Appends records; group commit is the caller's: append() any number, then one sync().
// Not thread-safe. '*disk' must outlive the writer.
class WalWriter {
public:
    // Opens the log directory for appending after `last_zxid` (the last record recovery
    // returned). Starts a new segment; never appends into a segment written before.
    static Result<std::unique_ptr<WalWriter>> open(Disk* disk, std::string dir,
                                                   int64_t last_zxid, WalOptions options);
    // REQUIRES: zxid > every zxid appended before. Buffered until sync().
    Result<void> append(int64_t zxid, std::string_view payload);
    // Writes and fdatasyncs everything appended; one sync covers every append before it.
    Result<void> sync();
    int64_t last_zxid() const { return last_zxid_; }
    uint64_t bytes_pending() const { return pending_.size(); }

private:
    WalWriter(Disk* disk, std::string dir, int64_t last_zxid, WalOptions options);
    Result<void> roll(int64_t first_zxid);
    Disk* disk_;
    std::string dir_;
    WalOptions options_;
    int64_t last_zxid_;
    std::unique_ptr<AppendFile> file_;
    std::string pending_;
};

// What reading the log found besides its records.
struct WalReadReport {
    int64_t last_zxid = 0;
    std::vector<std::string> notes;   // e.g. "truncated torn tail of wal-...log at offset 123"
};

// Reads every record with zxid > after_zxid in order and calls on_record for each.
//   - A torn tail (an incomplete or checksum-failing last record of the last segment, with
//     nothing but zeros after it) is truncated away and reported in notes.
//   - Any other bad record is corruption: the error names the file and byte offset, and no
//     record after it is delivered.
//   - A gap or a step back in zxids across records is corruption.
// The callback's error stops reading and is returned.
Result<WalReadReport> read_wal(Disk* disk, const std::string& dir, int64_t after_zxid,
                               const std::function<Result<void>(int64_t zxid,
                                                                std::string_view payload)>&
                                   on_record);

// Deletes segments all of whose records have zxid <= `zxid` (they are covered by a snapshot),
// keeping the segment that contains `zxid + 1`. Returns the names removed.
Result<std::vector<std::string>> purge_wal(Disk* disk, const std::string& dir, int64_t zxid);

}  // namespace wd::storage
