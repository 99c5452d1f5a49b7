#include "consensus/storage.h"

#include <algorithm>

namespace wd::consensus {

MemoryStorage::MemoryStorage() {
    entries_.push_back(Entry{Term{0}, LogIndex{0}, EntryType::normal, {}});
}

LogIndex MemoryStorage::first_index() const { return entries_.front().index + 1; }

LogIndex MemoryStorage::last_index() const { return entries_.back().index; }

Result<Term> MemoryStorage::term(LogIndex index) const {
    const LogIndex offset = entries_.front().index;
    if (index < offset) {
        return err(Status::not_found("compacted"));
    }
    WD_ASSERT(index <= last_index());
    return entries_[index.value - offset.value].term;
}

Result<std::vector<Entry>> MemoryStorage::entries(LogIndex lo, LogIndex hi,
                                                  uint64_t bytes_max) const {
    if (lo < first_index()) {
        return err(Status::not_found("compacted"));
    }
    WD_ASSERT(lo <= hi);
    WD_ASSERT(hi <= last_index() + 1);
    const uint64_t offset = entries_.front().index.value;
    std::vector<Entry> out;
    uint64_t bytes = 0;
    for (LogIndex i = lo; i < hi; i = i + 1) {
        const Entry& entry = entries_[i.value - offset];
        bytes += entry.size_bytes();
        if (!out.empty() && bytes > bytes_max) {
            break;
        }
        out.push_back(entry);
    }
    return out;
}

Result<std::string> MemoryStorage::snapshot_chunk(uint64_t offset, uint64_t bytes_max) const {
    if (offset > snapshot_.data.size()) {
        return err(Status::invalid_argument("snapshot offset beyond its size"));
    }
    return snapshot_.data.substr(offset, bytes_max);
}

void MemoryStorage::append(std::span<const Entry> entries) {
    if (entries.empty()) {
        return;
    }
    const LogIndex first = entries.front().index;
    WD_ASSERT(first <= last_index() + 1);
    if (first < first_index()) {
        // Entries already covered by the snapshot are skipped.
        const uint64_t skip = first_index().value - first.value;
        if (skip >= entries.size()) {
            return;
        }
        entries = entries.subspan(skip);
    }
    const uint64_t keep = entries.front().index.value - entries_.front().index.value;
    entries_.resize(keep);
    entries_.insert(entries_.end(), entries.begin(), entries.end());
}

void MemoryStorage::apply_snapshot(Snapshot snapshot) {
    WD_ASSERT(snapshot.meta.size_bytes == snapshot.data.size());
    entries_.clear();
    entries_.push_back(
        Entry{snapshot.meta.term, snapshot.meta.index, EntryType::normal, {}});
    snapshot_ = std::move(snapshot);
}

Result<void> MemoryStorage::compact(const SnapshotMeta& meta, std::string data) {
    if (meta.index < first_index() || meta.index > last_index()) {
        return err(Status::invalid_argument("compact index outside the log"));
    }
    WD_ASSERT(term(meta.index).value() == meta.term);
    WD_ASSERT(meta.size_bytes == data.size());
    const uint64_t drop = meta.index.value - entries_.front().index.value;
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(drop));
    entries_.front().data.clear();
    entries_.front().type = EntryType::normal;
    snapshot_ = Snapshot{meta, std::move(data)};
    return {};
}

}  // namespace wd::consensus
