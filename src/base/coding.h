// Endian-neutral fixed-width integer coding.
//
// put_*  append to a std::string / byte vector.
// load_* read from raw bytes. REQUIRES: the source has enough bytes (callers check spans first).
// Wire (ZooKeeper jute) is big-endian; our on-disk formats are little-endian (docs/formats.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace wd {

inline void put_u32_le(std::string& out, uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) {
        b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
    out.append(b, 4);
}
inline void put_u64_le(std::string& out, uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
    out.append(b, 8);
}
inline uint32_t load_u32_le(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | b[i];
    }
    return v;
}
inline uint64_t load_u64_le(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | b[i];
    }
    return v;
}
inline void store_u32_le(void* p, uint32_t v) {
    auto* b = static_cast<unsigned char*>(p);
    for (int i = 0; i < 4; ++i) {
        b[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xff);
    }
}

inline void put_u32_be(std::string& out, uint32_t v) {
    char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                 static_cast<char>(v >> 8), static_cast<char>(v)};
    out.append(b, 4);
}
inline void put_u64_be(std::string& out, uint64_t v) {
    put_u32_be(out, static_cast<uint32_t>(v >> 32));
    put_u32_be(out, static_cast<uint32_t>(v));
}
inline uint32_t load_u32_be(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}
inline uint64_t load_u64_be(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    return (uint64_t{load_u32_be(b)} << 32) | load_u32_be(b + 4);
}
inline void store_u32_be(void* p, uint32_t v) {
    auto* b = static_cast<unsigned char*>(p);
    b[0] = static_cast<unsigned char>(v >> 24);
    b[1] = static_cast<unsigned char>(v >> 16);
    b[2] = static_cast<unsigned char>(v >> 8);
    b[3] = static_cast<unsigned char>(v);
}

}  // namespace wd
