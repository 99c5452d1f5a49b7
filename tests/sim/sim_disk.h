// The simulated durable storage of one server: the log and hard state the core reads, plus a
// model of what an fsync made durable (DESIGN.md §3, STYLE.md §4 "disk" faults).
//
// Writes go to `live()` at once, as they would to the page cache, and are remembered as
// unsynced until sync(). A crash keeps the durable image plus a random prefix of the unsynced
// writes, in write order (one sequential file); the last append kept may lose its tail, which
// models a torn final record that recovery truncates. A write that was synced is never lost.
//
// Test-only; single-threaded. The core keeps a reference to live(), so a SimDisk never moves.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/rng.h"
#include "consensus/storage.h"

namespace wd::sim {

struct CrashLoss {
    uint64_t writes_lost = 0;    // unsynced writes dropped whole
    uint64_t entries_torn = 0;   // entries cut from the last kept append
};

class SimDisk {
public:
    SimDisk() = default;
    SimDisk(const SimDisk&) = delete;
    SimDisk& operator=(const SimDisk&) = delete;

    const consensus::MemoryStorage& live() const { return live_; }
    // What survives any crash: everything synced.
    const consensus::MemoryStorage& durable() const { return durable_; }

    // The Ready steps (core.h): each is applied to live() now and is durable after sync().
    void install_snapshot(const consensus::Snapshot& snapshot);
    void append(std::span<const consensus::Entry> entries);
    void set_hard_state(const consensus::HardState& state);
    void sync();
    // Log compaction: the snapshot file is written and synced before the log is cut, so the
    // compaction itself is durable. REQUIRES: as MemoryStorage::compact.
    Result<void> compact(const consensus::SnapshotMeta& meta, std::string data);

    // A process or machine crash: live() becomes what survived.
    CrashLoss crash(Rng& rng);

    uint64_t unsynced_writes() const { return pending_.size(); }

private:
    enum class Kind : uint8_t { snapshot, append, hard_state };
    struct Write {
        Kind kind = Kind::append;
        consensus::Snapshot snapshot;
        std::vector<consensus::Entry> entries;
        consensus::HardState hard_state;
    };
    static void apply(consensus::MemoryStorage& storage, const Write& write);

    consensus::MemoryStorage live_;
    consensus::MemoryStorage durable_;
    std::vector<Write> pending_;
};

}  // namespace wd::sim
