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

// File layout (docs/formats.md, "Snapshot file"):
//   header:  magic u32 | format_version u32 | zxid u64 | body_length u64
//   body:    body_length bytes (docs/tree-snapshot.md)
//   trailer: masked crc32c u32 over header and body
inline constexpr uint32_t snapshot_magic = 0x4e534457;  // "WDSN" as little-endian bytes.
inline constexpr uint32_t snapshot_format_version = 1;
inline constexpr size_t snapshot_header_size = 4 + 4 + 8 + 8;
inline constexpr size_t snapshot_trailer_size = 4;
static_assert(snapshot_header_size == 24);

// "snapshot-" + 16 lowercase hex digits of the zxid + ".snap". REQUIRES: zxid >= 0.
std::string snapshot_file_name(int64_t zxid);

// Writes snapshot-<zxid>.snap.tmp (replacing any leftover), syncs it, renames it to its final
// name and syncs `dir`. Creates `dir` if absent. REQUIRES: zxid >= 0.
// With `sync_every` > 0 the file is also synced after each `sync_every` bytes, so that it never
// holds more than that much unwritten data: one large writeback at the end would hold up the
// log's fdatasync behind it.
Result<void> write_snapshot(Disk* disk, const std::string& dir, int64_t zxid,
                            std::string_view body, uint64_t sync_every = 0);

struct LoadedSnapshot {
    int64_t zxid = 0;
    FileBytes body;  // body.view() is the serialized tree
    std::string file;
    std::vector<std::string> notes;  // snapshots skipped as invalid, with the reason
};

// The newest snapshot whose header and checksum are valid; nullopt if there is none (or no
// `dir`). Temporary files are ignored. I/O errors other than a missing file are returned.
// Invalid newer snapshots are skipped and reported in notes (an older one plus the log can
// still recover the state).
Result<std::optional<LoadedSnapshot>> load_newest_snapshot(Disk* disk, const std::string& dir);

// The snapshot at exactly `zxid` when its file exists and is valid; nullopt otherwise. (A
// replica serves the snapshot its log was compacted to, while a newer file may already be
// written.)
Result<std::optional<LoadedSnapshot>> load_snapshot_at(Disk* disk, const std::string& dir,
                                                      int64_t zxid);

// Keeps the newest `retain_count` snapshots (at least 1... REQUIRES retain_count >= 1),
// deletes older ones and leftover temporary files. Only valid snapshots count toward
// retain_count (each candidate is read and checked); an invalid snapshot newer than the oldest
// kept one is left in place for inspection. Returns the zxid of the oldest snapshot
// kept (the log before it may be purged), or nullopt when there is no valid snapshot
// (then only temporary files are removed).
Result<std::optional<int64_t>> purge_snapshots(Disk* disk, const std::string& dir,
                                               size_t retain_count);

}  // namespace wd::storage
