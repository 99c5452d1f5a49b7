// A latency histogram in the manner of HdrHistogram: values are integers (the bench records
// nanoseconds), counted in log2 buckets each split into linear sub-buckets, so every recorded
// value is kept to `significant_digits` decimal digits whatever its magnitude.
//
// Layout (HdrHistogram's): sub_bucket_count = 2^ceil(log2(2 * 10^digits)) linear slots cover
// [0, sub_bucket_count); each further bucket doubles the range and the slot width and keeps only
// its upper half of slots. A value v maps to the slot whose range [lowest_equivalent(v),
// highest_equivalent(v)] holds it; the width of that range is at most v / (sub_bucket_count / 2),
// so the relative error of any reported percentile is below 2^-(sub_bucket_half_count_magnitude)
// (1/1024 with 3 digits).
//
// Values above highest_trackable are clamped to it (and counted in clamped()). min, max and the
// mean are kept exactly alongside the buckets. Not thread-safe; merge per-thread copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wd::bench {

class Histogram {
public:
    // REQUIRES: 1 <= significant_digits <= 5, highest_trackable >= 2 * 10^significant_digits.
    explicit Histogram(uint64_t highest_trackable = 60'000'000'000ull,  // 60 s in ns
                       int significant_digits = 3);

    void record(uint64_t value) { record_n(value, 1); }
    void record_n(uint64_t value, uint64_t n);
    // Adds every count of `other`. REQUIRES: the same highest_trackable and digits.
    void merge(const Histogram& other);
    void reset();

    uint64_t count() const { return total_; }
    uint64_t clamped() const { return clamped_; }
    uint64_t min() const { return total_ == 0 ? 0 : min_; }
    uint64_t max() const { return max_; }
    double mean() const { return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_); }
    // The smallest recorded-equivalent value v such that at least `percentile` % of the
    // recorded values are <= v, reported as the highest value equivalent to v's slot (capped at
    // max()). 0 for an empty histogram. REQUIRES: 0 <= percentile <= 100.
    uint64_t percentile(double percentile) const;

    // Slot arithmetic, exposed for tests.
    uint64_t lowest_equivalent(uint64_t value) const;
    uint64_t highest_equivalent(uint64_t value) const;
    double relative_error_max() const { return 1.0 / static_cast<double>(sub_bucket_half_count_); }

private:
    size_t counts_index(uint64_t value) const;
    uint64_t value_at_index(size_t index) const;
    int bucket_index(uint64_t value) const;

    uint64_t highest_trackable_;
    int significant_digits_;
    int sub_bucket_count_magnitude_ = 0;
    int sub_bucket_half_count_magnitude_ = 0;
    uint64_t sub_bucket_count_ = 0;
    uint64_t sub_bucket_half_count_ = 0;
    uint64_t sub_bucket_mask_ = 0;
    int bucket_count_ = 0;
    std::vector<uint64_t> counts_;  // (bucket_count_ + 1) * sub_bucket_half_count_ slots
    uint64_t total_ = 0;
    uint64_t clamped_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
    double sum_ = 0.0;  // exact enough for a mean: 53-bit mantissa over nanoseconds
};

}  // namespace wd::bench
