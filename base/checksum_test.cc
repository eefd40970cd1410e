#include "base/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace raincheck::base {
namespace {

// Published values: `xxhsum -H1` (xxHash's own tool) on the same bytes; the first is the
// empty-input value of the XXH64 specification (xxhash_spec.md).
TEST(ChecksumTest, KnownXxh64Values) {
  EXPECT_EQ(Xxh64(""), 0xef46db3751d8e999ull);
  EXPECT_EQ(Xxh64("abc"), 0x44bc2cf5ad770999ull);
  // Past 32 bytes: the four-lane stripe loop, then the tail.
  EXPECT_EQ(Xxh64("The quick brown fox jumps over the lazy dog, and then some more text past 32"),
            0xaa31cfd60863c7c8ull);
  EXPECT_EQ(Xxh64("0123456789abcdef0123456789abcdef0123456789abcdef01234"), 0x7056398b61e02e81ull);
}

TEST(ChecksumTest, EveryByteCounts) {
  const std::string a(1000, 'x');
  for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{500}, size_t{999}}) {
    std::string b = a;
    b[i] = 'y';
    EXPECT_NE(Xxh64(a), Xxh64(b)) << i;
  }
  EXPECT_NE(Xxh64(a), Xxh64(a.substr(1)));
  EXPECT_EQ(Xxh64(a), Xxh64(std::string(1000, 'x')));
}

}  // namespace
}  // namespace raincheck::base
