#include "base/env.h"

#include <gtest/gtest.h>

#include <set>

namespace raincheck::base {
namespace {

TEST(EnvTest, OverlayWinsOverFallback) {
  EnvLookup base_env = [](std::string_view n) -> std::optional<std::string> {
    if (n == "A") return "from-env";
    if (n == "B") return "b";
    return std::nullopt;
  };
  EnvLookup env = OverlayEnv({{"A", "from-flag"}}, base_env);
  EXPECT_EQ(env("A"), "from-flag");
  EXPECT_EQ(env("B"), "b");
  EXPECT_FALSE(env("C").has_value());
}

TEST(EnvTest, UuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewUuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace raincheck::base
