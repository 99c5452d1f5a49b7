#include <gtest/gtest.h>

#include <string>

#include "base/code.h"
#include "base/coding.h"
#include "base/crc32c.h"
#include "base/result.h"
#include "base/rng.h"

namespace wd {
namespace {

TEST(Crc32c, StandardVectors) {
    // RFC 3720 B.4 test vectors.
    std::string zeros(32, '\0');
    EXPECT_EQ(crc32c::value(zeros.data(), zeros.size()), 0x8a9136aau);
    std::string ones(32, '\xff');
    EXPECT_EQ(crc32c::value(ones.data(), ones.size()), 0x62a8ab43u);
    std::string inc;
    for (int i = 0; i < 32; ++i) {
        inc.push_back(static_cast<char>(i));
    }
    EXPECT_EQ(crc32c::value(inc.data(), inc.size()), 0x46dd794eu);
    EXPECT_EQ(crc32c::value("123456789", 9), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
    std::string s = "hello, warden, a slightly longer string for slicing";
    uint32_t whole = crc32c::value(s.data(), s.size());
    uint32_t part = crc32c::extend(crc32c::value(s.data(), 7), s.data() + 7, s.size() - 7);
    EXPECT_EQ(whole, part);
}

TEST(Crc32c, HardwareEngineMatchesTables) {
    // Every length 0..300 at every alignment 0..7, then one long buffer, so that both the
    // 8-byte loop and the byte tail of each engine are covered.
    Rng rng(7);
    std::string bytes;
    for (int i = 0; i < 100000; ++i) {
        bytes.push_back(static_cast<char>(rng.next()));
    }
    for (size_t offset = 0; offset < 8; ++offset) {
        for (size_t n = 0; n <= 300; ++n) {
            const char* p = bytes.data() + offset;
            ASSERT_EQ(crc32c::extend(0x12345678u, p, n),
                      crc32c::extend_portable_for_test(0x12345678u, p, n))
                << "offset " << offset << " length " << n;
        }
    }
    // Around the three-lane thresholds (3 x 256 and 3 x 8192 bytes) and far beyond them.
    for (size_t n : {767u, 768u, 769u, 775u, 2000u, 24575u, 24576u, 24577u, 50000u, 99990u}) {
        for (size_t offset = 0; offset < 3; ++offset) {
            const char* p = bytes.data() + offset;
            ASSERT_EQ(crc32c::extend(0xdeadbeefu, p, n),
                      crc32c::extend_portable_for_test(0xdeadbeefu, p, n))
                << "offset " << offset << " length " << n;
        }
    }
    EXPECT_EQ(crc32c::value(bytes.data(), bytes.size()),
              crc32c::extend_portable_for_test(0, bytes.data(), bytes.size()));
}

TEST(Crc32c, MaskRoundTrips) {
    uint32_t crc = crc32c::value("foo", 3);
    EXPECT_NE(crc32c::mask(crc), crc);
    EXPECT_EQ(crc32c::unmask(crc32c::mask(crc)), crc);
}

TEST(Coding, BigAndLittleEndian) {
    std::string out;
    put_u32_be(out, 0x01020304u);
    put_u64_le(out, 0x1122334455667788ull);
    ASSERT_EQ(out.size(), 12u);
    EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x01);
    EXPECT_EQ(load_u32_be(out.data()), 0x01020304u);
    EXPECT_EQ(static_cast<unsigned char>(out[4]), 0x88);
    EXPECT_EQ(load_u64_le(out.data() + 4), 0x1122334455667788ull);
}

TEST(Rng, DeterministicPerSeed) {
    Rng a(42);
    Rng b(42);
    Rng c(43);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        uint64_t x = a.next();
        EXPECT_EQ(x, b.next());
        differs |= x != c.next();
    }
    EXPECT_TRUE(differs);
    Rng r(7);
    for (int i = 0; i < 1000; ++i) {
        int64_t v = r.range(-3, 3);
        EXPECT_GE(v, -3);
        EXPECT_LE(v, 3);
    }
}

Result<int> half(int x) {
    if (x % 2 != 0) {
        return err(Status::invalid_argument("odd"));
    }
    return x / 2;
}
Result<int> quarter(int x) {
    WD_TRY(half(x));
    return half(x / 2);
}

TEST(Result, ValuesAndErrors) {
    EXPECT_EQ(*half(4), 2);
    auto bad = half(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().to_string(), "invalid argument: odd");
    EXPECT_FALSE(quarter(6).ok());
    EXPECT_EQ(*quarter(8), 2);
    Result<int, Code> coded = err(Code::no_node);
    EXPECT_EQ(coded.error(), Code::no_node);
    EXPECT_EQ(code_name(Code::no_node), "NONODE");
}

}  // namespace
}  // namespace wd
