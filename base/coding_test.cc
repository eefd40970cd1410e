#include "base/coding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace raincheck::base {
namespace {

TEST(CodingTest, FixedWidthIsLittleEndian) {
  std::string out;
  PutFixed8(out, 0x01);
  PutFixed16(out, 0x0302);
  PutFixed32(out, 0x07060504u);
  PutFixed64(out, 0x0f0e0d0c0b0a0908ull);
  ASSERT_EQ(out.size(), 15u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<char>(i + 1)) << i;
  EXPECT_EQ(DecodeFixed16(out.data() + 1), 0x0302);
  EXPECT_EQ(DecodeFixed32(out.data() + 3), 0x07060504u);
  EXPECT_EQ(DecodeFixed64(out.data() + 7), 0x0f0e0d0c0b0a0908ull);
}

TEST(CodingTest, FloatsAreTheirIeeeBits) {
  std::string out;
  PutFloat32(out, 1.0f);  // 0x3f800000
  PutFloat64(out, -2.5);  // 0xc004000000000000
  PutInt32(out, -1);      // 0xffffffff
  EXPECT_EQ(out.substr(0, 4), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(out.substr(4, 8), std::string("\x00\x00\x00\x00\x00\x00\x04\xc0", 8));
  ByteReader r(out);
  float f = 0;
  double d = 0;
  int32_t i = 0;
  ASSERT_TRUE(r.F32(f) && r.F64(d) && r.I32(i));
  EXPECT_EQ(f, 1.0f);
  EXPECT_EQ(d, -2.5);
  EXPECT_EQ(i, -1);
  EXPECT_TRUE(r.done());
}

TEST(CodingTest, NanPayloadSurvives) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::string out;
  PutFloat64(out, nan);
  double back = 0;
  ByteReader r(out);
  ASSERT_TRUE(r.F64(back));
  EXPECT_TRUE(std::isnan(back));
}

TEST(CodingTest, RoundTripOfEveryKind) {
  std::string out;
  PutFixed8(out, 200);
  PutFixed16(out, 65535);
  PutFixed32(out, 4000000000u);
  PutFixed64(out, std::numeric_limits<uint64_t>::max());
  PutVarint64(out, 300);
  PutLengthPrefixed(out, "hello");
  PutLengthPrefixed(out, "");
  ByteReader r(out);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0, e = 0;
  std::string s1 = "x", s2 = "y";
  ASSERT_TRUE(r.U8(a) && r.U16(b) && r.U32(c) && r.U64(d) && r.Varint64(e) &&
              r.LengthPrefixed(s1) && r.LengthPrefixed(s2));
  EXPECT_EQ(a, 200);
  EXPECT_EQ(b, 65535);
  EXPECT_EQ(c, 4000000000u);
  EXPECT_EQ(d, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(e, 300u);
  EXPECT_EQ(s1, "hello");
  EXPECT_EQ(s2, "");
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.U8(a));
}

TEST(CodingTest, VarintMatchesProtocolBuffers) {
  // The protocol buffers encoding guide: 1 -> 01, 150 -> 96 01, 300 -> ac 02.
  std::string out;
  PutVarint64(out, 1);
  PutVarint64(out, 150);
  PutVarint64(out, 300);
  EXPECT_EQ(out, std::string("\x01\x96\x01\xac\x02"));
  std::string max;
  PutVarint64(max, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(max.size(), 10u);
  uint64_t v = 0;
  ByteReader r(max);
  ASSERT_TRUE(r.Varint64(v));
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
}

TEST(CodingTest, ShortInputIsRefusedAndLeavesTheOutputAlone) {
  const std::string three("\x01\x02\x03", 3);
  ByteReader r(three);
  uint32_t u32 = 7;
  EXPECT_FALSE(r.U32(u32));
  EXPECT_EQ(u32, 7u);
  EXPECT_EQ(r.position(), 0u);  // a failed read consumes nothing
  uint16_t u16 = 0;
  EXPECT_TRUE(r.U16(u16));
  EXPECT_EQ(u16, 0x0201);
  uint64_t u64 = 9;
  EXPECT_FALSE(r.U64(u64));
  EXPECT_EQ(u64, 9u);
  std::string_view view;
  EXPECT_FALSE(r.Bytes(2, view));
  EXPECT_FALSE(r.Skip(std::numeric_limits<uint64_t>::max()));
  EXPECT_TRUE(r.Bytes(1, view));
  EXPECT_EQ(view, "\x03");
  EXPECT_TRUE(r.done());
}

TEST(CodingTest, LengthBeyondTheEndIsRefused) {
  std::string out;
  PutFixed32(out, 1000);  // claims 1000 bytes
  out += "abc";
  ByteReader r(out);
  std::string s = "unchanged";
  EXPECT_FALSE(r.LengthPrefixed(s));
  EXPECT_EQ(s, "unchanged");
  EXPECT_EQ(r.position(), 0u);
}

TEST(CodingTest, UnterminatedOrOverlongVarintIsRefused) {
  uint64_t v = 5;
  ByteReader cut(std::string_view("\x96", 1));  // continuation bit, then the end
  EXPECT_FALSE(cut.Varint64(v));
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(cut.position(), 0u);
  const std::string eleven(11, '\x80');
  ByteReader overlong(eleven);
  EXPECT_FALSE(overlong.Varint64(v));
}

TEST(CodingTest, PatchOverwritesInPlace) {
  std::string out(12, '\0');
  PatchFixed64(out, 2, 0x0102030405060708ull);
  EXPECT_EQ(out, std::string("\x00\x00\x08\x07\x06\x05\x04\x03\x02\x01\x00\x00", 12));
}

}  // namespace
}  // namespace raincheck::base
