#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "base/assert.h"

namespace wd::bench {

Histogram::Histogram(uint64_t highest_trackable, int significant_digits)
    : highest_trackable_(highest_trackable), significant_digits_(significant_digits) {
    WD_ASSERT(significant_digits >= 1);
    WD_ASSERT(significant_digits <= 5);
    uint64_t largest_single_unit = 2;
    for (int i = 0; i < significant_digits; ++i) {
        largest_single_unit *= 10;
    }
    WD_ASSERT(highest_trackable >= largest_single_unit);
    sub_bucket_count_magnitude_ = std::bit_width(largest_single_unit - 1);  // ceil(log2)
    sub_bucket_half_count_magnitude_ = sub_bucket_count_magnitude_ - 1;
    sub_bucket_count_ = uint64_t{1} << sub_bucket_count_magnitude_;
    sub_bucket_half_count_ = sub_bucket_count_ / 2;
    sub_bucket_mask_ = sub_bucket_count_ - 1;
    // Buckets until the first untrackable value exceeds highest_trackable (bounded by 64 bits).
    uint64_t smallest_untrackable = sub_bucket_count_;
    bucket_count_ = 1;
    while (smallest_untrackable <= highest_trackable && bucket_count_ < 64) {
        if (smallest_untrackable > UINT64_MAX / 2) {
            ++bucket_count_;
            break;
        }
        smallest_untrackable <<= 1;
        ++bucket_count_;
    }
    counts_.assign(static_cast<size_t>(bucket_count_ + 1) * sub_bucket_half_count_, 0);
}

int Histogram::bucket_index(uint64_t value) const {
    // The bucket is how far the highest set bit lies above the sub-bucket range.
    const int leading_zero_count_base = 64 - sub_bucket_count_magnitude_;
    return leading_zero_count_base - std::countl_zero(value | sub_bucket_mask_);
}

size_t Histogram::counts_index(uint64_t value) const {
    const int bucket = bucket_index(value);
    const uint64_t sub_bucket = value >> bucket;
    WD_ASSERT(sub_bucket < sub_bucket_count_);
    WD_ASSERT(bucket == 0 || sub_bucket >= sub_bucket_half_count_);
    const uint64_t base = static_cast<uint64_t>(bucket + 1) << sub_bucket_half_count_magnitude_;
    return static_cast<size_t>(base + sub_bucket - sub_bucket_half_count_);
}

uint64_t Histogram::value_at_index(size_t index) const {
    int bucket = static_cast<int>(index >> sub_bucket_half_count_magnitude_) - 1;
    uint64_t sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
    if (bucket < 0) {
        sub_bucket -= sub_bucket_half_count_;
        bucket = 0;
    }
    return sub_bucket << bucket;
}

uint64_t Histogram::lowest_equivalent(uint64_t value) const {
    const int bucket = bucket_index(value);
    return (value >> bucket) << bucket;
}

uint64_t Histogram::highest_equivalent(uint64_t value) const {
    const int bucket = bucket_index(value);
    return lowest_equivalent(value) + (uint64_t{1} << bucket) - 1;
}

void Histogram::record_n(uint64_t value, uint64_t n) {
    if (value > highest_trackable_) {
        value = highest_trackable_;
        clamped_ += n;
    }
    counts_[counts_index(value)] += n;
    total_ += n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += static_cast<double>(value) * static_cast<double>(n);
}

void Histogram::merge(const Histogram& other) {
    WD_ASSERT(other.highest_trackable_ == highest_trackable_);
    WD_ASSERT(other.significant_digits_ == significant_digits_);
    for (size_t i = 0; i < counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    clamped_ += other.clamped_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

void Histogram::reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    clamped_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
    sum_ = 0.0;
}

uint64_t Histogram::percentile(double percentile) const {
    WD_ASSERT(percentile >= 0.0);
    WD_ASSERT(percentile <= 100.0);
    if (total_ == 0) {
        return 0;
    }
    const double wanted = std::ceil(percentile / 100.0 * static_cast<double>(total_));
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(highest_equivalent(value_at_index(i)), max_);
        }
    }
    return max_;
}

}  // namespace wd::bench
