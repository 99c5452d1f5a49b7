// Histogram percentiles against the exact order statistics of seeded random data.
#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/rng.h"

namespace wd::bench {
namespace {

// The exact p-th percentile in the histogram's definition: the smallest value with at least
// p % of the values at or below it.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, double p) {
    const double wanted = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
    const size_t rank = std::max<size_t>(1, static_cast<size_t>(wanted));
    return sorted[rank - 1];
}

// Log-uniform values over [1 us, 60 s] in ns: every magnitude gets exercised.
std::vector<uint64_t> log_uniform_values(uint64_t seed, size_t n) {
    Rng rng(seed);
    std::vector<uint64_t> values;
    values.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const double exponent = 3.0 + 7.778 * (static_cast<double>(rng.below(1u << 30)) /
                                               static_cast<double>(1u << 30));
        values.push_back(static_cast<uint64_t>(std::pow(10.0, exponent)));
    }
    return values;
}

void expect_percentiles_close(const Histogram& h, std::vector<uint64_t> values) {
    std::sort(values.begin(), values.end());
    for (double p : {0.0, 1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const double exact = static_cast<double>(exact_percentile(values, p));
        const double got = static_cast<double>(h.percentile(p));
        EXPECT_LE(std::abs(got - exact), exact * h.relative_error_max()) << "p" << p;
        EXPECT_GE(got, exact) << "p" << p;  // reported as the slot's highest equivalent
    }
    EXPECT_EQ(h.max(), values.back());
    EXPECT_EQ(h.min(), values.front());
}

TEST(Histogram, PercentilesWithinRelativeErrorOnLogUniformData) {
    for (uint64_t seed : {1u, 2u, 3u, 42u}) {
        const auto values = log_uniform_values(seed, 200'000);
        Histogram h;
        for (uint64_t v : values) {
            h.record(v);
        }
        EXPECT_EQ(h.count(), values.size());
        EXPECT_LT(h.relative_error_max(), 0.001);
        expect_percentiles_close(h, values);
    }
}

TEST(Histogram, PercentilesOnNarrowLatencyLikeData) {
    // 50 us +- 20 us with a 1 % tail near 5 ms, as loopback traffic looks.
    Rng rng(7);
    std::vector<uint64_t> values;
    Histogram h;
    for (int i = 0; i < 100'000; ++i) {
        uint64_t v = 30'000 + rng.below(40'000);
        if (rng.chance(1, 100)) {
            v = 4'000'000 + rng.below(2'000'000);
        }
        values.push_back(v);
        h.record(v);
    }
    expect_percentiles_close(h, values);
}

TEST(Histogram, MeanIsExact) {
    Histogram h;
    h.record(1000);
    h.record(3000);
    h.record_n(5000, 2);
    EXPECT_DOUBLE_EQ(h.mean(), 3500.0);
    EXPECT_EQ(h.count(), 4u);
}

TEST(Histogram, SmallValuesAreExact) {
    Histogram h;
    for (uint64_t v = 0; v < 2048; ++v) {
        EXPECT_EQ(h.lowest_equivalent(v), v);
        EXPECT_EQ(h.highest_equivalent(v), v);
    }
    for (uint64_t v = 1; v <= 100; ++v) {
        h.record(v);
    }
    EXPECT_EQ(h.percentile(50), 50u);
    EXPECT_EQ(h.percentile(99), 99u);
    EXPECT_EQ(h.percentile(100), 100u);
}

TEST(Histogram, EquivalentRangesContainTheValueAndStayNarrow) {
    Histogram h;
    Rng rng(11);
    for (int i = 0; i < 100'000; ++i) {
        const uint64_t v = 1 + rng.below(60'000'000'000ull);
        const uint64_t lo = h.lowest_equivalent(v);
        const uint64_t hi = h.highest_equivalent(v);
        ASSERT_LE(lo, v);
        ASSERT_GE(hi, v);
        ASSERT_LE(static_cast<double>(hi - lo), static_cast<double>(v) * h.relative_error_max());
    }
}

TEST(Histogram, MergeEqualsRecordingEverything) {
    const auto values = log_uniform_values(5, 50'000);
    Histogram all;
    Histogram a;
    Histogram b;
    for (size_t i = 0; i < values.size(); ++i) {
        all.record(values[i]);
        (i % 3 == 0 ? a : b).record(values[i]);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
        EXPECT_EQ(a.percentile(p), all.percentile(p)) << p;
    }
    expect_percentiles_close(a, values);
}

TEST(Histogram, ValuesAboveTheRangeAreClampedAndCounted) {
    Histogram h(60'000'000'000ull);
    h.record(120'000'000'000ull);
    h.record(1000);
    EXPECT_EQ(h.clamped(), 1u);
    EXPECT_EQ(h.max(), 60'000'000'000ull);
    EXPECT_EQ(h.percentile(100), 60'000'000'000ull);
}

TEST(Histogram, EmptyAndReset) {
    Histogram h;
    EXPECT_EQ(h.percentile(99), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
    h.record(12345);
    h.reset();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(50), 0u);
}

TEST(Histogram, TwoSignificantDigits) {
    Histogram h(1'000'000, 2);
    EXPECT_LT(h.relative_error_max(), 0.01);
    const auto values = [] {
        Rng rng(9);
        std::vector<uint64_t> v;
        for (int i = 0; i < 20'000; ++i) {
            v.push_back(1 + rng.below(1'000'000));
        }
        return v;
    }();
    for (uint64_t v : values) {
        h.record(v);
    }
    expect_percentiles_close(h, values);
}

}  // namespace
}  // namespace wd::bench
