// WAL writer and reader tests, named in the manner of LevelDB's log_test.cc. Every test runs
// on a MemDisk and asserts exact outcomes: records delivered, notes, error text.
#include <gtest/gtest.h>

#include <map>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/rng.h"
#include "storage/mem_disk.h"
#include "storage/wal.h"

namespace wd::storage {
namespace {

const std::string dir = "wal";

std::string seg(int64_t first_zxid) { return wal_segment_name(first_zxid); }
std::string path(int64_t first_zxid) { return dir + "/" + seg(first_zxid); }

// 100 bytes of data per record, distinct per zxid; a record is then 117 bytes on disk.
constexpr uint64_t record_size = wal_record_header_size + wal_zxid_size + 100;
std::string data_for(int64_t zxid) {
    std::string s = "zxid-" + std::to_string(zxid) + "-";
    s.resize(100, static_cast<char>('a' + zxid % 26));
    return s;
}
// The offset of the k-th record (0-based) in a segment of equal-sized records.
uint64_t offset_of(uint64_t k) { return wal_header_size + k * record_size; }

// A segment file with the given records, built without the writer.
std::string raw_segment(int64_t header_zxid, const std::vector<int64_t>& zxids) {
    std::string out;
    put_wal_header(out, header_zxid);
    for (int64_t zxid : zxids) {
        put_wal_record(out, zxid, data_for(zxid));
    }
    return out;
}

struct ReadOutcome {
    std::vector<int64_t> zxids;
    std::vector<std::string> data;
    bool ok = false;
    std::string error;  // Status::to_string() when !ok
    WalReadReport report;
};

class WalTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(disk_.create_dir(dir).ok()); }

    void open_writer(int64_t last_zxid, uint64_t segment_size_max = 64ull << 20) {
        auto writer = WalWriter::open(&disk_, dir, last_zxid,
                                      {segment_size_max, preallocate_bytes_});
        ASSERT_TRUE(writer.ok()) << writer.error().to_string();
        writer_ = std::move(*writer);
    }
    void append(int64_t zxid) { append(zxid, data_for(zxid)); }
    void append(int64_t zxid, std::string_view data) {
        auto r = writer_->append(zxid, data);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }
    void sync() { ASSERT_TRUE(writer_->sync().ok()); }
    // Writes zxids [first, last] into one fresh writer and syncs.
    void write_synced(int64_t first, int64_t last, uint64_t segment_size_max = 64ull << 20) {
        open_writer(first - 1, segment_size_max);
        for (int64_t zxid = first; zxid <= last; ++zxid) {
            append(zxid);
        }
        sync();
    }

    ReadOutcome read(int64_t after_zxid = 0, int64_t fail_at = -1) {
        ReadOutcome out;
        auto report = read_wal(&disk_, dir, after_zxid,
                               [&](int64_t zxid, std::string_view data) -> Result<void> {
                                   out.zxids.push_back(zxid);
                                   out.data.emplace_back(data);
                                   if (zxid == fail_at) {
                                       return err(Status::invalid_argument("stop"));
                                   }
                                   return {};
                               });
        out.ok = report.ok();
        if (report.ok()) {
            out.report = *report;
        } else {
            out.error = report.error().to_string();
        }
        return out;
    }

    // Forgets the writer and removes every file of the log.
    void reset() {
        writer_.reset();
        for (const auto& name : names()) {
            ASSERT_TRUE(disk_.remove(dir + "/" + name).ok());
        }
        ASSERT_TRUE(disk_.sync_dir(dir).ok());
    }

    std::vector<std::string> names() {
        auto r = disk_.list(dir);
        EXPECT_TRUE(r.ok());
        return r.ok() ? *r : std::vector<std::string>{};
    }

    MemDisk disk_;
    std::unique_ptr<WalWriter> writer_;
    // Off unless a test turns it on: the tests written before padding check exact sizes, and
    // running them with it off shows that 0 leaves the writer as it was.
    uint64_t preallocate_bytes_ = 0;
};

