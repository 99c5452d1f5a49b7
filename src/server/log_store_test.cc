#include "server/log_store.h"

#include <gtest/gtest.h>

#include "storage/mem_disk.h"
#include "storage/snapshot.h"

namespace wd::server {
namespace {

const std::string snap_dir = "snapshots";
const std::string wal_dir = "log";

consensus::SnapshotMeta meta_at(uint64_t index) {
    consensus::SnapshotMeta meta;
    meta.index = consensus::LogIndex{index};
    meta.term = consensus::Term{1};
    meta.membership.voters = {consensus::NodeId{1}, consensus::NodeId{2}, consensus::NodeId{3}};
    return meta;
}

void put_snapshot(storage::Disk* disk, uint64_t index, std::string_view tree) {
    auto written = storage::write_snapshot(disk, snap_dir, static_cast<int64_t>(index),
                                           encode_replica_snapshot(meta_at(index), tree));
    ASSERT_TRUE(written.ok()) << written.error().to_string();
}

// A snapshot written by the forked child is on disk before the loop compacts the log to it;
// meanwhile a follower that needs a snapshot must get the one the log was compacted to.
TEST(LogStoreTest, ServesTheSnapshotItWasCompactedToWhileANewerOneIsWritten) {
    storage::MemDisk disk;
    ASSERT_TRUE(disk.create_dir(snap_dir).ok());
    ASSERT_TRUE(disk.create_dir(wal_dir).ok());
    put_snapshot(&disk, 10, "tree at 10");
    auto store = LogStore::open(&disk, wal_dir, snap_dir, "raft-state", meta_at(10));
    ASSERT_TRUE(store.ok()) << store.error().to_string();
    put_snapshot(&disk, 20, "tree at 20");
    auto chunk = (*store)->snapshot_chunk(0, 1 << 20);
    ASSERT_TRUE(chunk.ok()) << chunk.error().to_string();
    EXPECT_EQ(*chunk, "tree at 10");
}

TEST(LogStoreTest, AMissingSnapshotIsAnError) {
    storage::MemDisk disk;
    ASSERT_TRUE(disk.create_dir(snap_dir).ok());
    ASSERT_TRUE(disk.create_dir(wal_dir).ok());
    put_snapshot(&disk, 20, "tree at 20");
    auto store = LogStore::open(&disk, wal_dir, snap_dir, "raft-state", meta_at(10));
    ASSERT_TRUE(store.ok()) << store.error().to_string();
    auto chunk = (*store)->snapshot_chunk(0, 1 << 20);
    ASSERT_FALSE(chunk.ok());
    EXPECT_NE(chunk.error().to_string().find("snapshot 10 is missing"), std::string::npos)
        << chunk.error().to_string();
}

}  // namespace
}  // namespace wd::server
