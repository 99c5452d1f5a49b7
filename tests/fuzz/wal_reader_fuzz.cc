// libFuzzer target: arbitrary bytes as WAL segments, read through read_wal on a MemDisk.
//
// Input layout: byte 0 picks the number of segments (1-3) and byte 1 picks after_zxid (0-15);
// the rest is split into equal chunks, one segment each. A chunk long enough to hold a header
// is named after the first zxid its header claims, so that reading gets past the name check.
// Properties: no crash, no assertion failure; on success the delivered zxids are contiguous
// and above after_zxid, and a second read (after any repair) succeeds with the same records
// and no notes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/coding.h"
#include "storage/mem_disk.h"
#include "storage/wal.h"

namespace {

using wd::storage::MemDisk;

std::string segment_name_for(std::string_view chunk, size_t index) {
    if (chunk.size() >= wd::storage::wal_header_size) {
        const uint64_t first = wd::load_u64_le(chunk.data() + 8);
        if (first > 0 && first <= static_cast<uint64_t>(INT64_MAX)) {
            return wd::storage::wal_segment_name(static_cast<int64_t>(first));
        }
    }
    return wd::storage::wal_segment_name(static_cast<int64_t>(index + 1));
}

struct Outcome {
    bool ok = false;
    std::vector<int64_t> zxids;
    size_t notes = 0;
};

Outcome read_all(MemDisk& disk, int64_t after_zxid) {
    Outcome out;
    auto report = wd::storage::read_wal(&disk, "wal", after_zxid,
                                        [&](int64_t zxid, std::string_view) {
                                            out.zxids.push_back(zxid);
                                            return wd::Result<void>();
                                        });
    out.ok = report.ok();
    if (out.ok) {
        out.notes = report->notes.size();
        WD_ASSERT(report->last_zxid >= after_zxid);
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    const size_t segments = 1 + data[0] % 3;
    const int64_t after_zxid = data[1] % 16;
    std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
    MemDisk disk;
    WD_ASSERT(disk.create_dir("wal").ok());
    const size_t chunk_size = rest.size() / segments;
    for (size_t i = 0; i < segments; ++i) {
        const size_t length = i + 1 == segments ? rest.size() - i * chunk_size : chunk_size;
        std::string_view chunk = rest.substr(i * chunk_size, length);
        disk.put_file("wal/" + segment_name_for(chunk, i), std::string(chunk));
    }
    const Outcome first = read_all(disk, after_zxid);
    if (!first.ok) {
        return 0;
    }
    for (size_t i = 0; i < first.zxids.size(); ++i) {
        WD_ASSERT(first.zxids[i] > after_zxid);
        WD_ASSERT(i == 0 || first.zxids[i] == first.zxids[i - 1] + 1);
    }
    const Outcome second = read_all(disk, after_zxid);
    WD_ASSERT(second.ok);
    WD_ASSERT(second.zxids == first.zxids);
    WD_ASSERT(second.notes == 0);
    return 0;
}
