#include <gtest/gtest.h>

#include "proto/codec.h"

namespace wd::proto {
namespace {

TEST(Codec, StatRoundTrip) {
    Stat stat{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    std::string bytes = encode_to_string(stat);
    EXPECT_EQ(bytes.size(), 68u);  // 6 longs + 5 ints
    auto back = decode_exact<Stat>(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, stat);
}

}  // namespace
}  // namespace wd::proto
