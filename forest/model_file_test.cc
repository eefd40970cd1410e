#include "forest/model_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/checksum.h"
#include "base/file.h"
#include "forest/model.h"
#include "forest/test_models.h"

namespace raincheck::forest {
namespace {

std::string GoodBytes() {
  auto m = testing::TwoTreeBuilder().Build();
  EXPECT_TRUE(m.ok());
  return m->ToBytes();
}

void PutLe(std::string& s, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i)
    s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Re-seals edited bytes: fixes the length field and the checksum, as a writer would.
std::string Reseal(std::string body_without_trailer) {
  const uint64_t total = body_without_trailer.size() + kModelTrailerSize;
  PutLe(body_without_trailer, 16, total, 8);
  std::string sum(8, '\0');
  PutLe(sum, 0, base::Xxh64(body_without_trailer), 8);
  return body_without_trailer + sum + std::string(kModelEndMagic);
}

std::string WithExtraSection(const std::string& good, std::string_view tag, uint32_t flags) {
  std::string body = good.substr(0, good.size() - kModelTrailerSize);
  std::string section(tag);
  std::string head(12, '\0');
  PutLe(head, 0, flags, 4);
  PutLe(head, 4, 5, 8);
  body += section + head + "hello";
  return Reseal(body);
}

TEST(ModelFileTest, RoundTripKeepsEverything) {
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok());
  const std::string bytes = m->ToBytes();
  auto back = Model::FromBytes(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->schema(), m->schema());
  EXPECT_EQ(back->class_labels(), m->class_labels());
  EXPECT_EQ(back->card(), m->card());
  EXPECT_EQ(back->forest().threshold.ToVector(), m->forest().threshold.ToVector());
  EXPECT_EQ(back->forest().leaf_value.ToVector(), m->forest().leaf_value.ToVector());
  EXPECT_EQ(back->ToBytes(), bytes);
}

TEST(ModelFileTest, SaveAndLoad) {
  const std::string path = std::string(RAINCHECK_BINARY_DIR) + "/model_file_test.rcf";
  auto m = testing::TwoTreeBuilder().Build();
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->Save(path).ok());
  ASSERT_TRUE(m->Save(path).ok());  // over the first: replaced by a rename
  auto back = Model::Load(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name(), "test-model");
  auto bytes = base::ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, m->ToBytes());
  // No temporary file is left beside it.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find("model_file_test.rcf.tmp"), std::string::npos)
        << e.path();
  }
  std::remove(path.c_str());
  EXPECT_EQ(m->Save(path + ".missing-dir/m.rcf").code(), StatusCode::kIOError);
  auto missing = Model::Load(path);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(ModelFileTest, EveryTruncationIsRefused) {
  const std::string good = GoodBytes();
  for (size_t n = 0; n < good.size(); ++n) {
    auto m = Model::FromBytes(std::string_view(good).substr(0, n));
    ASSERT_FALSE(m.ok()) << "length " << n;
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  }
  auto m = Model::FromBytes(good.substr(0, good.size() - 20));
  EXPECT_NE(m.status().message().find("truncated"), std::string::npos) << m.status().ToString();
}

TEST(ModelFileTest, EveryFlippedByteIsRefused) {
  const std::string good = GoodBytes();
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    auto m = Model::FromBytes(bad);
    ASSERT_FALSE(m.ok()) << "byte " << i;
  }
  std::string bad = good;
  bad[good.size() / 2] = static_cast<char>(bad[good.size() / 2] ^ 1);
  EXPECT_NE(Model::FromBytes(bad).status().message().find("checksum"), std::string::npos);
}

TEST(ModelFileTest, ForeignAndWrongVersionFilesAreRefused) {
  auto foreign = Model::FromBytes("PK\x03\x04 this is a zip file, not a model");
  EXPECT_NE(foreign.status().message().find("not a raincheck model"), std::string::npos);
  EXPECT_FALSE(Model::FromBytes("").ok());

  std::string v2 = GoodBytes();
  PutLe(v2, 8, 2, 2);  // major 2
  v2 = Reseal(v2.substr(0, v2.size() - kModelTrailerSize));
  auto m = Model::FromBytes(v2);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("model format version 2."), std::string::npos)
      << m.status().ToString();
  EXPECT_NE(m.status().message().find("is not supported (this reader reads 1.x)"),
            std::string::npos);
}

// Files of format 1.0 (before the KIND section) load as random forests: the fuzz corpus holds
// two written by the 1.0 writer.
// A file written by the writer before the byte coding moved to base/coding.h (format 1.1, a
// boosted model with a KIND section) loads, and the writer of today reproduces it byte for byte.
TEST(ModelFileTest, FilesWrittenBeforeAreReproducedExactly) {
  const std::string path = RAINCHECK_SOURCE_DIR "/fuzz/corpus/model/boosted_xgboost.rcf";
  auto m = Model::Load(path);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->combination().is_forest());
  auto bytes = base::ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(m->ToBytes(), *bytes);
}

