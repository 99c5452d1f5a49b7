// ACL schemes and path validation (acl.h, validate_path).
#include "tree/acl.h"

#include <gtest/gtest.h>

#include "tree/describe.h"

namespace wd::tree {
namespace {

TEST(Digest, MatchesZooKeeperGenerateDigest) {
    // Observed on ZooKeeper 3.8 after `addauth digest bob:pw`.
    EXPECT_EQ(digest_id("bob:pw"), "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=");
    EXPECT_EQ(digest_id("super:secret"), "super:lK75jTNcA+U9vtVEw5vB51mj/w4=");
    EXPECT_EQ(base64_encode("ab"), "YWI=");
    EXPECT_EQ(base64_encode("a"), "YQ==");
    EXPECT_EQ(base64_encode(""), "");
}

TEST(Digest, Validity) {
    EXPECT_TRUE(digest_valid("bob:abc"));
    EXPECT_TRUE(digest_valid(":abc"));
    EXPECT_TRUE(digest_valid("a:b:"));  // Java's split drops the trailing empty part
    EXPECT_FALSE(digest_valid("bob"));  // observed: INVALIDACL
    EXPECT_FALSE(digest_valid("bob:"));
    EXPECT_FALSE(digest_valid("a:b:c"));
    EXPECT_FALSE(digest_valid(""));
    EXPECT_FALSE(digest_valid(":"));
}

TEST(Ip, Ipv4Ranges) {
    EXPECT_TRUE(ip_matches("10.1.2.3", "10.1.2.3"));
    EXPECT_FALSE(ip_matches("10.1.2.4", "10.1.2.3"));
    EXPECT_TRUE(ip_matches("10.1.2.4", "10.1.2.0/24"));
    EXPECT_TRUE(ip_matches("10.1.3.4", "10.1.0.0/16"));
    EXPECT_FALSE(ip_matches("10.2.3.4", "10.1.0.0/16"));
    EXPECT_TRUE(ip_matches("10.1.2.200", "10.1.2.128/25"));
    EXPECT_FALSE(ip_matches("10.1.2.100", "10.1.2.128/25"));
    EXPECT_TRUE(ip_matches("1.2.3.4", "9.9.9.9/0"));
    EXPECT_TRUE(ip_matches("::ffff:10.1.2.3", "10.1.2.0/24"));
    EXPECT_FALSE(ip_matches("garbage", "10.1.2.0/24"));
    EXPECT_TRUE(ip_valid("1.2.3.4/32"));
    EXPECT_FALSE(ip_valid("1.2.3.4/33"));  // observed: INVALIDACL
    EXPECT_FALSE(ip_valid("1.2.3"));
    EXPECT_FALSE(ip_valid("1.2.3.256"));
    EXPECT_FALSE(ip_valid("1.2.3.4/"));
    EXPECT_FALSE(ip_valid("1.2.3.4.5"));
}

TEST(Ip, Ipv6Ranges) {
    EXPECT_TRUE(ip_valid("::1"));
    EXPECT_TRUE(ip_valid("2001:db8::/32"));
    EXPECT_TRUE(ip_valid("1:2:3:4:5:6:7:8"));
    EXPECT_TRUE(ip_valid("::ffff:1.2.3.4"));
    EXPECT_FALSE(ip_valid("1:2:3:4:5:6:7"));
    EXPECT_FALSE(ip_valid("1::2::3"));
    EXPECT_FALSE(ip_valid("12345::"));
    EXPECT_FALSE(ip_valid("::1/129"));
    EXPECT_TRUE(ip_matches("::1", "::1"));
    EXPECT_TRUE(ip_matches("2001:db8:1::5", "2001:db8::/32"));
    EXPECT_FALSE(ip_matches("2001:db9::5", "2001:db8::/32"));
    EXPECT_TRUE(ip_matches("fe80::1%eth0", "fe80::/10"));
    EXPECT_FALSE(ip_matches("10.0.0.1", "::/0"));  // families differ
}

TEST(Acl, Permits) {
    const std::vector<proto::Acl> acl{proto::Acl{proto::perms::read, proto::Id{"ip", "10.0.0.0/8"}},
                                      proto::Acl{proto::perms::all, proto::Id{"digest", "bob:h"}}};
    Identity ip{{proto::Id{"ip", "10.9.9.9"}}, false};
    Identity bob{{proto::Id{"ip", "192.168.0.1"}, proto::Id{"digest", "bob:h"}}, false};
    EXPECT_TRUE(acl_permits(acl, proto::perms::read, ip));
    EXPECT_FALSE(acl_permits(acl, proto::perms::write, ip));
    EXPECT_TRUE(acl_permits(acl, proto::perms::write, bob));
    EXPECT_FALSE(acl_permits(acl, proto::perms::read, Identity{}));
    EXPECT_TRUE(acl_permits(acl, proto::perms::admin, Identity{{}, true}));
    EXPECT_TRUE(acl_permits(acl, proto::perms::admin, Identity{{proto::Id{"super", ""}}, false}));
    EXPECT_TRUE(acl_permits({}, proto::perms::admin, Identity{}));  // an empty ACL allows all
    // READ|ADMIN means either bit.
    EXPECT_TRUE(acl_permits(acl, proto::perms::read | proto::perms::admin, ip));
}

TEST(Acl, Fixup) {
    Identity who{{proto::Id{"ip", "1.2.3.4"}, proto::Id{"digest", "bob:h"}, proto::Id{"super", ""}},
                 false};
    const proto::Acl auth{31, proto::Id{"auth", ""}};
    auto fixed = fixup_acl({auth, auth, proto::Acl{1, proto::Id{"world", "anyone"}}}, who);
    ASSERT_TRUE(fixed.ok());
    EXPECT_EQ(describe(*fixed), "digest:bob:h=rwcda, world:anyone=r");  // observed
    EXPECT_EQ(fixup_acl({}, who).error(), Code::invalid_acl);
    EXPECT_EQ(fixup_acl({auth}, Identity{{proto::Id{"ip", "1.2.3.4"}}, false}).error(),
              Code::invalid_acl);  // ip ids are not authenticated
    for (const proto::Id& bad : {proto::Id{"world", "x"}, proto::Id{"foo", "x"},
                                 proto::Id{"ip", "::1/200"}, proto::Id{"digest", "bob"}}) {
        EXPECT_EQ(fixup_acl({proto::Acl{31, bad}}, who).error(), Code::invalid_acl) << bad.id;
    }
    EXPECT_EQ(describe(redact_digests(*fixed)), "digest:bob:x=rwcda, world:anyone=r");
}

TEST(ValidatePath, Table) {
    struct Case {
        std::string path;
        bool sequential;
        bool valid;
    };
    const std::vector<Case> cases = {
        {"/", false, true},
        {"/a", false, true},
        {"/a/b-c_d.e", false, true},
        {"/...", false, true},
        {"/a.", false, true},
        {"/.a", false, true},
        {"/a/..b", false, true},
        {"/\xc3\xa9t\xc3\xa9", false, true},  // "été"
        {"", false, false},
        {"a", false, false},
        {"/a/", false, false},
        {"/a/", true, true},
        {"//", false, false},
        {"/a//b", false, false},
        {"/.", false, false},
        {"/..", false, false},
        {"/a/./b", false, false},
        {"/a/../b", false, false},
        {"/a/..", false, false},
        {std::string("/a\0b", 4), false, false},
        {"/a\x01", false, false},
        {"/a\x7f", false, false},
        {"/a\xc2\x85", false, false},          // U+0085
        {"/a\xee\x80\x80", false, false},      // U+E000, private use
        {"/a\xef\xbf\xb0", false, false},      // U+FFF0
        {"/a\xf0\x9f\x98\x80", false, false},  // outside the BMP (a surrogate pair in Java)
        {"/a\xff", false, false},              // malformed UTF-8
        {"/a\xc0\xaf", false, false},          // overlong '/'
        {"/a\xed\xa0\x80", false, false},      // encoded surrogate
    };
    for (const Case& c : cases) {
        EXPECT_EQ(validate_path(c.path, c.sequential) == Code::ok, c.valid) << c.path;
    }
}

}  // namespace
}  // namespace wd::tree
