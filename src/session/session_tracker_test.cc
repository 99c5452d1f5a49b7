// Tests of session expiry against ZooKeeper's ExpiryQueue (roundToNextInterval, poll) and
// SessionTrackerImpl (touchSession refuses closing sessions, trackSession re-tracks).
#include "session/session_tracker.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace wd::session {
namespace {

using Ids = std::vector<int64_t>;

TEST(SessionTracker, DeadlineIsNextTickMultipleStrictlyAfterNowPlusTimeout) {
    SessionTracker tracker(2000);
    tracker.add(1, 5000, 0);      // 5000 -> 6000
    tracker.add(2, 4000, 0);      // 4000 is a multiple: still the next one, 6000
    tracker.add(3, 3999, 0);      // 3999 -> 4000
    tracker.add(4, 1, 1999);      // 2000 -> 4000
    tracker.add(5, 1, 1998);      // 1999 -> 2000
    EXPECT_EQ(tracker.deadline_ms(1), 6000);
    EXPECT_EQ(tracker.deadline_ms(2), 6000);
    EXPECT_EQ(tracker.deadline_ms(3), 4000);
    EXPECT_EQ(tracker.deadline_ms(4), 4000);
    EXPECT_EQ(tracker.deadline_ms(5), 2000);
    EXPECT_EQ(tracker.next_deadline_ms(), 2000);
    EXPECT_EQ(tracker.size(), 5u);
}

TEST(SessionTracker, RoundingWorksForNegativeTimes) {
    SessionTracker tracker(100);
    tracker.add(1, 10, -250);  // -240 -> -200
    tracker.add(2, 50, -250);  // -200 -> -100
    EXPECT_EQ(tracker.deadline_ms(1), -200);
    EXPECT_EQ(tracker.deadline_ms(2), -100);
}

TEST(SessionTracker, ExpiresAtOrAfterDeadlineInAscendingIdOrder) {
    SessionTracker tracker(10);
    tracker.add(30, 100, 0);  // 110
    tracker.add(10, 100, 0);  // 110
    tracker.add(20, 50, 0);   // 60
    tracker.add(40, 500, 0);  // 510
    EXPECT_EQ(tracker.expired(59), Ids{});
    EXPECT_EQ(tracker.expired(60), Ids{20});
    EXPECT_EQ(tracker.expired(60), Ids{});  // Returned once.
    EXPECT_EQ(tracker.next_deadline_ms(), 110);
    EXPECT_EQ(tracker.expired(1000), (Ids{10, 30, 40}));
    EXPECT_EQ(tracker.next_deadline_ms(), INT64_MAX);
    // Expired sessions stay tracked, closing, until the close txn applies and removes them.
    EXPECT_EQ(tracker.size(), 4u);
    EXPECT_TRUE(tracker.closing(10));
    EXPECT_FALSE(tracker.deadline_ms(10).has_value());
}

TEST(SessionTracker, ExpiredOrdersByIdNotByDeadline) {
    SessionTracker tracker(1);
    tracker.add(3, 10, 0);
    tracker.add(1, 30, 0);
    tracker.add(2, 20, 0);
    EXPECT_EQ(tracker.expired(100), (Ids{1, 2, 3}));
}

TEST(SessionTracker, TouchExtendsTheDeadline) {
    SessionTracker tracker(10);
    tracker.add(1, 100, 0);  // 110
    EXPECT_TRUE(tracker.touch(1, 5));  // 105 -> 110: same bucket
    EXPECT_EQ(tracker.deadline_ms(1), 110);
    EXPECT_TRUE(tracker.touch(1, 100));  // 200 -> 210
    EXPECT_EQ(tracker.deadline_ms(1), 210);
    EXPECT_EQ(tracker.expired(110), Ids{});
    EXPECT_EQ(tracker.next_deadline_ms(), 210);
    EXPECT_EQ(tracker.expired(210), Ids{1});
}

TEST(SessionTracker, TouchOfUnknownOrClosingIsRefused) {
    SessionTracker tracker(10);
    EXPECT_FALSE(tracker.touch(1, 0));
    tracker.add(1, 100, 0);
    tracker.add(2, 100, 0);
    tracker.set_closing(1);
    EXPECT_TRUE(tracker.closing(1));
    EXPECT_FALSE(tracker.touch(1, 50));
    EXPECT_EQ(tracker.expired(1000), Ids{2});  // A closing session is not expired again.
    EXPECT_FALSE(tracker.touch(2, 1000));      // Nor can an expired one be revived.
    EXPECT_EQ(tracker.expired(100'000), Ids{});
    tracker.set_closing(77);  // Unknown: no effect.
    EXPECT_FALSE(tracker.contains(77));
}

TEST(SessionTracker, AddOfTrackedSessionReTracks) {
    SessionTracker tracker(10);
    tracker.add(1, 100, 0);
    tracker.add(1, 300, 50);  // New timeout, deadline refreshed: 350 -> 360.
    EXPECT_EQ(tracker.size(), 1u);
    EXPECT_EQ(tracker.timeout_ms(1), 300);
    EXPECT_EQ(tracker.deadline_ms(1), 360);
    EXPECT_TRUE(tracker.touch(1, 100));  // Touch uses the new timeout: 400 -> 410.
    EXPECT_EQ(tracker.deadline_ms(1), 410);
    tracker.set_closing(1);
    tracker.add(1, 100, 500);  // Closing stays closing.
    EXPECT_TRUE(tracker.closing(1));
    EXPECT_EQ(tracker.next_deadline_ms(), INT64_MAX);
}

TEST(SessionTracker, RemoveForgetsOpenAndClosingSessions) {
    SessionTracker tracker(10);
    tracker.add(1, 100, 0);
    tracker.add(2, 200, 0);
    tracker.add(3, 300, 0);
    tracker.set_closing(3);
    tracker.remove(1);
    tracker.remove(3);
    tracker.remove(42);
    EXPECT_FALSE(tracker.contains(1));
    EXPECT_FALSE(tracker.contains(3));
    EXPECT_FALSE(tracker.closing(3));
    EXPECT_EQ(tracker.size(), 1u);
    EXPECT_EQ(tracker.next_deadline_ms(), 210);
    EXPECT_FALSE(tracker.touch(1, 0));
    EXPECT_EQ(tracker.expired(10'000), Ids{2});
    tracker.remove(2);
    EXPECT_EQ(tracker.size(), 0u);
    EXPECT_FALSE(tracker.timeout_ms(2).has_value());
}

TEST(SessionTracker, NextDeadlineFollowsTheEarliestOpenSession) {
    SessionTracker tracker(5);
    EXPECT_EQ(tracker.next_deadline_ms(), INT64_MAX);
    tracker.add(1, 100, 0);  // 105
    tracker.add(2, 30, 0);   // 35
    EXPECT_EQ(tracker.next_deadline_ms(), 35);
    tracker.set_closing(2);
    EXPECT_EQ(tracker.next_deadline_ms(), 105);
    EXPECT_TRUE(tracker.touch(1, 50));  // 150 -> 155
    EXPECT_EQ(tracker.next_deadline_ms(), 155);
}

}  // namespace
}  // namespace wd::session
