#include "storage/wal_truncate.h"

#include <gtest/gtest.h>

#include "storage/mem_disk.h"
#include "storage/wal.h"

namespace wd::storage {
namespace {

const std::string dir = "wal";

// Writes records first..last with payload "<tag><zxid>", several segments when small.
void write_records(Disk* disk, int64_t after, int64_t last, const std::string& tag) {
    auto writer = WalWriter::open(disk, dir, after, WalOptions{200, 0});
    ASSERT_TRUE(writer.ok()) << writer.error().to_string();
    for (int64_t z = after + 1; z <= last; ++z) {
        ASSERT_TRUE((*writer)->append(z, tag + std::to_string(z)).ok());
    }
    ASSERT_TRUE((*writer)->sync().ok());
}

std::vector<std::string> read_all(Disk* disk) {
    std::vector<std::string> out;
    auto report = read_wal(disk, dir, 0, [&](int64_t zxid, std::string_view payload) -> Result<void> {
        out.push_back(std::to_string(zxid) + "=" + std::string(payload));
        return {};
    });
    EXPECT_TRUE(report.ok()) << report.error().to_string();
    return out;
}

TEST(WalTruncateTest, ReplacesASuffixAcrossSegments) {
    MemDisk disk;
    write_records(&disk, 0, 20, "old");
    ASSERT_GE(disk.list(dir)->size(), 3u);  // the cut falls inside one of several segments
    for (int64_t cut : {13, 1, 0}) {
        ASSERT_TRUE(truncate_wal_after(&disk, dir, cut).ok());
        auto records = read_all(&disk);
        ASSERT_EQ(records.size(), static_cast<size_t>(cut));
        if (cut > 0) {
            EXPECT_EQ(records.back(), std::to_string(cut) + "=old" + std::to_string(cut));
        }
    }
    write_records(&disk, 0, 5, "new");
    ASSERT_TRUE(truncate_wal_after(&disk, dir, 3).ok());
    write_records(&disk, 3, 6, "newer");
    auto records = read_all(&disk);
    ASSERT_EQ(records.size(), 6u);
    EXPECT_EQ(records[2], "3=new3");
    EXPECT_EQ(records[3], "4=newer4");
    EXPECT_EQ(records[5], "6=newer6");
}

TEST(WalTruncateTest, CutAtTheEndChangesNothing) {
    MemDisk disk;
    write_records(&disk, 0, 8, "r");
    ASSERT_TRUE(truncate_wal_after(&disk, dir, 8).ok());
    EXPECT_EQ(read_all(&disk).size(), 8u);
    ASSERT_TRUE(remove_wal(&disk, dir).ok());
    EXPECT_TRUE(read_all(&disk).empty());
    EXPECT_TRUE(disk.list(dir)->empty());
}

// A crash during the cut (its fdatasync fails, as when power goes) must leave a contiguous
// log: the deletions of later segments are durable before the earlier segment shrinks.
TEST(WalTruncateTest, ACrashDuringTheCutLeavesAContiguousLog) {
    for (int64_t cut : {1, 7, 13}) {
        for (bool torn : {false, true}) {
            MemDisk disk;
            write_records(&disk, 0, 20, "old");
            ASSERT_GE(disk.list(dir)->size(), 3u);
            disk.set_interrupt_syncs(true);
            EXPECT_FALSE(truncate_wal_after(&disk, dir, cut).ok());
            disk.set_interrupt_syncs(false);
            if (torn) {
                disk.crash_torn(static_cast<uint64_t>(cut));
            } else {
                disk.crash();
            }
            auto records = read_all(&disk);
            ASSERT_GE(records.size(), static_cast<size_t>(cut)) << "cut " << cut;
            for (size_t i = 0; i < records.size(); ++i) {
                EXPECT_EQ(records[i], std::to_string(i + 1) + "=old" + std::to_string(i + 1));
            }
        }
    }
}

}  // namespace
}  // namespace wd::storage