std::vector<int64_t> range(int64_t first, int64_t last) {
    std::vector<int64_t> v;
    for (int64_t z = first; z <= last; ++z) {
        v.push_back(z);
    }
    return v;
}

TEST_F(WalTest, MissingDirIsEmpty) {
    MemDisk empty;
    auto report = read_wal(&empty, "nowhere", 0, [](int64_t, std::string_view) {
        return Result<void>();
    });
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->last_zxid, 0);
    EXPECT_TRUE(report->notes.empty());
}

TEST_F(WalTest, ReadWrite) {
    open_writer(0);
    append(1, "");
    append(2, "foo");
    append(3, std::string(wal_data_size_max, 'x'));
    sync();
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 3));
    EXPECT_EQ(r.data, (std::vector<std::string>{"", "foo", std::string(wal_data_size_max, 'x')}));
    EXPECT_EQ(r.report.last_zxid, 3);
    EXPECT_TRUE(r.report.notes.empty());
    EXPECT_EQ(disk_.file(path(1))->size(),
              wal_header_size + 3 * (wal_record_header_size + wal_zxid_size) + 3 +
                  wal_data_size_max);
}

TEST_F(WalTest, RequestedRollStartsNextSegmentAndPurgeCanDropTheOldOne) {
    open_writer(0);
    writer_->request_roll();  // nothing in the segment yet: no roll
    append(1);
    append(2);
    sync();
    writer_->request_roll();
    append(3);
    sync();
    EXPECT_TRUE(disk_.file(path(1)).has_value());
    EXPECT_TRUE(disk_.file(path(3)).has_value());
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 3));
    auto removed = purge_wal(&disk_, dir, 2);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(*removed, std::vector<std::string>{seg(1)});
}

TEST_F(WalTest, AppendTooLargeIsRefused) {
    open_writer(0);
    auto r = writer_->append(1, std::string(wal_data_size_max + 1, 'x'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), StatusCode::too_large);
    EXPECT_EQ(writer_->bytes_pending(), 0u);
    append(1);  // The writer stays usable.
    sync();
    EXPECT_EQ(read().zxids, range(1, 1));
}

TEST_F(WalTest, ManySegmentsRoundTrip) {
    const uint64_t segment_size_max = 1000;
    open_writer(0, segment_size_max);
    Rng rng(42);
    std::vector<std::string> written;
    for (int64_t zxid = 1; zxid <= 300; ++zxid) {
        written.push_back(std::string(rng.below(400), static_cast<char>('a' + zxid % 26)));
        append(zxid, written.back());
        if (rng.chance(1, 5)) {
            sync();
        }
    }
    sync();
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 300));
    EXPECT_EQ(r.data, written);
    // Every segment is named after its first record and stays within the size bound.
    std::vector<std::string> segments = names();
    EXPECT_GT(segments.size(), 50u);
    int64_t expected_first = 1;
    for (const auto& name : segments) {
        ASSERT_EQ(parse_wal_segment_name(name), expected_first);
        std::string bytes = *disk_.file(dir + "/" + name);
        EXPECT_LE(bytes.size(), segment_size_max);
        uint64_t offset = wal_header_size;
        while (offset < bytes.size()) {
            offset += wal_record_header_size + load_u32_le(bytes.data() + offset + 4);
            expected_first += 1;
        }
        EXPECT_EQ(offset, bytes.size());
    }
    EXPECT_EQ(expected_first, 301);
}

TEST_F(WalTest, GroupCommitIsOneSync) {
    open_writer(0);
    const uint64_t syncs_before = disk_.sync_count();
    for (int64_t zxid = 1; zxid <= 5; ++zxid) {
        append(zxid);
    }
    EXPECT_EQ(writer_->bytes_pending(), 5 * record_size);
    EXPECT_EQ(disk_.sync_count(), syncs_before);
    sync();
    EXPECT_EQ(disk_.sync_count(), syncs_before + 1);
    EXPECT_EQ(writer_->bytes_pending(), 0u);
    sync();  // Nothing pending: no sync.
    EXPECT_EQ(disk_.sync_count(), syncs_before + 1);
}

