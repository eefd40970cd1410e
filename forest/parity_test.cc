// Parity with the original Python model: the original recipe on the original Cape Town data
// must land where scikit-learn lands.
//
// The original (scikit-learn 1.2, data/capetown/README.md): label precipType=rain one day
// ahead, 12 DarkSky features, 80/20 split with seed 42, 5-fold grid search over
// n_estimators {10..500} x max_depth {8..14}; best max_depth 9, n_estimators 50; CV accuracy
// 0.825, held-out accuracy 0.836, ROC AUC 0.70.
//
// Grid: to keep this test to well under a second (release) the grid is n_estimators {50} x
// max_depth {8, 9, 10}: scikit-learn's chosen point and its neighbours. The full grid runs in
// bench/forest_vs_sklearn.py.
//
// Tolerances: a random forest's scores move with its random seed. scikit-learn itself, at the
// chosen point on the same split, over random_state 0..19, scores CV accuracy 0.793 +- 0.009
// (max 0.818), held-out accuracy 0.818 +- 0.022 (0.781..0.863) and AUC 0.707 +- 0.030
// (0.643..0.756); and 0.825 is the best of 56 grid points, an optimistic pick. So we ask for
// each number to be within about three of scikit-learn's seed-to-seed standard deviations of
// the published value: CV accuracy 0.825 +- 0.04, held-out accuracy 0.836 +- 0.05, AUC
// 0.70 +- 0.08. The split itself is exact: raincheck's random split picks the same 73 rows as
// scikit-learn's train_test_split(random_state=42) (checked here via the majority baseline,
// 0.836 on those rows, and in selection_test.cc).
#include <gtest/gtest.h>

#include "forest/pipeline.h"

namespace raincheck::forest {
namespace {

TEST(ParityTest, OriginalRecipeOnCapeTownDataMatchesScikitLearn) {
  TrainOptions o;
  o.data_path = RAINCHECK_SOURCE_DIR "/data/capetown/capetown_darksky_daily.csv";
  o.features = {
      "apparentTemperature", "cloudCover", "dewPoint",   "humidity",    "ozone",    "pressure",
      "temperature",         "uvIndex",    "visibility", "windBearing", "windGust", "windSpeed"};
  o.label = *LabelSpec::Parse("precipType=rain", 1);
  o.grid = "n_estimators=50;max_depth=8,9,10";
  o.cv = 5;
  o.cv_kind = CvKind::kRandom;
  o.test_fraction = 0.2;
  o.seed = 42;
  o.jobs = 2;
  auto model = Train(o, nullptr);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const nlohmann::json& card = model->card();

  EXPECT_EQ(card["data"]["labelled_rows"], 364);
  const nlohmann::json& ev = card["evaluation"];
  ASSERT_EQ(ev["test_rows"], 73);
  // Same held-out rows as scikit-learn: the majority class scores 61/73 on them.
  EXPECT_NEAR(ev["baselines"]["majority_class"]["accuracy"].get<double>(), 61.0 / 73.0, 1e-12);

  const nlohmann::json& sel = card["selection"];
  const double cv = sel["grid"][sel["best_index"].get<size_t>()]["mean"].get<double>();
  const double accuracy = ev["test"]["accuracy"].get<double>();
  const double auc = ev["test"]["roc_auc"].get<double>();
  RecordProperty("cv_accuracy", std::to_string(cv));
  RecordProperty("held_out_accuracy", std::to_string(accuracy));
  RecordProperty("held_out_auc", std::to_string(auc));
  EXPECT_NEAR(cv, 0.825, 0.04);
  EXPECT_NEAR(accuracy, 0.836, 0.05);
  EXPECT_NEAR(auc, 0.70, 0.08);
  // Better than chance at ranking, and a lower Brier score than the climatology forecast.
  EXPECT_GT(auc, 0.5);
  EXPECT_LT(ev["test"]["brier"].get<double>(),
            ev["baselines"]["climatology"]["brier"].get<double>());
  std::printf(
      "parity: CV accuracy %.4f (scikit-learn 0.825), held-out accuracy %.4f (0.836), "
      "AUC %.4f (0.70)\n",
      cv, accuracy, auc);
}

}  // namespace
}  // namespace raincheck::forest
