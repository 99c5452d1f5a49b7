// read_wal and purge_wal (docs/formats.md, "WAL segment file" and "Recovery rules").
#include <algorithm>
#include <cstring>
#include <optional>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/wal.h"

namespace wd::storage {
namespace {

struct Segment {
    std::string name;
    int64_t first_zxid = 0;
};

// Segments in zxid order (fixed-width hex names sort numerically); a missing dir is empty.
Result<std::vector<Segment>> list_segments(Disk* disk, const std::string& dir) {
    auto names = disk->list(dir);
    if (!names.ok()) {
        if (names.error().code() == StatusCode::not_found) {
            return std::vector<Segment>{};
        }
        return err(names.error());
    }
    std::vector<Segment> segments;
    for (auto& name : *names) {
        if (auto first_zxid = parse_wal_segment_name(name)) {
            segments.push_back(Segment{std::move(name), *first_zxid});
        }
    }
    WD_ASSERT(std::is_sorted(segments.begin(), segments.end(), [](const auto& a, const auto& b) {
        return a.first_zxid < b.first_zxid;
    }));
    return segments;
}

// A zero first byte, and every byte equal to the one after it: memcmp compares at memory
// speed, where a byte loop took 4 % of a restart scanning a segment's preallocated zeros.
bool all_zero(std::string_view bytes) {
    return bytes.empty() || (bytes.front() == '\0' &&
                             std::memcmp(bytes.data(), bytes.data() + 1, bytes.size() - 1) == 0);
}

// One record as parsed at some offset. A bad record has a reason; `extent_end` is where a
// following record would start if the header is plausible, else the end of the header.
struct Parsed {
    const char* reason = nullptr;  // nullptr when the record is good
    bool intact = false;           // the checksum passed; such a record is never torn
    uint64_t extent_end = 0;
    int64_t zxid = 0;
    std::string_view data;
};

// Parses the record at `offset`. A leaf: it computes and mutates nothing.
Parsed parse_record(std::string_view bytes, uint64_t offset) {
    Parsed p;
    const uint64_t remaining = bytes.size() - offset;
    p.extent_end = offset + wal_record_header_size;
    if (remaining < wal_record_header_size) {
        p.reason = "truncated record header";
        return p;
    }
    const char* h = bytes.data() + offset;
    const uint32_t length = load_u32_le(h + 4);
    const uint8_t type = static_cast<uint8_t>(h[8]);
    if (type != wal_type_entry) {
        p.reason = "bad record type";
        return p;
    }
    if (length < wal_zxid_size || length > wal_payload_size_max) {
        p.reason = "bad record length";
        return p;
    }
    p.extent_end = offset + wal_record_header_size + length;
    if (length > remaining - wal_record_header_size) {
        p.reason = "truncated record";
        return p;
    }
    const uint32_t crc = crc32c::value(h + 4, wal_record_header_size - 4 + length);
    if (crc32c::unmask(load_u32_le(h)) != crc) {
        p.reason = "bad checksum";
        return p;
    }
    // The checksum passed; re-check what the writer asserted (STYLE.md section 6).
    p.intact = true;
    const uint64_t zxid = load_u64_le(h + wal_record_header_size);
    if (zxid == 0 || zxid > static_cast<uint64_t>(INT64_MAX)) {
        p.reason = "bad zxid";
        return p;
    }
    p.zxid = static_cast<int64_t>(zxid);
    p.data = bytes.substr(offset + wal_record_header_size + wal_zxid_size,
                          length - wal_zxid_size);
    return p;
}

// A bad record is a torn tail when no intact record can follow it: the file ends within
// its extent, or only zeros follow (docs/formats.md, "Recovery rules"). The caller has
// ruled out a bad record that is itself all zeros (padding).
bool is_torn_tail(std::string_view bytes, const Parsed& p) {
    return p.extent_end >= bytes.size() || all_zero(bytes.substr(p.extent_end));
}

Status corruption_at(const std::string& name, const std::string& what, uint64_t offset) {
    return Status::corruption(name + ": " + what + " at offset " + std::to_string(offset));
}

// Validates the segment header against the file name.
Result<void> check_header(const Segment& segment, std::string_view bytes) {
    WD_ASSERT(bytes.size() >= wal_header_size);
    const char* h = bytes.data();
    if (load_u32_le(h) != wal_magic) {
        return err(corruption_at(segment.name, "bad segment magic", 0));
    }
    if (crc32c::unmask(load_u32_le(h + 16)) != crc32c::value(h, 16)) {
        return err(corruption_at(segment.name, "bad segment header checksum", 0));
    }
    const uint32_t version = load_u32_le(h + 4);
    if (version != wal_format_version) {
        return err(corruption_at(segment.name,
                                 "unsupported format version " + std::to_string(version), 0));
    }
    const uint64_t first_zxid = load_u64_le(h + 8);
    if (first_zxid != static_cast<uint64_t>(segment.first_zxid)) {
        return err(corruption_at(
            segment.name, "header first zxid " + std::to_string(first_zxid) +
                              " disagrees with the file name", 0));
    }
    return {};
}

using OnRecord = std::function<Result<void>(int64_t zxid, std::string_view payload)>;

// State carried across segments while reading.
struct ReadState {
    int64_t after_zxid = 0;
    std::optional<int64_t> prev_zxid;  // the last record read, delivered or skipped
    const OnRecord* on_record = nullptr;
};

// Checks a good record's zxid against the ones before it, then delivers it if wanted.
Result<void> accept_record(const Segment& segment, uint64_t offset, uint32_t index,
                           const Parsed& p, ReadState& state) {
    if (index == 0 && p.zxid != segment.first_zxid) {
        return err(corruption_at(segment.name,
                                 "zxid " + std::to_string(p.zxid) +
                                     " disagrees with the header first zxid", offset));
    }
    if (state.prev_zxid && p.zxid <= *state.prev_zxid) {
        return err(corruption_at(segment.name,
                                 "zxid " + std::to_string(p.zxid) + " does not follow zxid " +
                                     std::to_string(*state.prev_zxid), offset));
    }
    // Every zxid above after_zxid is needed; the ones at or below are in the snapshot.
    const int64_t covered = std::max(state.prev_zxid.value_or(0), state.after_zxid);
    if (p.zxid > covered + 1) {
        return err(corruption_at(segment.name,
                                 "zxid " + std::to_string(p.zxid) + " leaves a gap after zxid " +
                                     std::to_string(covered), offset));
    }
    state.prev_zxid = p.zxid;
    if (p.zxid > state.after_zxid) {
        WD_TRY((*state.on_record)(p.zxid, p.data));
    }
    return {};
}

// What reading one segment found.
struct SegmentEnd {
    uint64_t good_size = 0;  // bytes up to the end of the last good record (logical size)
    uint32_t records = 0;
    bool torn = false;       // bytes after good_size are a torn tail
};

Result<SegmentEnd> read_segment(const Segment& segment, std::string_view bytes, bool last,
                                ReadState& state) {
    SegmentEnd end;
    if (bytes.size() < wal_header_size || all_zero(bytes)) {
        // A crash right after the segment was created; only the last may look like this.
        if (last) {
            return end;
        }
        return err(corruption_at(segment.name, "truncated segment header", 0));
    }
    WD_TRY(check_header(segment, bytes));
    uint64_t offset = wal_header_size;
    // Each round consumes at least one record header, so the loop is bounded by the size.
    while (offset < bytes.size()) {
        const Parsed p = parse_record(bytes, offset);
        if (p.reason != nullptr) {
            // Zeros cannot parse (type 0 is reserved), and a run of them to the end of the
            // file is the writer's preallocated padding: the clean end, in any segment.
            if (all_zero(bytes.substr(offset))) {
                break;
            }
            // Some non-zero byte follows. A torn write leaves it inside the bad record's
            // extent, with only zeros (padding or a size-only update) after that.
            if (last && !p.intact && is_torn_tail(bytes, p)) {
                end.good_size = offset;
                end.torn = true;
                return end;
            }
            return err(corruption_at(segment.name, p.reason, offset));
        }
        WD_TRY(accept_record(segment, offset, end.records, p, state));
        end.records += 1;
        WD_ASSERT(p.extent_end > offset);
        offset = p.extent_end;
    }
    WD_ASSERT(offset <= bytes.size());
    end.good_size = offset;  // the logical end; zero padding may follow
    if (end.records == 0 && !last) {
        return err(corruption_at(segment.name, "segment holds no records", offset));
    }
    return end;
}

// Repairs the last segment after a crash: drops a torn tail, or the segment if it is empty.
Result<void> repair_last(Disk* disk, const std::string& dir, const Segment& segment,
                         uint64_t size, const SegmentEnd& end, WalReadReport& report) {
    const std::string path = dir + "/" + segment.name;
    if (end.records == 0) {
        WD_TRY(disk->remove(path));
        WD_TRY(disk->sync_dir(dir));
        report.notes.push_back("removed empty last segment " + segment.name + " (" +
                               std::to_string(size) + " bytes)");
        return {};
    }
    if (!end.torn) {
        return {};
    }
    WD_TRY(disk->truncate(path, end.good_size));
    // Make the new size durable: the writer appends to a later segment, and a torn tail
    // that came back after another crash would then sit in a non-final segment.
    auto file = disk->open_append(path);
    if (!file.ok()) {
        return err(file.error());
    }
    WD_TRY((*file)->sync());
    WD_TRY((*file)->close());
    report.notes.push_back("truncated torn tail of " + segment.name + " at offset " +
                           std::to_string(end.good_size) + " (" +
                           std::to_string(size - end.good_size) + " bytes dropped)");
    return {};
}

}  // namespace

Result<WalReadReport> read_wal(Disk* disk, const std::string& dir, int64_t after_zxid,
                               const OnRecord& on_record) {
    WD_ASSERT(after_zxid >= 0);
    auto segments = list_segments(disk, dir);
    if (!segments.ok()) {
        return err(segments.error());
    }
    ReadState state{after_zxid, std::nullopt, &on_record};
    WalReadReport report;
    for (size_t i = 0; i < segments->size(); ++i) {
        const Segment& segment = (*segments)[i];
        const bool last = i + 1 == segments->size();
        auto bytes = disk->map_file(dir + "/" + segment.name);
        if (!bytes.ok()) {
            return err(bytes.error());
        }
        auto end = read_segment(segment, bytes->view(), last, state);
        if (!end.ok()) {
            return err(end.error());
        }
        if (last) {
            WD_TRY(repair_last(disk, dir, segment, bytes->size(), *end, report));
        }
    }
    report.last_zxid = std::max(after_zxid, state.prev_zxid.value_or(0));
    return report;
}

Result<std::vector<std::string>> purge_wal(Disk* disk, const std::string& dir, int64_t zxid) {
    WD_ASSERT(zxid >= 0);
    WD_ASSERT(zxid < INT64_MAX);
    auto segments = list_segments(disk, dir);
    if (!segments.ok()) {
        return err(segments.error());
    }
    std::vector<std::string> removed;
    // Segment i holds zxids [first_i, first_{i+1} - 1]; it is covered when first_{i+1} - 1
    // <= zxid. The last segment's end is unknown from names, so it always stays.
    for (size_t i = 0; i + 1 < segments->size(); ++i) {
        if ((*segments)[i + 1].first_zxid > zxid + 1) {
            break;
        }
        WD_TRY(disk->remove(dir + "/" + (*segments)[i].name));
        removed.push_back((*segments)[i].name);
    }
    if (!removed.empty()) {
        WD_TRY(disk->sync_dir(dir));
    }
    return removed;
}

}  // namespace wd::storage
