// Snapshot files (docs/formats.md, "Snapshot file").
#include "storage/snapshot.h"

#include <algorithm>
#include <cstdio>

#include "base/coding.h"
#include "base/crc32c.h"

namespace wd::storage {
namespace {

constexpr std::string_view name_prefix = "snapshot-";
constexpr std::string_view name_suffix = ".snap";
constexpr std::string_view tmp_suffix = ".tmp";
constexpr size_t hex_digits = 16;

// The zxid named by "snapshot-<16 hex>.snap" (or with ".tmp" appended when `tmp`).
std::optional<int64_t> parse_name(std::string_view name, bool tmp) {
    if (tmp) {
        if (!name.ends_with(tmp_suffix)) {
            return std::nullopt;
        }
        name.remove_suffix(tmp_suffix.size());
    }
    if (name.size() != name_prefix.size() + hex_digits + name_suffix.size() ||
        !name.starts_with(name_prefix) || !name.ends_with(name_suffix)) {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (char c : name.substr(name_prefix.size(), hex_digits)) {
        const bool digit = c >= '0' && c <= '9';
        const bool letter = c >= 'a' && c <= 'f';
        if (!digit && !letter) {
            return std::nullopt;
        }
        v = (v << 4) | static_cast<uint64_t>(digit ? c - '0' : c - 'a' + 10);
    }
    if (v > static_cast<uint64_t>(INT64_MAX)) {
        return std::nullopt;
    }
    return static_cast<int64_t>(v);
}

struct Named {
    std::string name;
    int64_t zxid = 0;
};

// Snapshot files, newest first, and leftover temporary files. A missing dir is empty.
Result<std::vector<Named>> list_snapshots(Disk* disk, const std::string& dir, bool tmp) {
    auto names = disk->list(dir);
    if (!names.ok()) {
        if (names.error().code() == StatusCode::not_found) {
            return std::vector<Named>{};
        }
        return err(names.error());
    }
    std::vector<Named> out;
    for (auto& name : *names) {
        if (auto zxid = parse_name(name, tmp)) {
            out.push_back(Named{std::move(name), *zxid});
        }
    }
    std::sort(out.begin(), out.end(), [](const Named& a, const Named& b) {
        return a.zxid > b.zxid;
    });
    return out;
}

// Why `bytes` is not a valid snapshot at `zxid`, or nullptr when it is. A leaf.
const char* invalid_reason(std::string_view bytes, int64_t zxid) {
    if (bytes.size() < snapshot_header_size + snapshot_trailer_size) {
        return "shorter than header and trailer";
    }
    const char* h = bytes.data();
    if (load_u32_le(h) != snapshot_magic) {
        return "bad magic";
    }
    if (load_u32_le(h + 4) != snapshot_format_version) {
        return "unsupported format version";
    }
    if (load_u64_le(h + 8) != static_cast<uint64_t>(zxid)) {
        return "header zxid disagrees with the file name";
    }
    const uint64_t body_length = load_u64_le(h + 16);
    if (body_length != bytes.size() - snapshot_header_size - snapshot_trailer_size) {
        return "body length disagrees with the file size";
    }
    const size_t covered = bytes.size() - snapshot_trailer_size;
    if (crc32c::unmask(load_u32_le(h + covered)) != crc32c::value(h, covered)) {
        return "bad checksum";
    }
    return nullptr;
}

// Reads one snapshot file; a missing file is reported like an invalid one.
Result<const char*> check_file(Disk* disk, const std::string& path, int64_t zxid,
                               FileBytes* bytes_out) {
    auto bytes = disk->map_file(path);
    if (!bytes.ok()) {
        if (bytes.error().code() == StatusCode::not_found) {
            return "file vanished";
        }
        return err(bytes.error());
    }
    const char* reason = invalid_reason(bytes->view(), zxid);
    if (bytes_out != nullptr) {
        *bytes_out = std::move(*bytes);
    }
    return reason;
}

// A valid file's bytes as a LoadedSnapshot: the body is the view between header and trailer.
LoadedSnapshot loaded_from(FileBytes bytes, int64_t zxid, std::string name) {
    LoadedSnapshot loaded;
    loaded.zxid = zxid;
    bytes.narrow(snapshot_header_size,
                 bytes.size() - snapshot_header_size - snapshot_trailer_size);
    loaded.body = std::move(bytes);
    loaded.file = std::move(name);
    return loaded;
}

}  // namespace

std::string snapshot_file_name(int64_t zxid) {
    WD_ASSERT(zxid >= 0);
    char hex[hex_digits + 1];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(zxid));
    return std::string(name_prefix) + hex + std::string(name_suffix);
}

Result<void> write_snapshot(Disk* disk, const std::string& dir, int64_t zxid,
                            std::string_view body, uint64_t sync_every) {
    WD_ASSERT(zxid >= 0);
    WD_TRY(disk->create_dir(dir));
    const std::string path = dir + "/" + snapshot_file_name(zxid);
    const std::string tmp_path = path + std::string(tmp_suffix);
    auto removed = disk->remove(tmp_path);
    if (!removed.ok() && removed.error().code() != StatusCode::not_found) {
        return removed;
    }
    std::string header;
    put_u32_le(header, snapshot_magic);
    put_u32_le(header, snapshot_format_version);
    put_u64_le(header, static_cast<uint64_t>(zxid));
    put_u64_le(header, body.size());
    WD_ASSERT(header.size() == snapshot_header_size);
    std::string trailer;
    put_u32_le(trailer, crc32c::mask(crc32c::extend(crc32c::value(header.data(), header.size()),
                                                    body.data(), body.size())));
    auto file = disk->open_append(tmp_path);
    if (!file.ok()) {
        return err(file.error());
    }
    WD_TRY((*file)->append(header));
    if (sync_every == 0) {
        WD_TRY((*file)->append(body));
    } else {
        for (size_t at = 0; at < body.size(); at += sync_every) {
            WD_TRY((*file)->append(body.substr(at, sync_every)));
            WD_TRY((*file)->sync());
        }
    }
    WD_TRY((*file)->append(trailer));
    WD_ASSERT((*file)->size() == header.size() + body.size() + trailer.size());
    WD_TRY((*file)->sync());
    WD_TRY((*file)->close());
    WD_TRY(disk->rename(tmp_path, path));
    return disk->sync_dir(dir);
}

Result<std::optional<LoadedSnapshot>> load_newest_snapshot(Disk* disk, const std::string& dir) {
    auto snapshots = list_snapshots(disk, dir, false);
    if (!snapshots.ok()) {
        return err(snapshots.error());
    }
    std::vector<std::string> notes;
    for (const Named& snapshot : *snapshots) {
        FileBytes bytes;
        auto reason = check_file(disk, dir + "/" + snapshot.name, snapshot.zxid, &bytes);
        if (!reason.ok()) {
            return err(reason.error());
        }
        if (*reason != nullptr) {
            notes.push_back("skipped " + snapshot.name + ": " + *reason);
            continue;
        }
        LoadedSnapshot loaded = loaded_from(std::move(bytes), snapshot.zxid, snapshot.name);
        loaded.notes = std::move(notes);
        return std::optional<LoadedSnapshot>(std::move(loaded));
    }
    return std::optional<LoadedSnapshot>();
}

Result<std::optional<LoadedSnapshot>> load_snapshot_at(Disk* disk, const std::string& dir,
                                                      int64_t zxid) {
    const std::string name = snapshot_file_name(zxid);
    FileBytes bytes;
    auto reason = check_file(disk, dir + "/" + name, zxid, &bytes);
    if (!reason.ok()) {
        return err(reason.error());
    }
    if (*reason != nullptr) {  // missing or invalid
        return std::optional<LoadedSnapshot>();
    }
    return std::optional<LoadedSnapshot>(loaded_from(std::move(bytes), zxid, name));
}

Result<std::optional<int64_t>> purge_snapshots(Disk* disk, const std::string& dir,
                                               size_t retain_count) {
    WD_ASSERT(retain_count >= 1);
    auto tmps = list_snapshots(disk, dir, true);
    auto snapshots = list_snapshots(disk, dir, false);
    if (!tmps.ok() || !snapshots.ok()) {
        return err(!tmps.ok() ? tmps.error() : snapshots.error());
    }
    std::vector<std::string> doomed;
    for (const Named& tmp : *tmps) {
        doomed.push_back(tmp.name);
    }
    std::optional<int64_t> oldest_kept;
    size_t kept = 0;
    for (const Named& snapshot : *snapshots) {
        if (kept == retain_count) {
            doomed.push_back(snapshot.name);
            continue;
        }
        auto reason = check_file(disk, dir + "/" + snapshot.name, snapshot.zxid, nullptr);
        if (!reason.ok()) {
            return err(reason.error());
        }
        if (*reason == nullptr) {
            kept += 1;
            oldest_kept = snapshot.zxid;
        }
    }
    for (const std::string& name : doomed) {
        WD_TRY(disk->remove(dir + "/" + name));
    }
    if (!doomed.empty()) {
        WD_TRY(disk->sync_dir(dir));
    }
    return oldest_kept;
}

}  // namespace wd::storage
