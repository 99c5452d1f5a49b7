#include "base/crc32c.h"

#include <array>
#include <cstring>

namespace wd::crc32c {
namespace {

// Slicing-by-8 tables for the reflected Castagnoli polynomial 0x82f63b78.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        }
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
        for (int s = 1; s < 8; ++s) {
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
        }
    }
    return t;
}
constexpr auto tables = make_tables();

// Both engines work on the raw register (no pre- or post-inversion; extend() does that).
uint32_t extend_portable(uint32_t c, const unsigned char* p, size_t n) {
    while (n >= 8) {
        uint32_t lo = c ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 |
                           uint32_t{p[3]} << 24);
        uint32_t hi = uint32_t{p[4]} | uint32_t{p[5]} << 8 | uint32_t{p[6]} << 16 |
                      uint32_t{p[7]} << 24;
        c = tables[7][lo & 0xff] ^ tables[6][(lo >> 8) & 0xff] ^ tables[5][(lo >> 16) & 0xff] ^
            tables[4][lo >> 24] ^ tables[3][hi & 0xff] ^ tables[2][(hi >> 8) & 0xff] ^
            tables[1][(hi >> 16) & 0xff] ^ tables[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) {
        c = tables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    }
    return c;
}

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes exactly this CRC (same polynomial, same bit order), 8
// bytes per instruction. The little-endian 8-byte load matches the byte order the table
// engine consumes, so both engines give identical results for every input.
//
// One instruction takes 3 cycles but a new one can start every cycle, so long inputs run three
// independent lanes over three adjacent blocks and join them: with R(r, D) the register after
// feeding D from r, R(r, A B) = R(r, A) * x^(8|B|) ^ R(0, B), the product taken mod P. The
// multiplication by x^(8|B|) for a fixed |B| is linear over GF(2), so it is four table lookups.
constexpr size_t block_long = 8192;
constexpr size_t block_short = 256;

struct Shift {
    std::array<std::array<uint32_t, 256>, 4> table{};
    uint32_t operator()(uint32_t c) const {
        return table[0][c & 0xff] ^ table[1][(c >> 8) & 0xff] ^ table[2][(c >> 16) & 0xff] ^
               table[3][c >> 24];
    }
};

__attribute__((target("sse4.2"))) uint32_t feed_zeros(uint32_t c, size_t n) {
    uint64_t c64 = c;
    for (size_t i = 0; i < n / 8; ++i) {
        c64 = __builtin_ia32_crc32di(c64, 0);
    }
    return static_cast<uint32_t>(c64);
}

// The table of r -> R(r, n zero bytes), built from the images of the 32 single-bit registers.
Shift make_shift(size_t n) {
    std::array<uint32_t, 32> basis{};
    for (int bit = 0; bit < 32; ++bit) {
        basis[bit] = feed_zeros(uint32_t{1} << bit, n);
    }
    Shift shift;
    for (int k = 0; k < 4; ++k) {
        for (uint32_t b = 0; b < 256; ++b) {
            uint32_t v = 0;
            for (int j = 0; j < 8; ++j) {
                v ^= (b >> j) & 1 ? basis[8 * k + j] : 0;
            }
            shift.table[k][b] = v;
        }
    }
    return shift;
}

Shift shift_long;
Shift shift_short;

__attribute__((target("sse4.2"))) inline uint64_t step(uint64_t c, const unsigned char* p) {
    uint64_t word = 0;
    std::memcpy(&word, p, 8);
    return __builtin_ia32_crc32di(c, word);
}

// Three lanes over [p, p + 3 * block) while at least that much is left.
__attribute__((target("sse4.2"))) uint32_t lanes3(uint32_t c, const unsigned char*& p,
                                                   size_t& n, size_t block, const Shift& shift) {
    while (n >= 3 * block) {
        uint64_t c0 = c;
        uint64_t c1 = 0;
        uint64_t c2 = 0;
        for (const unsigned char* end = p + block; p < end; p += 8) {
            c0 = step(c0, p);
            c1 = step(c1, p + block);
            c2 = step(c2, p + 2 * block);
        }
        c = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
        c = shift(c) ^ static_cast<uint32_t>(c2);
        p += 2 * block;
        n -= 3 * block;
    }
    return c;
}

__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t c, const unsigned char* p,
                                                         size_t n) {
    c = lanes3(c, p, n, block_long, shift_long);
    c = lanes3(c, p, n, block_short, shift_short);
    uint64_t c64 = c;
    for (; n >= 8; p += 8, n -= 8) {
        c64 = step(c64, p);
    }
    c = static_cast<uint32_t>(c64);
    while (n-- > 0) {
        c = __builtin_ia32_crc32qi(c, *p++);
    }
    return c;
}

using Engine = uint32_t (*)(uint32_t, const unsigned char*, size_t);

// Chosen once from the CPU this runs on; a CPU without SSE4.2 uses the tables.
Engine pick_engine() {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("sse4.2")) {
        return extend_portable;
    }
    shift_long = make_shift(block_long);
    shift_short = make_shift(block_short);
    return extend_sse42;
}

// On first use rather than at static initialisation, so that a checksum computed while other
// files are still being initialised finds the engine ready.
Engine engine() {
    static const Engine chosen = pick_engine();
    return chosen;
}
#endif

}  // namespace

uint32_t extend(uint32_t crc, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
    return ~engine()(~crc, p, n);
#else
    return ~extend_portable(~crc, p, n);
#endif
}

uint32_t extend_portable_for_test(uint32_t crc, const void* data, size_t n) {
    return ~extend_portable(~crc, static_cast<const unsigned char*>(data), n);
}

}  // namespace wd::crc32c
