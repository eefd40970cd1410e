#include "app/model_catalog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/test_support.h"
#include "base/file.h"

namespace raincheck::app {
namespace {

namespace fs = std::filesystem;
using testing::Home;
using testing::WithHome;

const forest::Model& Base() {
  static const forest::Model model = [] {
    auto m = forest::Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
    if (!m.ok()) std::abort();
    return std::move(m).value();
  }();
  return model;
}

ModelCatalog Catalog(std::vector<forest::Model> models) { return ModelCatalog(std::move(models)); }

TEST(OutsidePolicyTest, ParsesTheThreeNames) {
  for (OutsidePolicy p :
       {OutsidePolicy::kNearest, OutsidePolicy::kClimatology, OutsidePolicy::kRefuse}) {
    auto parsed = ParseOutsidePolicy(OutsidePolicyName(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_FALSE(ParseOutsidePolicy("closest").ok());
  EXPECT_FALSE(ParseOutsidePolicy("").ok());
}

TEST(ModelCatalogTest, ChoosesTheNearestApplyingModel) {
  const ModelCatalog c =
      Catalog({WithHome(Base(), "seattle", Home("Seattle", 47.6062, -122.3321)),
               WithHome(Base(), "new-york", Home("New York", 40.7128, -74.0060))});
  // Tacoma: 40 km from Seattle.
  ModelChoice tacoma = c.Choose(47.2529, -122.4443);
  EXPECT_EQ(tacoma.model->name(), "seattle");
  EXPECT_TRUE(tacoma.applies);
  EXPECT_NEAR(*tacoma.distance_km, 40.0, 3.0);
  // Philadelphia: 130 km from New York.
  ModelChoice philly = c.Choose(39.9526, -75.1652);
  EXPECT_EQ(philly.model->name(), "new-york");
  EXPECT_TRUE(philly.applies);
}

TEST(ModelCatalogTest, AnApplyingModelBeatsANearerOneThatDoesNot) {
  // "near" is 50 km away but claims only 10 km; "wide" is 100 km away and claims 500 km.
  const ModelCatalog c = Catalog({WithHome(Base(), "near", Home("Near", 0.0, 0.45, 10)),
                                  WithHome(Base(), "wide", Home("Wide", 0.0, -0.9, 500))});
  ModelChoice choice = c.Choose(0.0, 0.0);
  EXPECT_EQ(choice.model->name(), "wide");
  EXPECT_TRUE(choice.applies);
  EXPECT_NEAR(*choice.distance_km, 100.0, 1.0);
}

TEST(ModelCatalogTest, OutsideEveryRadiusTheNearestDoesNotApply) {
  const ModelCatalog c =
      Catalog({WithHome(Base(), "seattle", Home("Seattle", 47.6062, -122.3321)),
               WithHome(Base(), "new-york", Home("New York", 40.7128, -74.0060))});
  ModelChoice cape_town = c.Choose(-33.9249, 18.4241);
  EXPECT_EQ(cape_town.model->name(), "new-york");  // 12,550 km against 16,400 km
  EXPECT_FALSE(cape_town.applies);
  EXPECT_NEAR(*cape_town.distance_km, 12550.0, 100.0);
}

TEST(ModelCatalogTest, HomelessModelsAreUsedOnlyWhenNoModelHasAHome) {
  const ModelCatalog homeless =
      Catalog({WithHome(Base(), "a", nullptr), WithHome(Base(), "b", nullptr)});
  ModelChoice choice = homeless.Choose(10, 10);
  EXPECT_EQ(choice.model->name(), "a");
  EXPECT_FALSE(choice.applies);
  EXPECT_FALSE(choice.distance_km.has_value());

  const ModelCatalog mixed =
      Catalog({WithHome(Base(), "a", nullptr), WithHome(Base(), "far", Home("Far", -40, 170))});
  EXPECT_EQ(mixed.Choose(10, 10).model->name(), "far");
}

class ModelDirectoryTest : public ::testing::Test {
 protected:
  ModelDirectoryTest()
      : dir_(fs::temp_directory_path() /
             ("raincheck-models-" +
              std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        log_(base::LogLevel::kDebug, [this](std::string_view l) { lines_.emplace_back(l); }) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~ModelDirectoryTest() override { fs::remove_all(dir_); }

  void Save(const forest::Model& m, const std::string& file) {
    ASSERT_TRUE(m.Save((dir_ / file).string()).ok());
  }
  void Write(const std::string& file, const std::string& bytes) {
    std::ofstream(dir_ / file, std::ios::binary) << bytes;
  }
  bool Logged(std::string_view what) const {
    for (const auto& l : lines_) {
      if (l.find(what) != std::string::npos) return true;
    }
    return false;
  }

  fs::path dir_;
  std::vector<std::string> lines_;
  base::Logger log_;
};

TEST_F(ModelDirectoryTest, LoadsEveryModelFileAndIgnoresOtherFiles) {
  Save(WithHome(Base(), "seattle", Home("Seattle", 47.6, -122.3)), "seattle.rcf");
  Save(WithHome(Base(), "new-york", Home("New York", 40.7, -74.0)), "new-york.rcf");
  Write("seattle.card.md", "# a card, not a model\n");
  Write("notes.txt", "hello");
  fs::create_directories(dir_ / "old.rcf");  // a directory named like a model is not one
  auto c = ModelCatalog::LoadDirectory(dir_.string(), false, log_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(c->models()[0].name(), "new-york");  // name order
  EXPECT_EQ(c->models()[1].name(), "seattle");
}

TEST_F(ModelDirectoryTest, ACorruptOrForeignModelFileFailsNamingIt) {
  Save(WithHome(Base(), "seattle", Home("Seattle", 47.6, -122.3)), "seattle.rcf");
  Write("broken.rcf", "PK\x03\x04 this is a zip, not a model");
  auto c = ModelCatalog::LoadDirectory(dir_.string(), false, log_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("broken.rcf"), std::string::npos) << c.status().message();
}

TEST_F(ModelDirectoryTest, SkipBadSkipsWithAWarning) {
  Save(WithHome(Base(), "seattle", Home("Seattle", 47.6, -122.3)), "seattle.rcf");
  Write("broken.rcf", "RCFOREST truncated");
  auto c = ModelCatalog::LoadDirectory(dir_.string(), true, log_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->size(), 1u);
  EXPECT_TRUE(Logged("model file skipped"));
  EXPECT_TRUE(Logged("broken.rcf"));
}

TEST_F(ModelDirectoryTest, TwoModelsWithTheSameHomeKeepTheNewerOne) {
  Save(WithHome(Base(), "seattle-newer", Home("Seattle", 47.6062, -122.3321)), "a.rcf");
  Save(WithHome(Base(), "seattle-older", Home("Seattle", 47.6065, -122.3325)), "b.rcf");
  // The first file by name is the newer one, so neither order nor name decides.
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(dir_ / "a.rcf", now);
  fs::last_write_time(dir_ / "b.rcf", now - std::chrono::hours(24));
  auto c = ModelCatalog::LoadDirectory(dir_.string(), false, log_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ(c->models()[0].name(), "seattle-newer");
  EXPECT_TRUE(Logged("two models share a home"));
  EXPECT_TRUE(Logged("b.rcf"));
}

TEST_F(ModelDirectoryTest, FindsAModelByItsCardNameOrItsFileName) {
  Save(WithHome(Base(), "seattle-daily", Home("Seattle", 47.6, -122.3)), "seattle.rcf");
  Save(WithHome(Base(), "new-york-daily", Home("New York", 40.7, -74.0)), "new-york.rcf");
  auto c = ModelCatalog::LoadDirectory(dir_.string(), false, log_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_NE(c->Find("seattle-daily"), nullptr);
  EXPECT_EQ(c->Find("seattle-daily")->name(), "seattle-daily");
  ASSERT_NE(c->Find("seattle"), nullptr);  // the file's name
  EXPECT_EQ(c->Find("seattle")->name(), "seattle-daily");
  EXPECT_EQ(c->Find("new-york")->name(), "new-york-daily");
  EXPECT_EQ(c->FileName(0), "new-york");
  EXPECT_EQ(c->Find("seattle.rcf"), nullptr);
  EXPECT_EQ(c->Find("Seattle-Daily"), nullptr);  // names are exact
  EXPECT_EQ(c->Find(""), nullptr);
}

TEST(ModelCatalogTest, ACatalogBuiltInMemoryFindsByCardNameOnly) {
  ModelCatalog c({WithHome(Base(), "a", nullptr), WithHome(Base(), "", nullptr)});
  EXPECT_EQ(c.Find("a"), &c.models()[0]);
  EXPECT_EQ(c.Find(""), nullptr);  // a model without a name is not found by ""
  EXPECT_EQ(c.FileName(1), "");
}

TEST_F(ModelDirectoryTest, EmptyOrMissingDirectoryIsNotFound) {
  auto empty = ModelCatalog::LoadDirectory(dir_.string(), false, log_);
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
  auto missing = ModelCatalog::LoadDirectory((dir_ / "nope").string(), false, log_);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace raincheck::app