TEST_F(WalTest, CrashBeforeSyncLosesRecords) {
    write_synced(1, 5);
    append(6);
    append(7);
    disk_.crash();
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 5));
    EXPECT_TRUE(r.report.notes.empty());
    // The old writer's file handle is dead; it fails and stays failed.
    EXPECT_EQ(writer_->sync().error().code(), StatusCode::io_error);
    EXPECT_EQ(writer_->append(8, "x").error().to_string(),
              "io error: " + path(1) + ": wal writer failed earlier");
    // Recovery continues the log in a new segment.
    write_synced(6, 7);
    EXPECT_EQ(read().zxids, range(1, 7));
    EXPECT_EQ(names(), (std::vector<std::string>{seg(1), seg(6)}));
}

TEST_F(WalTest, CrashAfterSyncKeepsRecords) {
    open_writer(0);
    for (int64_t zxid = 1; zxid <= 5; ++zxid) {
        append(zxid);
    }
    sync();
    disk_.crash();
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 5));
    EXPECT_TRUE(r.report.notes.empty());
}

TEST_F(WalTest, TruncatedTrailingRecordIsTornTailAtEveryCut) {
    const std::string full = raw_segment(1, range(1, 4));
    const uint64_t last_offset = offset_of(3);
    for (uint64_t kept = 1; kept < record_size; ++kept) {
        SCOPED_TRACE(kept);
        reset();
        disk_.put_file(path(1), full.substr(0, last_offset + kept));
        ReadOutcome r = read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 3));
        EXPECT_EQ(r.report.last_zxid, 3);
        EXPECT_EQ(r.report.notes,
                  std::vector<std::string>{"truncated torn tail of " + seg(1) + " at offset " +
                                           std::to_string(last_offset) + " (" +
                                           std::to_string(kept) + " bytes dropped)"});
        EXPECT_EQ(*disk_.file(path(1)), full.substr(0, last_offset));
        // Later appends work and the repaired log reads cleanly.
        write_synced(4, 5);
        r = read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 5));
        EXPECT_TRUE(r.report.notes.empty());
    }
}

TEST_F(WalTest, ZeroFilledTailIsTornTailOnlyAfterAPartialRecord) {
    // A crash after a size update but before the data: the tail reads as zeros. After a
    // partial record that is a torn tail; after a whole record (kept 0 or record_size) it
    // cannot be told from preallocated padding and loses nothing, so it is a clean end.
    const std::string full = raw_segment(1, range(1, 4));
    for (uint64_t kept : {uint64_t{0}, uint64_t{5}, uint64_t{9}, uint64_t{50}, record_size}) {
        SCOPED_TRACE(kept);
        reset();
        std::string bytes = full.substr(0, offset_of(3) + kept);
        bytes.resize(full.size() + 300, '\0');
        disk_.put_file(path(1), bytes);
        ReadOutcome r = read();
        ASSERT_TRUE(r.ok) << r.error;
        const bool whole = kept == 0 || kept == record_size;
        EXPECT_EQ(r.zxids, range(1, kept == record_size ? 4 : 3));
        if (whole) {
            EXPECT_TRUE(r.report.notes.empty());
            EXPECT_EQ(*disk_.file(path(1)), bytes);
            continue;
        }
        const uint64_t good = offset_of(3);
        EXPECT_EQ(r.report.notes,
                  std::vector<std::string>{"truncated torn tail of " + seg(1) + " at offset " +
                                           std::to_string(good) + " (" +
                                           std::to_string(bytes.size() - good) +
                                           " bytes dropped)"});
        EXPECT_EQ(disk_.file(path(1))->size(), good);
    }
}

