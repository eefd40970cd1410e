// Black-box tests of `raincheck train --home`, `raincheck inspect` showing the home and
// `raincheck models ls` (text and --json) on a directory with two models and a damaged file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/env.h"
#include "forest/model.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using testing::RunProcess;

const std::string kCapeTownCsv = RAINCHECK_SOURCE_DIR "/data/capetown/capetown_darksky_daily.csv";

class ModelsCliTest : public ::testing::Test {
 protected:
  ModelsCliTest()
      : dir_(std::filesystem::temp_directory_path() / ("rc-models-" + base::NewUuid())) {
    std::filesystem::create_directories(dir_ / "models");
  }
  ~ModelsCliTest() override { std::filesystem::remove_all(dir_); }

  // A small model of the Cape Town CSV; `extra` adds flags (--home ...).
  testing::ProcessResult Train(const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> argv = {BinaryPath("raincheck"),
                                     "train",
                                     "--data",
                                     kCapeTownCsv,
                                     "--features",
                                     "humidity,pressure,cloudCover",
                                     "--label",
                                     "precipType=rain",
                                     "--label-ahead",
                                     "1",
                                     "--grid",
                                     "n_estimators=10 max_depth=4",
                                     "--cv",
                                     "0",
                                     "--cv-kind",
                                     "time",
                                     "--out",
                                     out};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }

