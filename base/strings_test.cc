#include "base/strings.h"

#include <gtest/gtest.h>

namespace raincheck::base {
namespace {

TEST(StringsTest, Trim) {
  EXPECT_EQ(Trim("  Cape Town \t\n"), "Cape Town");
  EXPECT_EQ(Trim("\xC2\xA0Z\xC3\xBCrich\xE3\x80\x80"), "Z\xC3\xBCrich");
  EXPECT_EQ(Trim("   "), "");
}

TEST(StringsTest, CollapseWhitespace) {
  EXPECT_EQ(CollapseWhitespace("  a \t  b  c "), "a b c");
  EXPECT_EQ(CollapseWhitespace("\t"), "");
}

TEST(StringsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("S\xC3\xA3o Paulo"));
  EXPECT_TRUE(IsValidUtf8("\xE6\x9D\xB1\xE4\xBA\xAC"));  // 東京
  EXPECT_FALSE(IsValidUtf8("\xC3"));                     // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                 // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));             // surrogate
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_EQ(Utf8Length("\xE6\x9D\xB1\xE4\xBA\xAC"), 2u);
}

TEST(StringsTest, ControlCharacters) {
  EXPECT_FALSE(HasControlCharacters("Port-au-Prince"));
  EXPECT_TRUE(HasControlCharacters("a\nb"));
  EXPECT_TRUE(HasControlCharacters(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlCharacters("a\x7F"));
  EXPECT_TRUE(HasControlCharacters("a\xC2\x85"));  // U+0085 NEL
  EXPECT_FALSE(HasControlCharacters("N'Djamena"));
}

TEST(StringsTest, Base64RoundTrip) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYg"), "foob");
  const std::string binary("\x00\xFF\x10\x80", 4);
  EXPECT_EQ(*Base64Decode(Base64Encode(binary)), binary);
  EXPECT_FALSE(Base64Decode("Zm9v!").ok());
  EXPECT_FALSE(Base64Decode("Z").ok());
}

TEST(StringsTest, UrlCoding) {
  EXPECT_EQ(UrlDecode("Hong%20Kong", false), "Hong Kong");
  EXPECT_EQ(UrlDecode("Hong+Kong", true), "Hong Kong");
  EXPECT_EQ(UrlDecode("Hong+Kong", false), "Hong+Kong");
  EXPECT_EQ(UrlDecode("100%", false), "100%");
  EXPECT_EQ(UrlDecode("%zz", false), "%zz");
  EXPECT_EQ(UrlEncode("x&key=1 2/\xC3\xA3"), "x%26key%3D1%202%2F%C3%A3");
}

TEST(StringsTest, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
  EXPECT_EQ(HtmlEscape("a&b"), "a&amp;b");
}

TEST(StringsTest, SplitAndCase) {
  EXPECT_EQ(Split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Content-Type", "content-type"));
  EXPECT_EQ(AsciiLower("ABC-d"), "abc-d");
}

}  // namespace
}  // namespace raincheck::base
