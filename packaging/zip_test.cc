#include "packaging/zip.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace raincheck::packaging {
namespace {

std::string TempZip(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

TEST(ZipTest, RoundTripsContentsAndUnixModes) {
  const std::string path = TempZip("roundtrip.zip");
  std::string big(200000, 'x');
  ASSERT_TRUE(WriteZip(path, {{"bootstrap", "#!/bin/sh\n", 0755},
                              {"lib/libx.so.1", big, 0755},
                              {"model.rcf", std::string("\0\1\2", 3), 0644}})
                  .ok());
  auto listing = ListZip(path);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->size(), 3u);
  EXPECT_EQ((*listing)[0].name, "bootstrap");
  EXPECT_TRUE((*listing)[0].unix_attributes);
  EXPECT_EQ((*listing)[0].mode, 0755u);
  EXPECT_EQ((*listing)[1].size, big.size());
  EXPECT_LT((*listing)[1].compressed_size, big.size() / 10);  // deflated
  EXPECT_EQ((*listing)[2].mode, 0644u);
  auto model = ReadZipEntry(path, "model.rcf");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(*model, std::string("\0\1\2", 3));
  EXPECT_EQ(ReadZipEntry(path, "missing").status().code(), StatusCode::kNotFound);
}

TEST(ZipTest, RejectsUnsafeAndDuplicateNames) {
  const std::string path = TempZip("bad.zip");
  EXPECT_EQ(WriteZip(path, {{"../evil", "", 0644}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteZip(path, {{"/abs", "", 0644}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteZip(path, {{"a//b", "", 0644}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteZip(path, {{"a", "1", 0644}, {"a", "2", 0644}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ZipTest, ListingAMissingOrBrokenFileFails) {
  EXPECT_FALSE(ListZip(TempZip("does-not-exist.zip")).ok());
}

}  // namespace
}  // namespace raincheck::packaging
