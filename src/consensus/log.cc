#include "consensus/log.h"

#include <algorithm>

namespace wd::consensus {

RaftLog::RaftLog(const LogStorage& storage, LogIndex commit_index, LogIndex applied_index)
    : storage_(&storage),
      unstable_offset_(storage.last_index() + 1),
      commit_index_(commit_index),
      applied_index_(applied_index) {
    WD_ASSERT(applied_index_ <= commit_index_);
    WD_ASSERT(commit_index_ <= last_index());
}

void RaftLog::note_error(const Status& status) const {
    if (status.code() != StatusCode::not_found && storage_error_.ok()) {
        storage_error_ = status;
    }
}

LogIndex RaftLog::first_index() const {
    if (unstable_snapshot_) {
        return unstable_snapshot_->meta.index + 1;
    }
    return storage_->first_index();
}

LogIndex RaftLog::last_index() const {
    if (!unstable_.empty()) {
        return unstable_.back().index;
    }
    if (unstable_snapshot_) {
        return unstable_snapshot_->meta.index;
    }
    return storage_->last_index();
}

LogIndex RaftLog::stable_last_index() const {
    if (unstable_snapshot_) {
        return LogIndex{0};
    }
    return unstable_offset_ - 1;
}

Result<Term> RaftLog::term(LogIndex index) const {
    if (index > last_index()) {
        return err(Status::not_found("beyond the last index"));
    }
    if (index >= unstable_offset_) {
        return unstable_[index.value - unstable_offset_.value].term;
    }
    if (unstable_snapshot_) {
        if (index == unstable_snapshot_->meta.index) {
            return unstable_snapshot_->meta.term;
        }
        return err(Status::not_found("compacted"));
    }
    if (index + 1 < storage_->first_index()) {
        return err(Status::not_found("compacted"));
    }
    auto result = storage_->term(index);
    if (!result.ok()) {
        note_error(result.error());
    }
    return result;
}

Term RaftLog::term_or_zero(LogIndex index) const {
    auto result = term(index);
    return result.ok() ? result.value() : Term{0};
}

bool RaftLog::match_term(LogIndex index, Term term) const {
    auto result = this->term(index);
    return result.ok() && result.value() == term;
}

bool RaftLog::is_up_to_date(LogIndex index, Term term) const {
    const Term ours = last_term();
    return term > ours || (term == ours && index >= last_index());
}

Result<std::vector<Entry>> RaftLog::entries(LogIndex lo, LogIndex hi, uint64_t bytes_max) const {
    WD_ASSERT(lo <= hi);
    WD_ASSERT(hi <= last_index() + 1);
    if (lo < first_index()) {
        return err(Status::not_found("compacted"));
    }
    std::vector<Entry> out;
    if (lo == hi) {
        return out;
    }
    if (lo < unstable_offset_) {
        auto stored = storage_->entries(lo, std::min(hi, unstable_offset_), bytes_max);
        if (!stored.ok()) {
            note_error(stored.error());
            return stored;
        }
        out = std::move(stored).value();
        if (out.back().index + 1 < std::min(hi, unstable_offset_)) {
            return out;  // the byte budget stopped inside the stable part
        }
    }
    uint64_t bytes = 0;
    for (const Entry& entry : out) {
        bytes += entry.size_bytes();
    }
    for (LogIndex i = std::max(lo, unstable_offset_); i < hi; i = i + 1) {
        const Entry& entry = unstable_[i.value - unstable_offset_.value];
        bytes += entry.size_bytes();
        if (!out.empty() && bytes > bytes_max) {
            break;
        }
        out.push_back(entry);
    }
    return out;
}

LogIndex RaftLog::find_conflict(const std::vector<Entry>& entries) const {
    for (const Entry& entry : entries) {
        if (!match_term(entry.index, entry.term)) {
            return entry.index;
        }
    }
    return LogIndex{0};
}

LogIndex RaftLog::find_conflict_by_term(LogIndex index, Term term) const {
    // Bounded by the log length: each step lowers index by one.
    while (index > LogIndex{0}) {
        auto ours = this->term(index);
        if (!ours.ok() || ours.value() <= term) {
            return index;
        }
        index = index - 1;
    }
    return index;
}

void RaftLog::append(std::vector<Entry> entries) {
    if (entries.empty()) {
        return;
    }
    const LogIndex after = entries.front().index - 1;
    WD_ASSERT(after >= commit_index_);
    WD_ASSERT(after <= last_index());
    if (after + 1 < unstable_offset_) {
        // The new entries replace part of the stable log; the driver truncates on append.
        WD_ASSERT(!unstable_snapshot_);
        unstable_offset_ = after + 1;
        unstable_.clear();
    } else {
        unstable_.resize(after.value + 1 - unstable_offset_.value);
    }
    for (Entry& entry : entries) {
        WD_ASSERT(entry.index == unstable_offset_ + unstable_.size());
        unstable_.push_back(std::move(entry));
    }
}

void RaftLog::restore(Snapshot snapshot) {
    WD_ASSERT(snapshot.meta.index > commit_index_);
    commit_index_ = snapshot.meta.index;
    unstable_offset_ = snapshot.meta.index + 1;
    unstable_.clear();
    unstable_snapshot_ = std::move(snapshot);
}

void RaftLog::commit_to(LogIndex index) {
    if (index <= commit_index_) {
        return;  // commit_index never decreases
    }
    WD_ASSERT(index <= last_index());
    commit_index_ = index;
}

void RaftLog::stable_to(LogIndex index, Term term) {
    if (index < unstable_offset_ || index > last_index()) {
        return;
    }
    if (unstable_[index.value - unstable_offset_.value].term != term) {
        return;  // replaced since the Ready was taken
    }
    const uint64_t drop = index.value + 1 - unstable_offset_.value;
    unstable_.erase(unstable_.begin(), unstable_.begin() + static_cast<ptrdiff_t>(drop));
    unstable_offset_ = index + 1;
}

void RaftLog::stable_snapshot_to(LogIndex index) {
    if (unstable_snapshot_ && unstable_snapshot_->meta.index == index) {
        unstable_snapshot_.reset();
    }
}

void RaftLog::applied_to(LogIndex index) {
    if (index <= applied_index_) {
        return;
    }
    WD_ASSERT(index <= commit_index_);
    applied_index_ = index;
}

bool RaftLog::has_next_committed() const {
    return !unstable_snapshot_ && commit_index_ > applied_index_;
}

std::vector<Entry> RaftLog::next_committed(uint64_t bytes_max) const {
    if (!has_next_committed()) {
        return {};
    }
    auto result = entries(applied_index_ + 1, commit_index_ + 1, bytes_max);
    return result.ok() ? std::move(result).value() : std::vector<Entry>{};
}

}  // namespace wd::consensus
