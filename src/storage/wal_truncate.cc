#include "storage/wal_truncate.h"

#include <algorithm>
#include <vector>

#include "base/coding.h"
#include "storage/wal_format.h"

namespace wd::storage {
namespace {

struct Named {
    int64_t first;
    std::string name;
};

Result<std::vector<Named>> segments(Disk* disk, const std::string& dir) {
    auto names = disk->list(dir);
    if (!names.ok()) {
        return err(names.error());
    }
    std::vector<Named> out;
    for (const std::string& name : *names) {
        if (auto first = parse_wal_segment_name(name)) {
            out.push_back(Named{*first, name});
        }
    }
    std::sort(out.begin(), out.end(), [](const Named& a, const Named& b) { return a.first < b.first; });
    return out;
}

// The byte offset where the record with zxid > `zxid` starts in a segment, walking record
// headers only; the reader has already validated these bytes at start-up or they were
// written by this process.
Result<uint64_t> cut_offset(std::string_view bytes, int64_t zxid, const std::string& name) {
    uint64_t offset = wal_header_size;
    while (offset + wal_record_header_size + wal_zxid_size <= bytes.size()) {
        const char* h = bytes.data() + offset;
        uint32_t length = load_u32_le(h + 4);
        if (static_cast<uint8_t>(h[8]) != wal_type_entry || length < wal_zxid_size ||
            length > wal_payload_size_max) {
            break;  // padding or the end of what was written
        }
        int64_t record_zxid = static_cast<int64_t>(load_u64_le(h + wal_record_header_size));
        if (record_zxid > zxid) {
            return offset;
        }
        offset += wal_record_header_size + length;
    }
    if (offset > bytes.size()) {
        return err(Status::corruption(name + ": record extends past the end of the file"));
    }
    return offset;
}

}  // namespace

Result<void> truncate_wal_after(Disk* disk, const std::string& dir, int64_t zxid) {
    auto found = segments(disk, dir);
    if (!found.ok()) {
        return err(found.error());
    }
    // Each deletion is made durable before the next, and all of them before the cut: a crash
    // at any point then leaves a contiguous log (a gap would refuse recovery).
    for (auto it = found->rbegin(); it != found->rend(); ++it) {
        std::string path = dir + "/" + it->name;
        if (it->first > zxid) {
            WD_TRY(disk->remove(path));
            WD_TRY(disk->sync_dir(dir));
            continue;
        }
        auto bytes = disk->read_file(path);
        if (!bytes.ok()) {
            return err(bytes.error());
        }
        auto offset = cut_offset(*bytes, zxid, it->name);
        if (!offset.ok()) {
            return err(offset.error());
        }
        if (*offset < bytes->size()) {
            WD_TRY(disk->truncate(path, *offset));
            // fdatasync makes the new size durable.
            auto file = disk->open_append(path);
            if (!file.ok()) {
                return err(file.error());
            }
            WD_TRY((*file)->sync());
            WD_TRY((*file)->close());
        }
        break;
    }
    return disk->sync_dir(dir);
}

Result<void> remove_wal(Disk* disk, const std::string& dir) {
    auto found = segments(disk, dir);
    if (!found.ok()) {
        return err(found.error());
    }
    // Newest first, each deletion durable before the next: a crash leaves a contiguous prefix.
    for (auto it = found->rbegin(); it != found->rend(); ++it) {
        WD_TRY(disk->remove(dir + "/" + it->name));
        WD_TRY(disk->sync_dir(dir));
    }
    return {};
}

}  // namespace wd::storage
