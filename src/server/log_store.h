// The replicated log on disk: the consensus core's LogStorage backed by the WAL, the hard
// state file and the newest snapshot (docs/ensemble.md, "Storage").
//
// Records of the WAL are log entries keyed by their index (consensus/codec.h encode_entry);
// the index is also the zxid clients see. Entries since the newest snapshot are kept in memory
// for the core. The hard state (term, vote) lives in `raft-state`, replaced atomically
// (write, fsync, rename, directory fsync) whenever it changes; the commit index is not
// persisted, a restarted server learns it from the leader.
//
// A snapshot file's body is `WDRS` | SnapshotMeta | tree body (encode_replica_snapshot). The
// core's snapshot data is the tree body alone; meta.size_bytes is its length.
//
// Not thread-safe: the event loop owns it.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "consensus/storage.h"
#include "storage/disk.h"
#include "storage/wal.h"

namespace wd::server {

std::string encode_replica_snapshot(const consensus::SnapshotMeta& meta, std::string_view tree);
// The meta (size_bytes set to the tree body's length) and the tree body, which points into
// `body`; nullopt when `body` is not a replica snapshot.
struct ReplicaSnapshotView {
    consensus::SnapshotMeta meta;
    std::string_view tree;
};
std::optional<ReplicaSnapshotView> decode_replica_snapshot(std::string_view body);

class LogStore final : public consensus::LogStorage {
public:
    // `snapshot`: the meta of the snapshot the tree was restored from (index 0: none).
    // Reads the hard state and the WAL entries after the snapshot. A read-only store opens no
    // WAL writer (the simulator's view of a stopped server's disk); only its reads work.
    // Reading still cuts a torn tail off the WAL, as recovery would.
    static Result<std::unique_ptr<LogStore>> open(storage::Disk* disk, std::string wal_dir,
                                                  std::string snap_dir, std::string state_path,
                                                  const consensus::SnapshotMeta& snapshot,
                                                  storage::WalOptions wal_options = {},
                                                  bool read_only = false);

    // ---- consensus::LogStorage ----
    Result<consensus::Term> term(consensus::LogIndex index) const override;
    Result<std::vector<consensus::Entry>> entries(consensus::LogIndex lo, consensus::LogIndex hi,
                                                  uint64_t bytes_max) const override;
    consensus::LogIndex first_index() const override;
    consensus::LogIndex last_index() const override;
    consensus::SnapshotMeta snapshot_meta() const override { return snapshot_; }
    Result<std::string> snapshot_chunk(uint64_t offset, uint64_t bytes_max) const override;

    // ---- the driver, following a Ready ----
    // Appends entries (buffered until sync), first removing any suffix they replace.
    Result<void> append(std::span<const consensus::Entry> entries);
    Result<void> sync();
    // Persists term and vote when they changed (fsync'd before returning).
    Result<void> save_hard_state(const consensus::HardState& state);
    const consensus::HardState& hard_state() const { return hard_state_; }
    // After the driver wrote a snapshot received from the leader: the log restarts after it.
    Result<void> install_snapshot(const consensus::SnapshotMeta& meta);
    // After a local snapshot at meta.index was written: entries up to it leave memory.
    Result<void> compact(const consensus::SnapshotMeta& meta);

private:
    LogStore(storage::Disk* disk, std::string wal_dir, std::string snap_dir,
             std::string state_path);
    Result<void> load(const consensus::SnapshotMeta& snapshot, bool read_only);
    Result<void> open_writer(int64_t after);

    storage::Disk* disk_;
    std::string wal_dir_;
    std::string snap_dir_;
    std::string state_path_;
    storage::WalOptions wal_options_;
    std::unique_ptr<storage::WalWriter> wal_;
    consensus::SnapshotMeta snapshot_;
    std::deque<consensus::Entry> entries_;  // indices snapshot_.index + 1 .. last
    consensus::HardState hard_state_;
    mutable std::optional<std::string> snapshot_body_;  // loaded on the first chunk request
};

}  // namespace wd::server