TEST_F(WalTest, TornCrashRecoversAPrefix) {
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        SCOPED_TRACE(seed);
        reset();
        write_synced(1, 3);
        append(4);
        append(5);
        append(6);
        disk_.crash_torn(seed);
        ReadOutcome r = read();
        ASSERT_TRUE(r.ok) << r.error;
        ASSERT_GE(r.zxids.size(), 3u);
        EXPECT_EQ(r.zxids, range(1, static_cast<int64_t>(r.zxids.size())));
        EXPECT_LE(r.report.notes.size(), 1u);
        EXPECT_EQ(disk_.file(path(1))->size(), offset_of(r.zxids.size()));
        write_synced(r.report.last_zxid + 1, 8);
        r = read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 8));
        EXPECT_TRUE(r.report.notes.empty());
    }
}

TEST_F(WalTest, ChecksumMismatchInMiddleIsCorruption) {
    write_synced(1, 5);
    disk_.corrupt_byte(path(1), offset_of(1) + 30);
    ReadOutcome r = read();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error, "corruption: wal-0000000000000001.log: bad checksum at offset 137");
    EXPECT_EQ(r.zxids, range(1, 1));  // Nothing after the bad record is delivered.
    EXPECT_EQ(disk_.file(path(1))->size(), offset_of(5));  // Nothing is truncated.
}

TEST_F(WalTest, ChecksumMismatchBeforeValidLastRecordIsCorruption) {
    write_synced(1, 4);
    disk_.corrupt_byte(path(1), offset_of(2));  // The crc field of record 3.
    ReadOutcome r = read();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad checksum at offset " +
                           std::to_string(offset_of(2)));
    EXPECT_EQ(r.zxids, range(1, 2));
}

TEST_F(WalTest, ChecksumMismatchInLastRecordFollowedByGarbageIsCorruption) {
    write_synced(1, 4);
    disk_.corrupt_byte(path(1), offset_of(3) + 40);
    disk_.put_file(path(1), *disk_.file(path(1)) + std::string(3, '\x01'));
    ReadOutcome r = read();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad checksum at offset " +
                           std::to_string(offset_of(3)));
}

TEST_F(WalTest, ChecksumMismatchInLastRecordAloneIsTornTail) {
    write_synced(1, 4);
    disk_.corrupt_byte(path(1), offset_of(3) + 40);
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 3));
    EXPECT_EQ(r.report.notes.size(), 1u);
}

TEST_F(WalTest, ChecksumMismatchInNonFinalSegmentIsCorruption) {
    write_synced(1, 3);
    write_synced(4, 6);
    disk_.corrupt_byte(path(1), offset_of(2) + 20);  // The last record of the first segment.
    ReadOutcome r = read();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad checksum at offset " +
                           std::to_string(offset_of(2)));
}

TEST_F(WalTest, PartialRecordInNonFinalSegmentIsCorruption) {
    disk_.put_file(path(1), raw_segment(1, range(1, 2)).substr(0, offset_of(1) + 50));
    disk_.put_file(path(2), raw_segment(2, {2}));
    ReadOutcome r = read();
    ASSERT_FALSE(r.ok);
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": truncated record at offset 137");
}

TEST_F(WalTest, BadRecordType) {
    write_synced(1, 3);
    disk_.corrupt_byte(path(1), offset_of(1) + 8, 0x02);
    ReadOutcome r = read();
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad record type at offset 137");
}

TEST_F(WalTest, BadLength) {
    write_synced(1, 3);
    disk_.corrupt_byte(path(1), offset_of(1) + 7, 0x10);  // The length's high byte.
    ReadOutcome r = read();
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad record length at offset 137");
}

TEST_F(WalTest, BadLengthInLastRecordIsCorruptionWhenItsPayloadFollows) {
    write_synced(1, 3);
    disk_.corrupt_byte(path(1), offset_of(2) + 7, 0x10);
    ReadOutcome r = read();
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad record length at offset " +
                           std::to_string(offset_of(2)));
}

TEST_F(WalTest, CorruptedSegmentHeader) {
    write_synced(1, 3);
    write_synced(4, 6);
    disk_.corrupt_byte(path(1), 9);  // Inside first_zxid.
    EXPECT_EQ(read().error, "corruption: " + seg(1) + ": bad segment header checksum at offset 0");
    disk_.corrupt_byte(path(1), 9);
    disk_.corrupt_byte(path(4), 0);  // The magic of the last segment.
    EXPECT_EQ(read().error, "corruption: " + seg(4) + ": bad segment magic at offset 0");
}

