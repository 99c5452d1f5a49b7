// WalWriter: appends records to segment files (docs/formats.md, "WAL segment file").
#include <algorithm>
#include <utility>

#include "storage/wal.h"

namespace wd::storage {

WalWriter::WalWriter(Disk* disk, std::string dir, int64_t last_zxid, WalOptions options)
    : disk_(disk), dir_(std::move(dir)), options_(options), last_zxid_(last_zxid) {}

Result<std::unique_ptr<WalWriter>> WalWriter::open(Disk* disk, std::string dir,
                                                   int64_t last_zxid, WalOptions options) {
    WD_ASSERT(disk != nullptr);
    WD_ASSERT(last_zxid >= 0);
    WD_ASSERT(options.segment_size_max > wal_header_size);
    WD_TRY(disk->create_dir(dir));
    // The constructor is private, so make_unique cannot reach it.
    std::unique_ptr<WalWriter> writer(new WalWriter(disk, std::move(dir), last_zxid, options));
    WD_TRY(writer->check_no_later_segments());
    WD_TRY(writer->roll(last_zxid + 1));
    return writer;
}

Result<void> WalWriter::check_no_later_segments() const {
    auto names = disk_->list(dir_);
    if (!names.ok()) {
        return err(names.error());
    }
    for (const auto& name : *names) {
        auto first_zxid = parse_wal_segment_name(name);
        if (first_zxid && *first_zxid > last_zxid_) {
            return err(Status::invalid_argument(
                name + ": segment starts after zxid " + std::to_string(last_zxid_) +
                "; run read_wal before opening the writer"));
        }
    }
    return {};
}

Result<void> WalWriter::fail(Status status) {
    failed_ = true;
    return err(std::move(status));
}

Result<void> WalWriter::roll(int64_t first_zxid) {
    WD_ASSERT(first_zxid == last_zxid_ + 1);
    WD_ASSERT(pending_.empty());
    if (file_) {
        auto closed = file_->close();
        file_.reset();
        if (!closed.ok()) {
            return fail(closed.error());
        }
    }
    segment_path_ = dir_ + "/" + wal_segment_name(first_zxid);
    // Padding past segment_size_max would only waste space: the roll comes first.
    AppendOptions append_options;
    append_options.preallocate_bytes =
        std::min(options_.preallocate_bytes, options_.segment_size_max);
    auto file = disk_->open_append(segment_path_, append_options);
    if (!file.ok()) {
        return fail(file.error());
    }
    file_ = std::move(*file);
    if (file_->size() != 0) {
        // check_no_later_segments() and the roll order make this impossible unless another
        // process writes the directory.
        return fail(Status::io_error(segment_path_ + ": new segment is not empty"));
    }
    std::string header;
    put_wal_header(header, first_zxid);
    auto appended = file_->append(header);
    if (!appended.ok()) {
        return fail(appended.error());
    }
    auto synced = file_->sync();
    if (!synced.ok()) {
        return fail(synced.error());
    }
    // The segment's directory entry must be durable before any record in it is reported so.
    auto dir_synced = disk_->sync_dir(dir_);
    if (!dir_synced.ok()) {
        return fail(dir_synced.error());
    }
    return {};
}

Result<void> WalWriter::append(int64_t zxid, std::string_view payload) {
    if (payload.size() > wal_data_size_max) {
        return err(Status::too_large("wal record of " + std::to_string(payload.size()) +
                                     " bytes exceeds " + std::to_string(wal_data_size_max)));
    }
    if (failed_) {
        return err(Status::io_error(segment_path_ + ": wal writer failed earlier"));
    }
    WD_ASSERT(file_ != nullptr);
    WD_ASSERT(zxid == last_zxid_ + 1);
    const uint64_t record_size = wal_record_header_size + wal_zxid_size + payload.size();
    const uint64_t segment_size = file_->size() + pending_.size();
    WD_ASSERT(segment_size >= wal_header_size);
    if (segment_size == wal_header_size) {
        roll_requested_ = false;  // an empty segment already is a new one
    }
    if (segment_size > wal_header_size &&
        (roll_requested_ || segment_size + record_size > options_.segment_size_max)) {
        WD_TRY(sync());
        WD_TRY(roll(zxid));
        roll_requested_ = false;
    }
    const size_t pending_before = pending_.size();
    put_wal_record(pending_, zxid, payload);
    WD_ASSERT(pending_.size() - pending_before == record_size);
    last_zxid_ = zxid;
    return {};
}

Result<void> WalWriter::flush() {
    auto appended = file_->append(pending_);
    pending_.clear();
    if (!appended.ok()) {
        return fail(appended.error());
    }
    return {};
}

Result<void> WalWriter::sync() {
    if (failed_) {
        return err(Status::io_error(segment_path_ + ": wal writer failed earlier"));
    }
    if (pending_.empty()) {
        return {};
    }
    WD_TRY(flush());
    // One fdatasync covers every record appended since the previous sync (group commit).
    auto synced = file_->sync();
    if (!synced.ok()) {
        return fail(synced.error());
    }
    return {};
}

}  // namespace wd::storage
