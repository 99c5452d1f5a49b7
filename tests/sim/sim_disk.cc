#include "sim_disk.h"

namespace wd::sim {

using consensus::Entry;

void SimDisk::apply(consensus::MemoryStorage& storage, const Write& write) {
    switch (write.kind) {
        case Kind::snapshot: storage.apply_snapshot(write.snapshot); return;
        case Kind::append: storage.append(write.entries); return;
        case Kind::hard_state: storage.set_hard_state(write.hard_state); return;
    }
    WD_UNREACHABLE();
}

void SimDisk::install_snapshot(const consensus::Snapshot& snapshot) {
    Write w;
    w.kind = Kind::snapshot;
    w.snapshot = snapshot;
    apply(live_, w);
    pending_.push_back(std::move(w));
}

void SimDisk::append(std::span<const Entry> entries) {
    if (entries.empty()) {
        return;
    }
    Write w;
    w.kind = Kind::append;
    w.entries.assign(entries.begin(), entries.end());
    apply(live_, w);
    pending_.push_back(std::move(w));
}

void SimDisk::set_hard_state(const consensus::HardState& state) {
    Write w;
    w.kind = Kind::hard_state;
    w.hard_state = state;
    apply(live_, w);
    pending_.push_back(std::move(w));
}

void SimDisk::sync() {
    for (const Write& w : pending_) {
        apply(durable_, w);
    }
    pending_.clear();
}

Result<void> SimDisk::compact(const consensus::SnapshotMeta& meta, std::string data) {
    sync();
    WD_TRY(durable_.compact(meta, data));
    return live_.compact(meta, std::move(data));
}

CrashLoss SimDisk::crash(Rng& rng) {
    CrashLoss loss;
    // The page cache wrote back some prefix of the unsynced writes before the crash.
    const uint64_t kept = pending_.empty() ? 0 : rng.below(pending_.size() + 1);
    for (uint64_t i = 0; i < kept; ++i) {
        Write& w = pending_[i];
        if (i + 1 == kept && w.kind == Kind::append && w.entries.size() > 1 &&
            rng.chance(1, 2)) {
            // A torn final append: recovery keeps only the records whose checksum holds.
            const uint64_t keep = 1 + rng.below(w.entries.size() - 1);
            loss.entries_torn = w.entries.size() - keep;
            w.entries.resize(keep);
        }
        apply(durable_, w);
    }
    loss.writes_lost = pending_.size() - kept;
    pending_.clear();
    live_ = durable_;
    return loss;
}

}  // namespace wd::sim