TEST_F(WalTest, UnsupportedFormatVersion) {
    std::string bytes = raw_segment(1, {1});
    store_u32_le(bytes.data() + 4, 2);
    store_u32_le(bytes.data() + 16, crc32c::mask(crc32c::value(bytes.data(), 16)));
    disk_.put_file(path(1), bytes);
    EXPECT_EQ(read().error, "corruption: " + seg(1) + ": unsupported format version 2 at offset 0");
}

TEST_F(WalTest, SegmentNameDisagreesWithHeader) {
    disk_.put_file(path(2), raw_segment(1, {1, 2}));
    EXPECT_EQ(read().error,
              "corruption: " + seg(2) + ": header first zxid 1 disagrees with the file name" +
                  " at offset 0");
}

TEST_F(WalTest, FirstRecordDisagreesWithHeader) {
    disk_.put_file(path(1), raw_segment(1, {2, 3}));
    EXPECT_EQ(read().error,
              "corruption: " + seg(1) +
                  ": zxid 2 disagrees with the header first zxid at offset 20");
}

TEST_F(WalTest, ZxidGapInSegment) {
    disk_.put_file(path(1), raw_segment(1, {1, 2, 4, 5}));
    ReadOutcome r = read();
    EXPECT_EQ(r.error, "corruption: " + seg(1) + ": zxid 4 leaves a gap after zxid 2 at offset " +
                           std::to_string(offset_of(2)));
    EXPECT_EQ(r.zxids, range(1, 2));
    // A gap wholly covered by a snapshot at zxid 3 loses nothing.
    r = read(3);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(4, 5));
}

TEST_F(WalTest, ZxidGapAcrossSegments) {
    disk_.put_file(path(1), raw_segment(1, {1, 2}));
    disk_.put_file(path(4), raw_segment(4, {4, 5}));
    EXPECT_EQ(read().error,
              "corruption: " + seg(4) + ": zxid 4 leaves a gap after zxid 2 at offset 20");
    ReadOutcome r = read(3);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(4, 5));
    EXPECT_EQ(r.report.last_zxid, 5);
}

TEST_F(WalTest, LogStartingAfterSnapshotIsCorruption) {
    disk_.put_file(path(5), raw_segment(5, {5, 6}));
    EXPECT_EQ(read(3).error,
              "corruption: " + seg(5) + ": zxid 5 leaves a gap after zxid 3 at offset 20");
    EXPECT_EQ(read(4).zxids, range(5, 6));
}

TEST_F(WalTest, ZxidStepBack) {
    disk_.put_file(path(1), raw_segment(1, {1, 2, 2}));
    EXPECT_EQ(read().error, "corruption: " + seg(1) + ": zxid 2 does not follow zxid 2 at offset " +
                                std::to_string(offset_of(2)));
}

TEST_F(WalTest, AfterZxidFiltering) {
    write_synced(1, 10, 400);
    EXPECT_GT(names().size(), 2u);
    ReadOutcome r = read(6);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(7, 10));
    EXPECT_EQ(r.report.last_zxid, 10);
    r = read(10);
    EXPECT_TRUE(r.zxids.empty());
    EXPECT_EQ(r.report.last_zxid, 10);
    r = read(15);  // A snapshot newer than the log (installed from a leader).
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.zxids.empty());
    EXPECT_EQ(r.report.last_zxid, 15);
}

