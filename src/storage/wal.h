// The write-ahead log: numbered records in checksummed segment files (docs/formats.md).
//
// Every record carries its zxid; zxids in the log are contiguous (each is the previous plus 1).
// A segment file is named wal-<first zxid, 16 hex digits>.log and rolled before a record would
// take it past segment_size_max (a segment always takes at least one record).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/disk.h"
#include "storage/wal_format.h"

namespace wd::storage {

struct WalOptions {
    // Bounds a segment's logical size: its header and records, not the padding after them.
    uint64_t segment_size_max = 64ull << 20;
    // Segments grow by zero padding in chunks of this many bytes (AppendOptions), capped at
    // segment_size_max, so that most syncs leave the file size alone (docs/formats.md,
    // "Durability"). 0 disables padding: a segment is then exactly its header and records.
    uint64_t preallocate_bytes = 4ull << 20;
};

// Appends records; group commit is the caller's: append() any number, then one sync().
// Not thread-safe. '*disk' must outlive the writer.
class WalWriter {
public:
    // Opens the log directory for appending after `last_zxid` (the last record recovery
    // returned). Starts a new segment; never appends into a segment written before.
    // Creates `dir` if absent. The new segment's header is synced and the directory synced.
    // REQUIRES: last_zxid >= 0, and read_wal ran first (it removes an empty last segment).
    // Fails with invalid_argument if a segment starting after last_zxid exists.
    static Result<std::unique_ptr<WalWriter>> open(Disk* disk, std::string dir,
                                                   int64_t last_zxid, WalOptions options);
    // REQUIRES: zxid == last_zxid() + 1. Buffered until sync(). Data longer than
    // wal_data_size_max (wal_format.h) is refused with Status::too_large.
    // When the record would take the segment past segment_size_max, append() first writes
    // and syncs the pending records into the current segment and starts the next one; so a
    // roll makes earlier appends durable early and costs extra syncs.
    // After any I/O error the writer refuses all further work (STYLE.md section 6).
    Result<void> append(int64_t zxid, std::string_view payload);
    // Writes and fdatasyncs everything appended; one sync covers every append before it.
    // With nothing pending it does nothing.
    Result<void> sync();
    int64_t last_zxid() const { return last_zxid_; }
    uint64_t bytes_pending() const { return pending_.size(); }
    // The next append starts a new segment (unless the current one holds no record yet).
    // Called when a snapshot is taken, so that the segments it covers can be purged.
    void request_roll() { roll_requested_ = true; }

private:
    WalWriter(Disk* disk, std::string dir, int64_t last_zxid, WalOptions options);
    Result<void> roll(int64_t first_zxid);
    Result<void> flush();
    Result<void> check_no_later_segments() const;
    Result<void> fail(Status status);
    Disk* disk_;
    std::string dir_;
    WalOptions options_;
    int64_t last_zxid_;
    std::unique_ptr<AppendFile> file_;
    std::string pending_;
    std::string segment_path_;  // The segment being written; empty before the first roll.
    bool failed_ = false;       // An I/O error happened; the file state is unknown.
    bool roll_requested_ = false;
};

// What reading the log found besides its records.
struct WalReadReport {
    // The zxid the writer continues after: the last record's zxid, or after_zxid if larger.
    int64_t last_zxid = 0;
    std::vector<std::string> notes;   // e.g. "truncated torn tail of wal-...log at offset 123"
};

// Reads every record with zxid > after_zxid in order and calls on_record for each.
//   - Zero bytes after the last good record of any segment are padding (the writer
//     preallocates): the clean end of that segment, with no note and no repair.
//   - A torn tail (an incomplete or checksum-failing last record of the last segment, with
//     nothing but zeros after it) is truncated away, padding and all, and reported in notes.
//   - Any other bad record is corruption: the error names the file and byte offset, and no
//     record after it is delivered.
//   - A step back in zxids is corruption; so is a gap that loses a record the caller needs
//     (any zxid > after_zxid). A gap wholly at or below after_zxid is covered by the snapshot
//     (e.g. after a snapshot install) and allowed.
//   - An empty last segment (shorter than a header, all zeros, or no records left after
//     truncation) is removed and reported in notes.
//   - A missing `dir` is an empty log.
// The callback's error stops reading and is returned. REQUIRES: after_zxid >= 0.
Result<WalReadReport> read_wal(Disk* disk, const std::string& dir, int64_t after_zxid,
                               const std::function<Result<void>(int64_t zxid,
                                                                std::string_view payload)>&
                                   on_record);

// Deletes segments all of whose records have zxid <= `zxid` (they are covered by a snapshot),
// keeping the segment that contains `zxid + 1`. Returns the names removed. Decided from the
// names alone: a segment is removed when the next one starts at or before zxid + 1; the last
// segment is never removed.
Result<std::vector<std::string>> purge_wal(Disk* disk, const std::string& dir, int64_t zxid);

}  // namespace wd::storage
