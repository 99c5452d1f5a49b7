#include "client/connect_string.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace wd::client {
namespace {

TEST(ConnectString, HostsPortsAndChroot) {
    auto cs = parse_connect_string("zk1:2181,zk2:2182, 10.0.0.3 ,[::1]:2183/app/x");
    ASSERT_TRUE(cs.ok()) << cs.error().to_string();
    ASSERT_EQ(cs->hosts.size(), 4u);
    EXPECT_EQ(cs->hosts[0], (HostPort{"zk1", 2181}));
    EXPECT_EQ(cs->hosts[1], (HostPort{"zk2", 2182}));
    EXPECT_EQ(cs->hosts[2], (HostPort{"10.0.0.3", 2181}));
    EXPECT_EQ(cs->hosts[3], (HostPort{"::1", 2183}));
    EXPECT_EQ(cs->chroot, "/app/x");
}

TEST(ConnectString, RootChrootIsNone) {
    auto cs = parse_connect_string("127.0.0.1:1/");
    ASSERT_TRUE(cs.ok());
    EXPECT_EQ(cs->chroot, "");
}

TEST(ConnectString, ErrorsAreValues) {
    for (const char* bad : {"", ",", "/app", "h:0", "h:65536", "h:x", ":12", "[::1", "h:1/app/",
                            "h:1/a//b", "h:1/a/../b", "[]:1"}) {
        auto cs = parse_connect_string(bad);
        EXPECT_FALSE(cs.ok()) << bad;
        if (!cs.ok()) {
            EXPECT_EQ(cs.error().code(), StatusCode::invalid_argument) << bad;
        }
    }
}

TEST(ConnectString, OrderIsAPermutationFixedBySeed) {
    std::vector<HostPort> hosts;
    for (uint16_t p = 1; p <= 8; ++p) {
        hosts.push_back({"h", p});
    }
    auto a = order_hosts(hosts, 42);
    auto b = order_hosts(hosts, 42);
    EXPECT_EQ(a, b);
    auto sorted = a;
    std::sort(sorted.begin(), sorted.end(),
              [](const HostPort& x, const HostPort& y) { return x.port < y.port; });
    EXPECT_EQ(sorted, hosts);
    bool differs = false;
    for (uint64_t seed = 0; seed < 10; ++seed) {
        differs = differs || order_hosts(hosts, seed) != a;
    }
    EXPECT_TRUE(differs);
}

TEST(ConnectString, ValidatePath) {
    EXPECT_TRUE(validate_path("/").ok());
    EXPECT_TRUE(validate_path("/a/b").ok());
    EXPECT_FALSE(validate_path("a").ok());
    EXPECT_FALSE(validate_path("/a/").ok());
    EXPECT_TRUE(validate_path("/a/", /*sequential=*/true).ok());
    EXPECT_FALSE(validate_path("/a/./b").ok());
    EXPECT_FALSE(validate_path(std::string_view("/a\0b", 4)).ok());
}

TEST(ConnectString, Chroot) {
    EXPECT_EQ(prepend_chroot("", "/a"), "/a");
    EXPECT_EQ(prepend_chroot("/app", "/"), "/app");
    EXPECT_EQ(prepend_chroot("/app", "/a"), "/app/a");
    EXPECT_EQ(strip_chroot("/app", "/app"), "/");
    EXPECT_EQ(strip_chroot("/app", "/app/a"), "/a");
    EXPECT_EQ(strip_chroot("/app", "/apple"), "/apple");
    EXPECT_EQ(strip_chroot("/app", "/other"), "/other");
    EXPECT_EQ(strip_chroot("", "/a"), "/a");
}

}  // namespace
}  // namespace wd::client