TEST_F(WalTest, EmptyLastSegmentIsRemoved) {
    const std::string header_only = raw_segment(4, {});
    for (const std::string& bytes : {std::string(), header_only, header_only.substr(0, 7),
                                     std::string(wal_header_size + 40, '\0')}) {
        SCOPED_TRACE(bytes.size());
        reset();
        write_synced(1, 3);
        disk_.put_file(path(4), bytes);
        ReadOutcome r = read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 3));
        EXPECT_EQ(r.report.notes, std::vector<std::string>{
                                      "removed empty last segment " + seg(4) + " (" +
                                      std::to_string(bytes.size()) + " bytes)"});
        EXPECT_EQ(names(), std::vector<std::string>{seg(1)});
        write_synced(4, 4);
        EXPECT_EQ(read().zxids, range(1, 4));
    }
}

TEST_F(WalTest, WriterOpenedAndNeverWrittenLeavesEmptySegment) {
    open_writer(0);
    writer_.reset();
    disk_.crash();
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.report.notes, std::vector<std::string>{"removed empty last segment " + seg(1) +
                                                       " (20 bytes)"});
    EXPECT_TRUE(names().empty());
}

TEST_F(WalTest, TornOnlyRecordRemovesSegment) {
    write_synced(1, 3);
    disk_.put_file(path(4), raw_segment(4, {4}).substr(0, wal_header_size + 10));
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 3));
    EXPECT_EQ(r.report.notes, std::vector<std::string>{"removed empty last segment " + seg(4) +
                                                       " (30 bytes)"});
}

TEST_F(WalTest, EmptyNonFinalSegmentIsCorruption) {
    disk_.put_file(path(1), raw_segment(1, {}));
    disk_.put_file(path(2), raw_segment(2, {2}));
    EXPECT_EQ(read(1).error, "corruption: " + seg(1) + ": segment holds no records at offset 20");
}

TEST_F(WalTest, CallbackErrorStopsReading) {
    write_synced(1, 5);
    ReadOutcome r = read(0, 3);
    EXPECT_EQ(r.error, "invalid argument: stop");
    EXPECT_EQ(r.zxids, range(1, 3));
}

TEST_F(WalTest, OpenRefusesSegmentsAfterLastZxid) {
    write_synced(1, 5);
    auto writer = WalWriter::open(&disk_, dir, 0, {});
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.error().to_string(),
              "invalid argument: " + seg(1) +
                  ": segment starts after zxid 0; run read_wal before opening the writer");
}

TEST_F(WalTest, PurgeKeepsSegmentHoldingNextZxid) {
    write_synced(1, 3);
    write_synced(4, 6);
    write_synced(7, 9);
    write_synced(10, 12);
    auto removed = purge_wal(&disk_, dir, 2);
    ASSERT_TRUE(removed.ok());
    EXPECT_TRUE(removed->empty());
    removed = purge_wal(&disk_, dir, 5);
    EXPECT_EQ(*removed, std::vector<std::string>{seg(1)});
    removed = purge_wal(&disk_, dir, 6);
    EXPECT_EQ(*removed, std::vector<std::string>{seg(4)});
    removed = purge_wal(&disk_, dir, 100);  // The last segment always stays.
    EXPECT_EQ(*removed, std::vector<std::string>{seg(7)});
    EXPECT_EQ(names(), std::vector<std::string>{seg(10)});
    disk_.crash();  // Removals were made durable.
    EXPECT_EQ(names(), std::vector<std::string>{seg(10)});
    EXPECT_EQ(read(9).zxids, range(10, 12));
    EXPECT_EQ(read(0).error,
              "corruption: " + seg(10) + ": zxid 10 leaves a gap after zxid 0 at offset 20");
}

// Padding (WalOptions::preallocate_bytes; docs/formats.md, "Padding").

bool all_zero(std::string_view bytes) {
    return bytes.find_first_not_of('\0') == std::string_view::npos;
}

