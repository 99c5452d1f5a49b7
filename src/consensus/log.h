// The core's view of the Raft log: stable entries in LogStorage plus the unstable tail (entries
// and possibly a snapshot) that the core holds until the driver persists them and calls
// Core::advance (the role of etcd's log_unstable.go).
//
// Invariants:
//   - unstable entries, when present, are contiguous from unstable_offset_;
//   - with an unstable snapshot, unstable_offset_ == snapshot index + 1 and stable entries are
//     ignored (they belong to the log the snapshot replaces);
//   - applied_index_ <= commit_index_ <= last_index(), and commit_index_ never decreases.
//
// Storage errors other than "compacted" are latched in storage_error(); lookups then return
// term 0 / no entries, and the core checks the latch after each input.
#pragma once

#include <optional>
#include <vector>

#include "consensus/storage.h"

namespace wd::consensus {

class RaftLog {
public:
    // REQUIRES: storage outlives the log.
    RaftLog(const LogStorage& storage, LogIndex commit_index, LogIndex applied_index);

    LogIndex first_index() const;
    LogIndex last_index() const;
    Term last_term() const { return term_or_zero(last_index()); }
    // The last index already on stable storage (a leader counts only these for itself).
    LogIndex stable_last_index() const;
    // Fails with not_found when index is compacted or beyond the last index.
    Result<Term> term(LogIndex index) const;
    Term term_or_zero(LogIndex index) const;
    bool match_term(LogIndex index, Term term) const;
    // The up-to-date rule of thesis §3.6.1.
    bool is_up_to_date(LogIndex last_index, Term last_term) const;
    // Entries [lo, hi) within bytes_max (at least one). Fails with not_found when compacted.
    Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi, uint64_t bytes_max) const;

    // The first index among `entries` whose term differs from ours or that we lack; 0 when
    // every entry is already present.
    LogIndex find_conflict(const std::vector<Entry>& entries) const;
    // The largest index <= index whose term is <= term (fast conflict resolution).
    LogIndex find_conflict_by_term(LogIndex index, Term term) const;

    // Appends entries, replacing any suffix from entries[0].index.
    // REQUIRES: entries[0].index > commit_index() and <= last_index() + 1.
    void append(std::vector<Entry> entries);
    // Replaces the whole log by a snapshot received from the leader (thesis §5.3).
    void restore(Snapshot snapshot);
    void commit_to(LogIndex index);

    // Called by Core::advance once the driver has persisted / applied what Ready held.
    void stable_to(LogIndex index, Term term);
    void stable_snapshot_to(LogIndex index);
    void applied_to(LogIndex index);

    const std::vector<Entry>& unstable_entries() const { return unstable_; }
    const std::optional<Snapshot>& unstable_snapshot() const { return unstable_snapshot_; }
    // Committed entries not yet applied, within bytes_max (at least one).
    std::vector<Entry> next_committed(uint64_t bytes_max) const;
    bool has_next_committed() const;

    LogIndex commit_index() const { return commit_index_; }
    LogIndex applied_index() const { return applied_index_; }
    const Status& storage_error() const { return storage_error_; }
    const LogStorage& storage() const { return *storage_; }

private:
    void note_error(const Status& status) const;

    const LogStorage* storage_;
    std::optional<Snapshot> unstable_snapshot_;
    std::vector<Entry> unstable_;
    LogIndex unstable_offset_;
    LogIndex commit_index_;
    LogIndex applied_index_;
    mutable Status storage_error_;
};

}  // namespace wd::consensus
