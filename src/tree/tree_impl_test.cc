// The shared ACL handle of every node (tree_impl.h). Node data (null, empty, bytes) is covered
// by the snapshot and tree tests through the public API.
#include <gtest/gtest.h>

#include "tree/tree_impl.h"

// With every count in these tests known at compile time, GCC 12 follows paths that cannot run
// (a count reaching zero while a handle still holds the list) and warns of a use after free.
// The ASan build runs these tests.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif

namespace wd::tree::detail {
namespace {

std::vector<proto::Acl> digest_acl(const std::string& id) {
    return {proto::Acl{proto::perms::all, proto::Id{"digest", id}}};
}

TEST(AclListHandle, CopiesShareOneListAndTheLastHandleFreesIt) {
    AclList empty;
    EXPECT_TRUE(empty.empty_handle());
    EXPECT_EQ(empty.use_count(), 0u);

    AclList a = make_acl_list(digest_acl("u:1"));
    ASSERT_FALSE(a.empty_handle());
    EXPECT_EQ(a.use_count(), 1u);
    {
        AclList b = a;
        AclList c(b);
        EXPECT_TRUE(b.same_list(a));
        EXPECT_TRUE(c.same_list(a));
        EXPECT_EQ(a.use_count(), 3u);
        EXPECT_EQ((*c)[0].id.id, "u:1");
    }
    EXPECT_EQ(a.use_count(), 1u);

    AclList moved = std::move(a);
    EXPECT_TRUE(a.empty_handle());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.use_count(), 1u);
    EXPECT_EQ((*moved)[0].id.id, "u:1");
}

TEST(AclListHandle, AssignmentReleasesTheOldListAndSurvivesSelfAssignment) {
    AclList a = make_acl_list(digest_acl("u:1"));
    AclList b = make_acl_list(digest_acl("u:2"));
    AclList keep_b = b;
    EXPECT_EQ(keep_b.use_count(), 2u);

    b = a;  // b's old list loses a handle, a's gains one
    EXPECT_EQ(keep_b.use_count(), 1u);
    EXPECT_EQ(a.use_count(), 2u);
    EXPECT_EQ((*b)[0].id.id, "u:1");

    const AclList& same = b;
    b = same;
    EXPECT_EQ(a.use_count(), 2u);
    EXPECT_EQ((*b)[0].id.id, "u:1");

    b = AclList();
    EXPECT_TRUE(b.empty_handle());
    EXPECT_EQ(a.use_count(), 1u);
}

}  // namespace
}  // namespace wd::tree::detail