  std::string Model(const std::string& name) const { return (dir_ / "models" / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(ModelsCliTest, HomeIsWrittenToTheCardAndShownByInspect) {
  auto r = Train(Model("cape.rcf"), {"--home", "Cape Town, South Africa,-33.9258,18.4232",
                                     "--applies-within-km", "150", "--name", "cape"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("home: Cape Town, South Africa"), std::string::npos) << r.out;

  auto model = forest::Model::Load(Model("cape.rcf"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE(model->info().home.has_value());
  const forest::ModelHome& home = *model->info().home;
  EXPECT_EQ(home.name, "Cape Town, South Africa");
  EXPECT_DOUBLE_EQ(home.latitude, -33.9258);
  EXPECT_DOUBLE_EQ(home.longitude, 18.4232);
  EXPECT_DOUBLE_EQ(home.applies_within_km, 150.0);
  EXPECT_EQ(home.source, "csv:capetown_darksky_daily.csv");
  EXPECT_EQ(home.from, "2018-08-07");  // the CSV's first and last dates
  EXPECT_EQ(home.to, "2019-08-06");

  auto inspect = RunProcess({BinaryPath("raincheck"), "inspect", Model("cape.rcf")});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("## Home"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("Cape Town, South Africa (-33.9258, 18.4232)"), std::string::npos);
  EXPECT_NE(inspect.out.find("applies within: 150 km"), std::string::npos);
  EXPECT_NE(inspect.out.find("2018-08-07 to 2019-08-06"), std::string::npos);
  EXPECT_NE(inspect.out.find("csv:capetown_darksky_daily.csv"), std::string::npos);
  EXPECT_NE(inspect.out.find("Brier skill score"), std::string::npos);
  auto card = RunProcess({BinaryPath("raincheck"), "inspect", "--json", Model("cape.rcf")});
  ASSERT_EQ(card.exit_code, 0);
  EXPECT_EQ(json::parse(card.out)["home"]["applies_within_km"], 150.0);
}

TEST_F(ModelsCliTest, BadHomeFlagsAreUsageErrors) {
  auto bad = Train(Model("bad.rcf"), {"--home", "Nowhere,95,10"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("latitude"), std::string::npos) << bad.err;
  auto shape = Train(Model("bad.rcf"), {"--home", "Nowhere"});
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_NE(shape.err.find("NAME,LATITUDE,LONGITUDE"), std::string::npos) << shape.err;
  auto radius = Train(Model("bad.rcf"), {"--applies-within-km", "50"});
  EXPECT_EQ(radius.exit_code, 2);
  EXPECT_NE(radius.err.find("--home"), std::string::npos) << radius.err;
  auto zero = Train(Model("bad.rcf"), {"--home", "A,1,2", "--applies-within-km", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(Model("bad.rcf")));
  // A data problem is not a usage error.
  auto missing = RunProcess({BinaryPath("raincheck"), "train", "--data", kCapeTownCsv, "--features",
                             "no_such_column", "--label", "rain", "--out", Model("bad.rcf")});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("no_such_column"), std::string::npos) << missing.err;
}

TEST_F(ModelsCliTest, LsListsEveryModelSortedWithItsErrors) {
  ASSERT_EQ(Train(Model("b-cape.rcf"), {"--home", "Cape Town,-33.9258,18.4232", "--name", "cape"})
                .exit_code,
            0);
  ASSERT_EQ(Train(Model("a-nohome.rcf"), {"--name", "nohome"}).exit_code, 0);
  std::ofstream(Model("c-broken.rcf"), std::ios::binary) << "not a model at all";
  std::ofstream(Model("notes.txt"), std::ios::binary) << "ignored";

  auto text = RunProcess({BinaryPath("raincheck"), "models", "ls", (dir_ / "models").string()});
  EXPECT_EQ(text.exit_code, 1) << text.err;  // one file failed to load
  const size_t a = text.out.find("a-nohome.rcf"), b = text.out.find("b-cape.rcf"),
               c = text.out.find("c-broken.rcf");
  ASSERT_NE(a, std::string::npos) << text.out;
  ASSERT_NE(b, std::string::npos) << text.out;
  ASSERT_NE(c, std::string::npos) << text.out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(text.out.find("notes.txt"), std::string::npos);
  const std::string cape_line = text.out.substr(b, text.out.find('\n', b) - b);
  EXPECT_NE(cape_line.find("Cape Town (-33.9258, 18.4232)"), std::string::npos) << cape_line;
  EXPECT_NE(cape_line.find("300 km"), std::string::npos) << cape_line;
  EXPECT_NE(cape_line.find("2018-08-07 to 2019-08-06"), std::string::npos) << cape_line;
  EXPECT_NE(text.out.substr(c).find("error: "), std::string::npos) << text.out;

  auto js =
      RunProcess({BinaryPath("raincheck"), "models", "ls", "--json", (dir_ / "models").string()});
  EXPECT_EQ(js.exit_code, 1);
  const json list = json::parse(js.out);
  ASSERT_EQ(list.size(), 3u);
  for (const json& e : list) {
    for (const char* key : {"file", "name", "version", "home", "applies_within_km", "from", "to",
                            "roc_auc", "brier_skill_score", "error"}) {
      EXPECT_TRUE(e.contains(key)) << key << " in " << e.dump();
    }
  }
  EXPECT_EQ(list[0]["file"], "a-nohome.rcf");
  EXPECT_TRUE(list[0]["home"].is_null());
  EXPECT_TRUE(list[0]["error"].is_null());
  EXPECT_EQ(list[1]["name"], "cape");
  EXPECT_EQ(list[1]["home"]["name"], "Cape Town");
  EXPECT_EQ(list[1]["applies_within_km"], 300.0);
  EXPECT_EQ(list[1]["from"], "2018-08-07");
  EXPECT_TRUE(list[1]["roc_auc"].is_number());
  EXPECT_TRUE(list[1]["brier_skill_score"].is_number());
  EXPECT_EQ(list[2]["file"], "c-broken.rcf");
  EXPECT_TRUE(list[2]["error"].is_string());
  EXPECT_TRUE(list[2]["name"].is_null());

  // Without the damaged file every model loads: exit 0.
  std::filesystem::remove(Model("c-broken.rcf"));
  EXPECT_EQ(
      RunProcess({BinaryPath("raincheck"), "models", "ls", (dir_ / "models").string()}).exit_code,
      0);
  EXPECT_EQ(
      RunProcess({BinaryPath("raincheck"), "models", "ls", (dir_ / "nope").string()}).exit_code, 1);
  // Without DIR: the directory the function would serve from.
  auto from_env = RunProcess({BinaryPath("raincheck"), "models", "ls"}, "",
                             {{"RAINCHECK_MODELS", (dir_ / "models").string()}});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_NE(from_env.out.find("b-cape.rcf"), std::string::npos) << from_env.out;
}

}  // namespace
}  // namespace raincheck