// Writes the same log with and without padding: rolls at the size limit and on request, and
// restarts. Padding changes nothing but zeros after each segment's records.
TEST_F(WalTest, PaddedSegmentsAreTheUnpaddedBytesThenZeros) {
    auto write_log = [&](uint64_t preallocate_bytes) {
        reset();
        preallocate_bytes_ = preallocate_bytes;
        open_writer(0, 1000);
        for (int64_t zxid = 1; zxid <= 40; ++zxid) {
            if (zxid % 13 == 0) {
                writer_->request_roll();
            }
            append(zxid);
            if (zxid % 3 == 0) {
                sync();
            }
            if (zxid == 20) {
                sync();
                open_writer(20, 1000);  // a restart starts a new segment
            }
        }
        sync();
        std::map<std::string, std::string> files;
        for (const auto& name : names()) {
            files[name] = *disk_.file(dir + "/" + name);
        }
        ReadOutcome r = read();
        EXPECT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 40));
        EXPECT_TRUE(r.report.notes.empty());
        for (const auto& [name, bytes] : files) {  // reading repaired nothing
            EXPECT_EQ(*disk_.file(dir + "/" + name), bytes);
        }
        return files;
    };
    const auto plain = write_log(0);
    const auto padded = write_log(256);
    ASSERT_GT(plain.size(), 5u);
    ASSERT_EQ(padded.size(), plain.size());  // the limit counts logical bytes
    for (const auto& [name, bytes] : plain) {
        SCOPED_TRACE(name);
        const std::string& p = padded.at(name);
        EXPECT_LE(bytes.size(), 1000u);
        EXPECT_EQ(p.size(), (bytes.size() + 255) / 256 * 256);
        EXPECT_EQ(p.substr(0, bytes.size()), bytes);
        EXPECT_TRUE(all_zero(std::string_view(p).substr(bytes.size())));
    }
    // The 1000-byte bound caps the chunk: a large preallocate_bytes pads only to 1000.
    const auto capped = write_log(4ull << 20);
    for (const auto& [name, bytes] : capped) {
        EXPECT_EQ(bytes.size(), 1000u) << name;
    }
}

TEST_F(WalTest, DefaultOptionsPadByFourMiB) {
    EXPECT_EQ(WalOptions{}.preallocate_bytes, 4ull << 20);
    auto writer = WalWriter::open(&disk_, dir, 0, WalOptions{});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->append(1, data_for(1)).ok());
    ASSERT_TRUE((*writer)->sync().ok());
    EXPECT_EQ(disk_.file(path(1))->size(), 4ull << 20);
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 1));
    EXPECT_TRUE(r.report.notes.empty());
}

TEST_F(WalTest, TornCrashInPaddingRecoversAPrefix) {
    for (uint64_t preallocate_bytes : {uint64_t{256}, uint64_t{4096}}) {
        preallocate_bytes_ = preallocate_bytes;
        for (uint64_t seed = 1; seed <= 200; ++seed) {
            SCOPED_TRACE(seed);
            reset();
            write_synced(1, 3);  // 371 bytes: with 256-byte chunks, 5..6 cross into a new one
            append(4);
            append(5);
            append(6);
            disk_.crash_torn(seed);
            const std::string crashed = *disk_.file(path(1));
            ReadOutcome r = read();
            ASSERT_TRUE(r.ok) << r.error;
            ASSERT_GE(r.zxids.size(), 3u);
            EXPECT_EQ(r.zxids, range(1, static_cast<int64_t>(r.zxids.size())));
            const uint64_t good = offset_of(r.zxids.size());
            if (r.report.notes.empty()) {  // a clean end: nothing was cut
                EXPECT_EQ(*disk_.file(path(1)), crashed);
                EXPECT_TRUE(all_zero(std::string_view(crashed).substr(good)));
            } else {
                EXPECT_EQ(r.report.notes.size(), 1u);
                EXPECT_EQ(disk_.file(path(1))->size(), good);
            }
            write_synced(r.report.last_zxid + 1, 8);
            r = read();
            ASSERT_TRUE(r.ok) << r.error;
            EXPECT_EQ(r.zxids, range(1, 8));
            EXPECT_TRUE(r.report.notes.empty());
        }
    }
}

// A crash with an unsynced zero extension: padding.txt (it needs an interrupted sync) and
// MemDiskTest.PreallocatedAppendsAndCrashes.

