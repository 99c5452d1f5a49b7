// MemDisk: an in-memory Disk with crash semantics, for tests, fuzzers and the simulator.
//
// Model (a strict reading of POSIX, as the simulator wants it):
//   - Each file has a durable image: its bytes and size as of its last AppendFile::sync().
//     Writes change the live bytes only. The unsynced region of a file runs from the lowest
//     offset written since that sync to the live end.
//   - crash() restores every file to its durable image. crash_torn() keeps a random-length
//     prefix of each unsynced region (a torn write, chosen by a seeded wd::Rng so that a
//     failure replays); the rest of the file is its durable image, and the size is the larger
//     of the durable size and the end of the kept prefix.
//   - Preallocation (AppendOptions::preallocate_bytes) writes zeros past the logical end, and
//     they are ordinary unsynced writes. So a crash before the first sync after an extension
//     loses the extension (and every append in it) and the file keeps its durable size; an
//     append inside zeros that a sync already made durable is lost back to those zeros; and a
//     torn crash may keep the appended bytes with all, part or none of the zeros after them.
//     The model never keeps a later byte of one write without the earlier ones: appended
//     data always precedes the zeros written with it (the real disk gives no such order
//     inside one unsynced write, which is why the WAL syncs before it relies on anything).
//     Without preallocation every write is at the end, and this is the older, simpler model:
//     the durable bytes are a prefix of the live ones.
//   - Directory entries (creates, renames, removes) are durable only after sync_dir() of
//     their directory; crash() restores each directory to its last synced listing.
//   - create_dir() and truncate() are durable at once (a simplification).
// Paths are plain strings; the directory of "a/b/c" is "a/b". open_append() requires the
// directory to exist. AppendFiles opened before a crash fail with io_error afterwards.
// Not thread-safe. The MemDisk must outlive every AppendFile it returned.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "storage/disk.h"

namespace wd::storage {

class MemDisk final : public Disk {
public:
    MemDisk() = default;
    MemDisk(const MemDisk&) = delete;
    MemDisk& operator=(const MemDisk&) = delete;

    Result<void> create_dir(const std::string& path) override;
    Result<std::vector<std::string>> list(const std::string& dir) override;
    Result<std::string> read_file(const std::string& path) override;
    using Disk::open_append;
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path,
                                                    AppendOptions options) override;
    Result<void> truncate(const std::string& path, uint64_t size) override;
    Result<void> rename(const std::string& from, const std::string& to) override;
    Result<void> remove(const std::string& path) override;
    Result<void> sync_dir(const std::string& dir) override;

    // Simulates power loss: unsynced bytes and unsynced directory entries are lost.
    void crash();
    // Like crash(), but each file keeps a prefix of its unsynced bytes of a length drawn
    // uniformly from [0, unsynced] by Rng(seed), in path order.
    void crash_torn(uint64_t seed);

    // Test helpers. They act on the live namespace and count as synced (latent damage).
    // REQUIRES: the file exists and offset < its size. XORs the byte with `mask` (non-zero).
    void corrupt_byte(const std::string& path, uint64_t offset, uint8_t mask = 0x80);
    // Creates or replaces a file whose bytes and directory entry are already durable.
    // REQUIRES: the directory exists.
    void put_file(const std::string& path, std::string bytes);
    // The file's current bytes (preallocated zeros included), or nullopt when it does not exist.
    std::optional<std::string> file(const std::string& path) const;
    // While set, AppendFile::sync() fails with io_error and makes nothing durable, as when
    // power fails during an fdatasync; a crash then loses or tears the unsynced bytes.
    void set_interrupt_syncs(bool on) { interrupt_syncs_ = on; }
    // The number of AppendFile::sync() calls that reached this disk.
    uint64_t sync_count() const { return sync_count_; }

private:
    struct Inode {
        std::string data;      // live bytes, zeros past the logical end included
        std::string durable;   // the bytes as of the last sync (a crash restores them)
        uint64_t dirty_from = 0;  // the lowest offset written since then; <= data.size()
        // Writes `bytes` at `offset`, zero-filling any gap past the end. The bytes are unsynced.
        void write(uint64_t offset, std::string_view bytes);
        void sync();
    };
    friend class MemAppendFile;

    void crash_with(std::optional<uint64_t> seed);
    bool dir_exists_for(const std::string& path) const;

    std::set<std::string> dirs_;
    std::map<std::string, std::shared_ptr<Inode>> files_;    // live namespace
    std::map<std::string, std::shared_ptr<Inode>> durable_;  // namespace as last synced
    uint64_t generation_ = 0;  // bumped by each crash; stale AppendFiles refuse to work
    uint64_t sync_count_ = 0;
    bool interrupt_syncs_ = false;
};

}  // namespace wd::storage
