// CRC-32C (Castagnoli), as used by our WAL and snapshot formats (docs/formats.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wd::crc32c {

// Extends `crc` (the CRC of some earlier bytes) over [data, data+n). Uses the CPU's crc32
// instruction when it has one (SSE4.2, detected at start-up), else slicing-by-8 tables; both
// give the same value for every input.
uint32_t extend(uint32_t crc, const void* data, size_t n);
// The table engine alone, whatever the CPU: for tests that compare the two.
uint32_t extend_portable_for_test(uint32_t crc, const void* data, size_t n);
inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }

// A CRC stored next to the data it covers is masked, so that computing the CRC of a string
// that contains embedded CRCs stays well distributed (LevelDB's rationale).
constexpr uint32_t mask_delta = 0xa282ead8u;
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + mask_delta; }
inline uint32_t unmask(uint32_t masked) {
    uint32_t rot = masked - mask_delta;
    return (rot >> 17) | (rot << 15);
}

}  // namespace wd::crc32c
