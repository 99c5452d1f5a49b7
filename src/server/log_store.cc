#include "server/log_store.h"

#include <spdlog/spdlog.h>

#include "consensus/codec.h"
#include "storage/snapshot.h"
#include "storage/wal_truncate.h"

namespace wd::server {

using consensus::Entry;
using consensus::LogIndex;
using consensus::Term;

namespace {
constexpr std::string_view replica_snapshot_magic = "WDRS";
}  // namespace

std::string encode_replica_snapshot(const consensus::SnapshotMeta& meta, std::string_view tree) {
    consensus::SnapshotMeta stored = meta;
    stored.size_bytes = tree.size();
    std::string out(replica_snapshot_magic);
    out += consensus::encode_snapshot_meta(stored);
    out.append(tree);
    return out;
}

std::optional<ReplicaSnapshotView> decode_replica_snapshot(std::string_view body) {
    if (!body.starts_with(replica_snapshot_magic)) {
        return std::nullopt;
    }
    body.remove_prefix(replica_snapshot_magic.size());
    size_t consumed = 0;
    auto meta = consensus::decode_snapshot_meta(body, &consumed);
    if (!meta) {
        return std::nullopt;
    }
    ReplicaSnapshotView view{*meta, body.substr(consumed)};
    view.meta.size_bytes = view.tree.size();
    return view;
}

LogStore::LogStore(storage::Disk* disk, std::string wal_dir, std::string snap_dir,
                   std::string state_path)
    : disk_(disk),
      wal_dir_(std::move(wal_dir)),
      snap_dir_(std::move(snap_dir)),
      state_path_(std::move(state_path)) {}

Result<std::unique_ptr<LogStore>> LogStore::open(storage::Disk* disk, std::string wal_dir,
                                                 std::string snap_dir, std::string state_path,
                                                 const consensus::SnapshotMeta& snapshot,
                                                 storage::WalOptions wal_options, bool read_only) {
    std::unique_ptr<LogStore> store(
        new LogStore(disk, std::move(wal_dir), std::move(snap_dir), std::move(state_path)));
    store->wal_options_ = wal_options;
    WD_TRY(store->load(snapshot, read_only));
    return store;
}

Result<void> LogStore::load(const consensus::SnapshotMeta& snapshot, bool read_only) {
    snapshot_ = snapshot;
    auto state = disk_->read_file(state_path_);
    if (state.ok()) {
        auto decoded = consensus::decode_hard_state(*state);
        if (!decoded) {
            return err(Status::corruption(state_path_ + ": not a valid hard state"));
        }
        hard_state_ = *decoded;
        hard_state_.commit_index = snapshot.index;
    } else if (state.error().code() != StatusCode::not_found) {
        return err(state.error());
    }
    const int64_t after = static_cast<int64_t>(snapshot.index.value);
    auto report = storage::read_wal(
        disk_, wal_dir_, after, [&](int64_t zxid, std::string_view payload) -> Result<void> {
            auto entry = consensus::decode_entry(LogIndex{static_cast<uint64_t>(zxid)}, payload);
            if (!entry) {
                return err(Status::corruption("log entry " + std::to_string(zxid) +
                                              " does not decode"));
            }
            Term previous = entries_.empty() ? snapshot_.term : entries_.back().term;
            if (entry->term < previous) {
                return err(Status::corruption("log entry " + std::to_string(zxid) +
                                              " has a term below its predecessor's"));
            }
            entries_.push_back(std::move(*entry));
            return {};
        });
    if (!report.ok()) {
        return err(report.error());
    }
    for (const std::string& note : report->notes) {
        spdlog::warn("recovery: {}", note);
    }
    if (read_only) {
        return {};
    }
    return open_writer(static_cast<int64_t>(last_index().value));
}

Result<void> LogStore::open_writer(int64_t after) {
    wal_.reset();
    auto wal = storage::WalWriter::open(disk_, wal_dir_, after, wal_options_);
    if (!wal.ok()) {
        return err(wal.error());
    }
    wal_ = std::move(wal).value();
    return {};
}

LogIndex LogStore::first_index() const {
    return snapshot_.index + 1;
}

LogIndex LogStore::last_index() const {
    return entries_.empty() ? snapshot_.index : entries_.back().index;
}

Result<Term> LogStore::term(LogIndex index) const {
    if (index == snapshot_.index) {
        return snapshot_.term;
    }
    if (index < snapshot_.index) {
        return err(Status::not_found("compacted"));
    }
    if (index > last_index()) {
        return err(Status::invalid_argument("index past the end of the log"));
    }
    return entries_[index.value - snapshot_.index.value - 1].term;
}

Result<std::vector<Entry>> LogStore::entries(LogIndex lo, LogIndex hi, uint64_t bytes_max) const {
    if (lo < first_index()) {
        return err(Status::not_found("compacted"));
    }
    if (hi > last_index() + 1 || lo > hi) {
        return err(Status::invalid_argument("entries range past the end of the log"));
    }
    std::vector<Entry> out;
    uint64_t bytes = 0;
    for (LogIndex i = lo; i < hi; i = i + 1) {
        const Entry& e = entries_[i.value - snapshot_.index.value - 1];
        if (!out.empty() && bytes + e.size_bytes() > bytes_max) {
            break;
        }
        bytes += e.size_bytes();
        out.push_back(e);
    }
    return out;
}

Result<std::string> LogStore::snapshot_chunk(uint64_t offset, uint64_t bytes_max) const {
    if (!snapshot_body_) {
        // The file the log was compacted to, not the newest: a snapshot written since is
        // served once the log is compacted to it.
        auto loaded = storage::load_snapshot_at(disk_, snap_dir_,
                                                static_cast<int64_t>(snapshot_.index.value));
        if (!loaded.ok()) {
            return err(loaded.error());
        }
        if (!loaded->has_value()) {
            return err(Status::io_error("snapshot " + std::to_string(snapshot_.index.value) +
                                        " is missing or invalid"));
        }
        auto view = decode_replica_snapshot((*loaded)->body.view());
        if (!view) {
            return err(Status::corruption((*loaded)->file + ": not a replica snapshot"));
        }
        snapshot_body_ = std::string(view->tree);
    }
    if (offset > snapshot_body_->size()) {
        return err(Status::invalid_argument("snapshot offset past its end"));
    }
    return snapshot_body_->substr(offset, bytes_max);
}

Result<void> LogStore::append(std::span<const Entry> entries) {
    if (entries.empty()) {
        return {};
    }
    const LogIndex first = entries.front().index;
    WD_ASSERT(first > snapshot_.index && first <= last_index() + 1);
    if (first <= last_index()) {
        // The leader replaced our uncommitted suffix (everything pending was synced by the
        // previous Ready, so nothing buffered is lost here).
        spdlog::info("log: replacing entries {}..{} from index {}", first.value,
                     last_index().value, first.value);
        entries_.resize(first.value - snapshot_.index.value - 1);
        const int64_t keep = static_cast<int64_t>(first.value) - 1;
        wal_.reset();
        WD_TRY(storage::truncate_wal_after(disk_, wal_dir_, keep));
        WD_TRY(open_writer(keep));
    }
    for (const Entry& e : entries) {
        WD_TRY(wal_->append(static_cast<int64_t>(e.index.value), consensus::encode_entry(e)));
        entries_.push_back(e);
    }
    return {};
}

Result<void> LogStore::sync() {
    return wal_->sync();
}

Result<void> LogStore::save_hard_state(const consensus::HardState& state) {
    bool changed = state.term != hard_state_.term || state.vote != hard_state_.vote;
    hard_state_ = state;
    if (!changed) {
        return {};
    }
    std::string tmp = state_path_ + ".tmp";
    (void)disk_->remove(tmp);
    auto file = disk_->open_append(tmp);
    if (!file.ok()) {
        return err(file.error());
    }
    WD_TRY((*file)->append(consensus::encode_hard_state(state)));
    WD_TRY((*file)->sync());
    WD_TRY((*file)->close());
    WD_TRY(disk_->rename(tmp, state_path_));
    std::string dir = state_path_.substr(0, state_path_.rfind('/'));
    return disk_->sync_dir(dir.empty() ? "." : dir);
}

Result<void> LogStore::install_snapshot(const consensus::SnapshotMeta& meta) {
    wal_.reset();
    WD_TRY(storage::remove_wal(disk_, wal_dir_));
    entries_.clear();
    snapshot_ = meta;
    snapshot_body_.reset();
    return open_writer(static_cast<int64_t>(meta.index.value));
}

Result<void> LogStore::compact(const consensus::SnapshotMeta& meta) {
    WD_ASSERT(meta.index > snapshot_.index && meta.index <= last_index());
    // The tree body's length, from the file's: header, WDRS, meta, body, trailer.
    std::string path = snap_dir_ + "/" + storage::snapshot_file_name(int64_t(meta.index.value));
    auto file_size = disk_->file_size(path);
    if (!file_size.ok()) {
        return err(file_size.error());
    }
    uint64_t overhead = storage::snapshot_header_size + storage::snapshot_trailer_size +
                        replica_snapshot_magic.size() + consensus::encode_snapshot_meta(meta).size();
    if (*file_size < overhead) {
        return err(Status::corruption(path + ": too short for a replica snapshot"));
    }
    while (!entries_.empty() && entries_.front().index <= meta.index) {
        entries_.pop_front();
    }
    snapshot_ = meta;
    snapshot_.size_bytes = *file_size - overhead;
    snapshot_body_.reset();
    return {};
}

}  // namespace wd::server
