#include "web/assets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace raincheck::web {
namespace {

std::string ReadSource(std::string_view name) {
  std::ifstream in(std::string(RAINCHECK_SOURCE_DIR) + "/web/" + std::string(name),
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WebAssetsTest, EmbeddedFilesAreTheSourceFilesByteForByte) {
  ASSERT_EQ(EmbeddedFiles().size(), 4u);
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    const std::string source = ReadSource(f.name);
    ASSERT_FALSE(source.empty()) << f.name;
    EXPECT_EQ(f.body, source) << f.name;
  }
}

TEST(WebAssetsTest, ThePageLoadsNothingFromElsewhere) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    // The SVG namespace name is an identifier, not a fetch.
    const std::string body = std::string(f.body);
    const std::string rest = f.name.ends_with(".svg") ? "" : body;
    EXPECT_EQ(rest.find("http://"), std::string::npos) << f.name;
    EXPECT_EQ(body.find("https://"), std::string::npos) << f.name;
    EXPECT_EQ(f.body.find("innerHTML"), std::string_view::npos) << f.name;
  }
}

TEST(WebAssetsTest, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("blob"), "application/octet-stream");
}

}  // namespace
}  // namespace raincheck::web
