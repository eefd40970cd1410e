#include "base/deadline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace raincheck::base {
namespace {

using std::chrono::microseconds;

const TimePoint kStart = FromUnixMillis(1'700'000'000'000);

TEST(DeadlineTest, RemainingCountsDownWithTheClockAndStopsAtZero) {
  ManualClock clock(kStart);
  const Deadline deadline = Deadline::After(clock, Millis(1500));
  EXPECT_EQ(deadline.at(), kStart + Millis(1500));
  EXPECT_EQ(deadline.Remaining(clock), Millis(1500));
  EXPECT_FALSE(deadline.Passed(clock));
  clock.Advance(Millis(1499));
  EXPECT_EQ(deadline.Remaining(clock), Millis(1));
  EXPECT_FALSE(deadline.Passed(clock));
  clock.Advance(Millis(1));
  EXPECT_EQ(deadline.Remaining(clock), Millis(0));
  EXPECT_TRUE(deadline.Passed(clock));
  clock.Advance(Millis(60'000));
  EXPECT_EQ(deadline.Remaining(clock), Millis(0)) << "never negative";
  EXPECT_TRUE(deadline.Passed(clock));
}

TEST(DeadlineTest, LessThanAWholeMillisecondLeftHasPassed) {
  const ManualClock clock(kStart);
  const Deadline deadline(kStart + microseconds(999));
  EXPECT_EQ(deadline.Remaining(clock), Millis(0));
  EXPECT_TRUE(deadline.Passed(clock));
}

TEST(DeadlineTest, TheDefaultIsTheEpochAndHasAlwaysPassed) {
  const ManualClock clock(kStart);
  const Deadline none;
  EXPECT_EQ(none.at(), TimePoint{});
  EXPECT_EQ(none.Remaining(clock), Millis(0));
  EXPECT_TRUE(none.Passed(clock));
  EXPECT_EQ(CallContext{}.deadline, none);
  EXPECT_TRUE(CallContext{}.request_id.empty());
}

TEST(DeadlineTest, EarlierMovesThePointInTime) {
  const ManualClock clock(kStart);
  const Deadline deadline = Deadline::After(clock, Millis(10'000));
  EXPECT_EQ(deadline.Earlier(Millis(250)).at(), kStart + Millis(9'750));
  EXPECT_EQ(deadline.Earlier(Millis(250)).Remaining(clock), Millis(9'750));
  EXPECT_EQ(deadline.Earlier(Millis(-250)).at(), kStart + Millis(10'250));
  EXPECT_TRUE(deadline.Earlier(Millis(10'000)).Passed(clock));
}

TEST(DeadlineTest, OrdersByPointInTimeSoTheSoonerWins) {
  const Deadline soon(kStart + Millis(5));
  const Deadline late(kStart + Millis(50));
  EXPECT_LT(soon, late);
  EXPECT_EQ(std::min(late, soon), soon);
  EXPECT_EQ(Deadline(kStart), Deadline(kStart));
  Deadline assigned;
  assigned = kStart + Millis(7);  // a point in time converts
  EXPECT_EQ(assigned.at(), kStart + Millis(7));
}

}  // namespace
}  // namespace raincheck::base