TEST(ModelFileTest, Format10FilesStillLoad) {
  auto m = Model::Load(RAINCHECK_SOURCE_DIR "/fuzz/corpus/model/two_trees.rcf");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto bytes = Model::Load(RAINCHECK_SOURCE_DIR "/fuzz/corpus/model/small_trained.rcf");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_TRUE(m->combination().is_forest());
  const std::string again = m->ToBytes();
  EXPECT_EQ(again[10], 1);                           // written as 1.1 ...
  EXPECT_EQ(again.find("KIND"), std::string::npos);  // ... with no KIND: 1.0 readers load it
  std::vector<float> row(m->schema().size(), 0.5f);
  EXPECT_GE(m->PredictProba(row), 0.0);
}

Combination BoostedLogistic() {
  Combination c;
  c.aggregation = Combination::Aggregation::kSum;
  c.link = Combination::Link::kLogistic;
  c.float32_sum = true;
  c.base_score = -0.25;
  return c;
}

Result<Model> BoostedStump(const Combination& c) {
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}}))
      .SetCombination(c)
      .SetClassLabels(c.link == Combination::Link::kLogistic ? std::vector<std::string>{"0", "1"}
                                                             : std::vector<std::string>{});
  TreeArrays t = testing::StumpTree(true);
  t.leaf_value = {-1.5f, 2.25f};
  b.AddTree(t);
  b.AddTree(t);
  return b.Build();
}

// Boosted trees go through the file with their KIND: combination, base score and predictions
// come back the same.
TEST(ModelFileTest, BoostedTreesRoundTripWithTheirKind) {
  auto m = BoostedStump(BoostedLogistic());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string bytes = m->ToBytes();
  EXPECT_NE(bytes.find("KIND"), std::string::npos);
  auto back = Model::FromBytes(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->combination(), m->combination());
  const float row[] = {0.75f};
  EXPECT_EQ(back->PredictMargin(row), -0.25 + 2.25 + 2.25);
  EXPECT_EQ(back->PredictProba(row), m->PredictProba(row));
}

// A damaged KIND is refused, naming the problem, never read as a forest.
TEST(ModelFileTest, BadKindIsRefused) {
  auto m = BoostedStump(BoostedLogistic());
  ASSERT_TRUE(m.ok());
  const std::string good = m->ToBytes();
  const size_t kind = good.find("KIND") + 16;  // tag, flags, length
  auto with = [&](size_t at, char v) {
    std::string s = good;
    s[at] = v;
    return Model::FromBytes(Reseal(s.substr(0, s.size() - kModelTrailerSize)));
  };
  auto aggregation = with(kind, 7);
  ASSERT_FALSE(aggregation.ok());
  EXPECT_NE(aggregation.status().message().find("aggregation 7"), std::string::npos);
  auto link = with(kind + 1, 9);
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.status().message().find("link function 9"), std::string::npos);
  auto accumulator = with(kind + 2, 2);
  ASSERT_FALSE(accumulator.ok());
  auto forest = with(kind, 0);  // says random forest: one value per leaf does not fit
  ASSERT_FALSE(forest.ok());
  // A regression model must not carry class labels; a classifier needs two.
  Combination regression = BoostedLogistic();
  regression.link = Combination::Link::kIdentity;
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "1"}}))
      .SetCombination(regression)
      .SetClassLabels({"0", "1"});
  TreeArrays t = testing::StumpTree(true);
  t.leaf_value = {-1.5f, 2.25f};
  b.AddTree(t);
  auto labelled = b.Build();
  ASSERT_FALSE(labelled.ok());
  EXPECT_NE(labelled.status().message().find("no class labels"), std::string::npos);
}

TEST(ModelFileTest, NewerMinorVersionAndUnknownOptionalSectionsLoad) {
  std::string newer = WithExtraSection(GoodBytes(), "XTRA", 0);
  PutLe(newer, 10, 7, 2);  // minor 7
  newer = Reseal(newer.substr(0, newer.size() - kModelTrailerSize));
  auto m = Model::FromBytes(newer);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->n_trees(), 2u);
}

TEST(ModelFileTest, UnknownRequiredSectionIsRefused) {
  auto m = Model::FromBytes(WithExtraSection(GoodBytes(), "NEW!", kSectionRequired));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("NEW!"), std::string::npos);
}

TEST(ModelFileTest, DuplicateSectionIsRefused) {
  auto m = Model::FromBytes(WithExtraSection(GoodBytes(), "CARD", kSectionRequired));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("twice"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::forest