TEST_F(WalTest, TornRecordBeforePadding) {
    const std::string full = raw_segment(1, range(1, 3));
    for (uint64_t kept : {uint64_t{1}, uint64_t{4}, uint64_t{8}, uint64_t{9}, uint64_t{60},
                          record_size - 1}) {
        SCOPED_TRACE(kept);
        std::string bytes = full.substr(0, offset_of(2) + kept);
        bytes.resize(1024, '\0');
        if (all_zero(std::string_view(bytes).substr(offset_of(2)))) {
            continue;  // the crc's first bytes happen to be zero: that is just padding
        }
        // In the last segment: a torn tail, cut with its padding.
        reset();
        disk_.put_file(path(1), bytes);
        ReadOutcome r = read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.zxids, range(1, 2));
        EXPECT_EQ(r.report.notes,
                  std::vector<std::string>{"truncated torn tail of " + seg(1) + " at offset " +
                                           std::to_string(offset_of(2)) + " (" +
                                           std::to_string(1024 - offset_of(2)) +
                                           " bytes dropped)"});
        // In a segment that is not the last: corruption, nothing cut.
        reset();
        disk_.put_file(path(1), bytes);
        disk_.put_file(path(3), raw_segment(3, {3}));
        r = read();
        ASSERT_FALSE(r.ok);
        EXPECT_EQ(r.error.rfind("corruption: " + seg(1) + ": ", 0), 0u) << r.error;
        EXPECT_NE(r.error.find(" at offset " + std::to_string(offset_of(2))), std::string::npos);
        EXPECT_EQ(*disk_.file(path(1)), bytes);
    }
}

TEST_F(WalTest, BadRecordFollowedByPaddingOrData) {
    preallocate_bytes_ = 1024;
    write_synced(1, 3);
    const std::string good = *disk_.file(path(1));
    // The last record bad, padding after it: a torn tail.
    disk_.corrupt_byte(path(1), offset_of(2) + 40);
    ReadOutcome r = read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.zxids, range(1, 2));
    EXPECT_EQ(r.report.notes.size(), 1u);
    // The same with one non-zero byte anywhere in the padding: corruption.
    for (uint64_t stray : {offset_of(3), offset_of(3) + 100, uint64_t{1023}}) {
        SCOPED_TRACE(stray);
        reset();
        disk_.put_file(path(1), good);
        disk_.corrupt_byte(path(1), offset_of(2) + 40);
        disk_.corrupt_byte(path(1), stray, 0x01);
        r = read();
        EXPECT_EQ(r.error, "corruption: " + seg(1) + ": bad checksum at offset " +
                               std::to_string(offset_of(2)));
        EXPECT_EQ(disk_.file(path(1))->size(), 1024u);  // nothing cut
    }
    // A bad last record of a padded segment that is not the last: corruption.
    reset();
    disk_.put_file(path(1), good);
    disk_.corrupt_byte(path(1), offset_of(2) + 40);
    disk_.put_file(path(4), raw_segment(4, {4}));
    EXPECT_EQ(read().error, "corruption: " + seg(1) + ": bad checksum at offset " +
                                std::to_string(offset_of(2)));
}

TEST_F(WalTest, SegmentNamesRoundTrip) {
    EXPECT_EQ(wal_segment_name(1), "wal-0000000000000001.log");
    EXPECT_EQ(wal_segment_name(0x123456789abcdef0), "wal-123456789abcdef0.log");
    EXPECT_EQ(parse_wal_segment_name("wal-123456789abcdef0.log"), 0x123456789abcdef0);
    EXPECT_EQ(parse_wal_segment_name("wal-0000000000000000.log"), std::nullopt);
    EXPECT_EQ(parse_wal_segment_name("wal-123456789ABCDEF0.log"), std::nullopt);
    EXPECT_EQ(parse_wal_segment_name("wal-8000000000000000.log"), std::nullopt);
    EXPECT_EQ(parse_wal_segment_name("wal-000000000000001.log"), std::nullopt);
    EXPECT_EQ(parse_wal_segment_name("snapshot-0000000000000001.snap"), std::nullopt);
}

}  // namespace
}  // namespace wd::storage
