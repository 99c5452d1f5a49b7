// Deterministic pseudo-random numbers: xoshiro256** seeded through splitmix64.
//
// Never use std::random_device, rand() or std::*_distribution: their output differs between
// standard libraries, and every random choice must replay from one seed.
#pragma once

#include <cstdint>

#include "base/assert.h"

namespace wd {

class Rng {
public:
    explicit Rng(uint64_t seed) {
        for (auto& word : s_) {
            seed += 0x9e3779b97f4a7c15ull;
            uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            word = z ^ (z >> 31);
        }
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, bound). REQUIRES: bound > 0. Uses rejection to avoid modulo bias.
    uint64_t below(uint64_t bound) {
        WD_ASSERT(bound > 0);
        const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
        uint64_t x = next();
        while (x >= limit) {
            x = next();
        }
        return x % bound;
    }
    // Uniform in [lo, hi]. REQUIRES: lo <= hi.
    int64_t range(int64_t lo, int64_t hi) {
        WD_ASSERT(lo <= hi);
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }
    // True with probability numerator/denominator.
    bool chance(uint64_t numerator, uint64_t denominator) {
        return below(denominator) < numerator;
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

}  // namespace wd
