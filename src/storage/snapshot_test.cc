// Snapshot file tests on a MemDisk, asserting exact outcomes.
#include <gtest/gtest.h>

#include "storage/mem_disk.h"
#include "storage/snapshot.h"

namespace wd::storage {
namespace {

const std::string dir = "snap";

std::string path(int64_t zxid) { return dir + "/" + snapshot_file_name(zxid); }

class SnapshotTest : public ::testing::Test {
protected:
    void write(int64_t zxid, std::string_view body) {
        auto r = write_snapshot(&disk_, dir, zxid, body);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }
    std::optional<LoadedSnapshot> load() {
        auto r = load_newest_snapshot(&disk_, dir);
        EXPECT_TRUE(r.ok()) << r.error().to_string();
        return r.ok() ? std::move(*r) : std::nullopt;
    }
    std::vector<std::string> names() {
        auto r = disk_.list(dir);
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::vector<std::string>{};
    }
    MemDisk disk_;
};

TEST_F(SnapshotTest, NoSnapshot) {
    EXPECT_EQ(load(), std::nullopt);  // No directory at all.
    ASSERT_TRUE(disk_.create_dir(dir).ok());
    EXPECT_EQ(load(), std::nullopt);
    auto purged = purge_snapshots(&disk_, dir, 1);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(*purged, std::nullopt);
}

TEST_F(SnapshotTest, RoundTrip) {
    write(5, "hello tree");
    EXPECT_EQ(names(), std::vector<std::string>{"snapshot-0000000000000005.snap"});
    EXPECT_EQ(disk_.file(path(5))->size(), snapshot_header_size + 10 + snapshot_trailer_size);
    disk_.crash();  // Written, synced, renamed and the directory synced: it survives.
    auto loaded = load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->zxid, 5);
    EXPECT_EQ(loaded->body.view(), "hello tree");
    EXPECT_EQ(loaded->file, "snapshot-0000000000000005.snap");
    EXPECT_TRUE(loaded->notes.empty());
}

TEST_F(SnapshotTest, EmptyBodyAtZxidZero) {
    write(0, "");
    auto loaded = load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->zxid, 0);
    EXPECT_EQ(loaded->body.view(), "");
}

TEST_F(SnapshotTest, CorruptNewestIsSkippedForOlderValid) {
    write(5, "old state");
    write(9, "new state");
    disk_.corrupt_byte(path(9), snapshot_header_size + 2);
    auto loaded = load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->zxid, 5);
    EXPECT_EQ(loaded->body.view(), "old state");
    EXPECT_EQ(loaded->notes,
              std::vector<std::string>{"skipped snapshot-0000000000000009.snap: bad checksum"});
}

TEST_F(SnapshotTest, InvalidSnapshotsAreReportedWithReason) {
    write(1, "one");
    write(2, "two");
    write(3, "three");
    write(4, "four");
    ASSERT_TRUE(disk_.truncate(path(4), 20).ok());
    ASSERT_TRUE(disk_.truncate(path(3), snapshot_header_size + snapshot_trailer_size + 2).ok());
    disk_.put_file(path(2), *disk_.file(path(1)));  // A header that names zxid 1.
    auto loaded = load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->zxid, 1);
    EXPECT_EQ(loaded->notes,
              (std::vector<std::string>{
                  "skipped snapshot-0000000000000004.snap: shorter than header and trailer",
                  "skipped snapshot-0000000000000003.snap: body length disagrees with the file "
                  "size",
                  "skipped snapshot-0000000000000002.snap: header zxid disagrees with the file "
                  "name"}));
}

TEST_F(SnapshotTest, AllInvalidIsNone) {
    write(3, "x");
    disk_.corrupt_byte(path(3), 0);
    EXPECT_EQ(load(), std::nullopt);
}

TEST_F(SnapshotTest, TmpLeftoverIsIgnoredAndPurged) {
    write(5, "five");
    disk_.put_file(dir + "/snapshot-0000000000000009.snap.tmp", "half-written");
    auto loaded = load();
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->zxid, 5);
    EXPECT_TRUE(loaded->notes.empty());
    auto purged = purge_snapshots(&disk_, dir, 1);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(*purged, 5);
    EXPECT_EQ(names(), std::vector<std::string>{"snapshot-0000000000000005.snap"});
}

TEST_F(SnapshotTest, WriteReplacesTmpLeftover) {
    ASSERT_TRUE(disk_.create_dir(dir).ok());
    disk_.put_file(dir + "/snapshot-0000000000000007.snap.tmp", "garbage from a crash");
    write(7, "seven");
    EXPECT_EQ(load()->body.view(), "seven");
    EXPECT_EQ(names(), std::vector<std::string>{"snapshot-0000000000000007.snap"});
}

TEST_F(SnapshotTest, PurgeKeepsNewestValid) {
    for (int64_t zxid : {3, 5, 7, 9}) {
        write(zxid, "state " + std::to_string(zxid));
    }
    disk_.put_file(dir + "/unrelated.txt", "kept");
    disk_.corrupt_byte(path(9), 1);
    auto purged = purge_snapshots(&disk_, dir, 2);
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(*purged, 5);
    // The invalid newest one stays for inspection; the oldest is gone.
    EXPECT_EQ(names(), (std::vector<std::string>{"snapshot-0000000000000005.snap",
                                                 "snapshot-0000000000000007.snap",
                                                 "snapshot-0000000000000009.snap",
                                                 "unrelated.txt"}));
    disk_.crash();  // The removals were made durable.
    EXPECT_EQ(names().size(), 4u);
    purged = purge_snapshots(&disk_, dir, 1);
    EXPECT_EQ(*purged, 7);
    EXPECT_EQ(names(), (std::vector<std::string>{"snapshot-0000000000000007.snap",
                                                 "snapshot-0000000000000009.snap",
                                                 "unrelated.txt"}));
}

// Synced every 1000 bytes, the file holds the same bytes; each chunk is synced on its own.
TEST_F(SnapshotTest, SyncEveryChunkWritesTheSameFile) {
    const std::string body(4500, 'b');
    write(7, body);
    const std::string whole = *disk_.file(path(7));
    MemDisk chunked;
    const uint64_t syncs_before = chunked.sync_count();
    ASSERT_TRUE(write_snapshot(&chunked, dir, 7, body, 1000).ok());
    EXPECT_EQ(*chunked.file(path(7)), whole);
    EXPECT_EQ(chunked.sync_count() - syncs_before, 5u + 1u);  // 5 chunks, then the last sync
    auto loaded = load_snapshot_at(&chunked, dir, 7);
    ASSERT_TRUE(loaded.ok() && loaded->has_value());
    EXPECT_EQ((*loaded)->body.view(), body);
    EXPECT_FALSE(load_snapshot_at(&chunked, dir, 8)->has_value());
}

TEST_F(SnapshotTest, FileNames) {
    EXPECT_EQ(snapshot_file_name(0), "snapshot-0000000000000000.snap");
    EXPECT_EQ(snapshot_file_name(0xabc), "snapshot-0000000000000abc.snap");
}

}  // namespace
}  // namespace wd::storage
