// The narrow read-only view of stable log storage that the core uses (STYLE.md §2), and an
// in-memory implementation for tests and the simulator.
//
// Index layout: the storage holds entries [first_index(), last_index()] on top of a snapshot
// that covers everything up to first_index() - 1. term(first_index() - 1) is the snapshot's term.
//
// Error policy: an index below first_index() - 1 returns Status::not_found ("compacted"), which
// the core handles by sending a snapshot. Any other error (io_error, corruption) makes the core
// step down and stop voting and campaigning (etcd's Storage policy).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "consensus/types.h"

namespace wd::consensus {

class LogStorage {
public:
    virtual ~LogStorage() = default;
    // REQUIRES: index <= last_index().
    virtual Result<Term> term(LogIndex index) const = 0;
    // Entries [lo, hi): at least one entry when lo < hi, then more while the total
    // size_bytes() stays within bytes_max. REQUIRES: first_index() <= lo <= hi <= last + 1.
    virtual Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                               uint64_t bytes_max) const = 0;
    virtual LogIndex first_index() const = 0;
    virtual LogIndex last_index() const = 0;
    // The metadata of the newest snapshot; index 0 when there is none.
    virtual SnapshotMeta snapshot_meta() const = 0;
    // Up to bytes_max bytes of the newest snapshot's data starting at offset.
    virtual Result<std::string> snapshot_chunk(uint64_t offset, uint64_t bytes_max) const = 0;
};

// Entries in a vector. Not thread-safe. The driver writes it while following Ready.
class MemoryStorage final : public LogStorage {
public:
    MemoryStorage();

    Result<Term> term(LogIndex index) const override;
    Result<std::vector<Entry>> entries(LogIndex lo, LogIndex hi,
                                       uint64_t bytes_max) const override;
    LogIndex first_index() const override;
    LogIndex last_index() const override;
    SnapshotMeta snapshot_meta() const override { return snapshot_.meta; }
    Result<std::string> snapshot_chunk(uint64_t offset, uint64_t bytes_max) const override;

    // Appends Ready.entries, dropping any stored suffix they replace.
    // REQUIRES: entries are contiguous and entries[0].index <= last_index() + 1.
    void append(std::span<const Entry> entries);
    // Installs Ready.snapshot: the log becomes empty above the snapshot.
    void apply_snapshot(Snapshot snapshot);
    // Log compaction (thesis §5.1): keeps entries above meta.index and records the snapshot.
    // REQUIRES: first_index() <= meta.index <= last_index(), meta.term == term(meta.index).
    Result<void> compact(const SnapshotMeta& meta, std::string data);

    const HardState& hard_state() const { return hard_state_; }
    void set_hard_state(const HardState& state) { hard_state_ = state; }

private:
    // entries_[0] is a sentinel at the snapshot's index and term.
    std::vector<Entry> entries_;
    Snapshot snapshot_;
    HardState hard_state_;
};

}  // namespace wd::consensus
