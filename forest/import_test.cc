// The importers on small hand-written models: split semantics at the threshold, missing
// values, base scores and links, feature names, and every kind of refusal.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "forest/import_common.h"
#include "forest/import_sklearn.h"
#include "forest/import_xgboost.h"

namespace raincheck::forest {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(ImportCommonTest, FloatAtOrBelowKeepsEveryFloatOnItsSide) {
  for (const double t : {0.1, -0.1, 0.5, 1e-40, -1e-40, 3.4028235677973366e38, 1e39, -1e39,
                         123456.789, 0.0, -2.5e-8}) {
    const float f = FloatAtOrBelow(t);
    EXPECT_LE(static_cast<double>(f), t) << t;
    const float next = std::nextafter(f, std::numeric_limits<float>::infinity());
    EXPECT_GT(static_cast<double>(next), t) << t;  // no float between f and t
  }
  EXPECT_EQ(FloatAtOrBelow(0.5), 0.5f);  // representable: unchanged
  EXPECT_LT(FloatAtOrBelow(0.1), 0.1f);  // 0.1f is above 0.1
}

TEST(ImportCommonTest, FloatBelowTurnsLessThanIntoAtMost) {
  for (const float t : {0.5f, -0.5f, 0.0f, 1e-45f, 1e30f, std::numeric_limits<float>::infinity()}) {
    const float f = FloatBelow(t);
    EXPECT_LT(f, t);
    EXPECT_FALSE(std::nextafter(f, std::numeric_limits<float>::infinity()) < t) << t;
  }
}

// The walk both importers share: nodes in the order reached from the root (the file's order
// does not matter), leaf slots in that order, and the same checks with the format's words.
TEST(ImportCommonTest, ReadImportedTreeWalksFromTheRootAndChecks) {
  // File order: 0 = root split on feature 1, 1 = leaf 7.5, 2 = split on feature 0, 3 and 4
  // leaves; the root's left child is node 2.
  std::vector<int64_t> left = {2, -1, 3, -1, -1}, right = {1, -1, 4, -1, -1};
  std::vector<int64_t> feature = {1, 0, 0, 0, 0};
  const std::vector<float> value = {0, 7.5f, 0, 1.5f, 2.5f};
  std::vector<std::string> calls;
  ImportedTree tree;
  tree.where = "tree 3";
  tree.malformed = "not a test model: ";
  tree.left = left;
  tree.right = right;
  tree.feature = feature;
  tree.n_features = 2;
  tree.leaf = [&](size_t i, std::vector<float>& values) {
    calls.push_back("leaf " + std::to_string(i));
    values.push_back(value[i]);
    return Status::Ok();
  };
  tree.split = [&](size_t i, float& threshold, uint8_t& missing_left) {
    calls.push_back("split " + std::to_string(i));
    threshold = static_cast<float>(i);
    missing_left = 1;
    return Status::Ok();
  };
  auto t = ReadImportedTree(tree);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(calls, (std::vector<std::string>{"split 0", "split 2", "leaf 3", "leaf 4", "leaf 1"}));
  EXPECT_EQ(t->feature, (std::vector<int32_t>{1, 0, ForestArrays::kLeaf, ForestArrays::kLeaf,
                                              ForestArrays::kLeaf}));
  EXPECT_EQ(t->threshold[1], 2.0f);
  EXPECT_EQ(t->missing_left[0], 1);
  EXPECT_EQ(t->leaf_value, (std::vector<float>{1.5f, 2.5f, 7.5f}));
  EXPECT_EQ(t->left[2], 2u);  // node 2 (file node 1, the root's right child) is the third leaf

  auto refused = [&](const std::string& words) {
    auto r = ReadImportedTree(tree);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.status().message(), "not a test model: tree 3: " + words);
  };
  right[2] = 7;
  refused("child index 7 out of range");
  right[2] = 3;
  refused("node 3 reached twice");
  right[2] = 4;
  feature[2] = 2;
  refused("split feature 2 out of range");
  feature[2] = 0;
  tree.leaf = [](size_t, std::vector<float>&) { return Status::InvalidArgument("no leaves"); };
  EXPECT_EQ(ReadImportedTree(tree).status().message(), "no leaves");  // the callback's error
}

TEST(ImportCommonTest, FeatureNamesFromTheModelTheFlagOrDefaults) {
  ImportOptions o;
  auto s = ImportedSchema({"a", "b"}, 2, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[1].name, "b");
  s = ImportedSchema({}, 3, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[2].name, "f2");
  o.features = {"x", "y"};
  s = ImportedSchema({}, 2, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)[0].name, "x");
  EXPECT_FALSE(ImportedSchema({}, 3, o).ok());          // wrong count
  EXPECT_FALSE(ImportedSchema({"a", "b"}, 2, o).ok());  // disagrees with the model
  o.features = {"x", "x"};
  EXPECT_FALSE(ImportedSchema({}, 2, o).ok());  // repeated
}

// One XGBoost tree: f0 < 0.5 goes left (leaf -0.4), else right (leaf 0.6); NaN default_left.
std::string XgbModel(const std::string& objective = "binary:logistic",
                     const std::string& base_score = "5E-1", const std::string& extra_tree = "",
                     const std::string& num_class = "0", const std::string& names = "[]") {
  return R"({"learner": {"attributes": {}, "feature_names": )" + names +
         R"(, "feature_types": [],
    "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1"},
      "tree_info": [0], "trees": [{"base_weights": [0, -0.4, 0.6], "categories": [],
        "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
        "default_left": [1, 0, 0], "id": 0, "left_children": [1, -1, -1],
        "right_children": [2, -1, -1], "split_conditions": [0.5, -0.4, 0.6],
        "split_indices": [0, 0, 0], "split_type": [0, 0, 0])" +
         extra_tree + R"(}]}, "name": "gbtree"},
    "learner_model_param": {"base_score": ")" +
         base_score + R"(", "num_class": ")" + num_class +
         R"(", "num_feature": "2", "num_target": "1"},
    "objective": {"name": ")" +
         objective + R"("}}, "version": [1, 7, 4]})";
}

double Sigmoid(double m) { return 1.0 / (1.0 + std::exp(-m)); }

TEST(ImportXgboostTest, LessThanGoesLeftAndNaNFollowsDefaultLeft) {
  auto m = ImportXgboost(XgbModel(), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->is_regression());
  EXPECT_EQ(m->class_labels().size(), 2u);
  EXPECT_EQ(m->schema()[0].name, "f0");
  const float at[] = {0.5f, 0.0f};  // equal to the threshold: not < 0.5, so right
  const float below[] = {std::nextafter(0.5f, 0.0f), 0.0f};
  const float nan[] = {kNaN, 0.0f};
  EXPECT_EQ(m->PredictMargin(at), static_cast<double>(0.6f));  // base margin logit(0.5) = 0
  EXPECT_EQ(m->PredictMargin(below), static_cast<double>(-0.4f));
  EXPECT_EQ(m->PredictMargin(nan), static_cast<double>(-0.4f));
  EXPECT_EQ(m->PredictProba(at), static_cast<double>(1.0f / (1.0f + std::exp(-0.6f))));
  EXPECT_EQ(m->card()["imported_from"]["library"], "xgboost");
  EXPECT_EQ(m->card()["imported_from"]["library_version"], "1.7.4");
}

TEST(ImportXgboostTest, BaseScoreIsAProbabilityForLogisticAndAValueForRegression) {
  auto logistic = ImportXgboost(XgbModel("binary:logistic", "3E-1"), {});
  ASSERT_TRUE(logistic.ok());
  const float at[] = {0.5f, 0.0f};
  const float base = -std::log(1.0f / 0.3f - 1.0f);  // XGBoost's float32 logit
  EXPECT_EQ(logistic->PredictMargin(at), static_cast<double>(base + 0.6f));
  auto reg = ImportXgboost(XgbModel("reg:squarederror", "2.5E0"), {});
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(reg->is_regression());
  EXPECT_TRUE(reg->class_labels().empty());
  EXPECT_EQ(reg->PredictProba(at), static_cast<double>(2.5f + 0.6f));
}

TEST(ImportXgboostTest, FeatureNamesFromTheModel) {
  auto m = ImportXgboost(XgbModel("binary:logistic", "5E-1", "", "0", R"(["temp", "rain"])"), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->schema()[1].name, "rain");
  ImportOptions o;
  o.features = {"a", "b"};
  auto clash =
      ImportXgboost(XgbModel("binary:logistic", "5E-1", "", "0", R"(["temp", "rain"])"), o);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("differs"), std::string::npos);
}

void ExpectRefused(const std::string& text, StatusCode code, const std::string& words) {
  auto m = ImportXgboost(text, {});
  ASSERT_FALSE(m.ok()) << words;
  EXPECT_EQ(m.status().code(), code) << m.status().ToString();
  EXPECT_NE(m.status().message().find(words), std::string::npos) << m.status().message();
  EXPECT_EQ(m.status().message().find('\n'), std::string::npos);  // one line
}

TEST(ImportXgboostTest, RefusesWhatItCannotPredictExactly) {
  ExpectRefused(XgbModel("multi:softprob"), StatusCode::kInvalidArgument,
                "objective 'multi:softprob' is not supported");
  ExpectRefused(XgbModel("binary:logistic", "5E-1", "", "3"), StatusCode::kInvalidArgument,
                "multi-class models (3 classes)");
  std::string categorical = XgbModel();
  const std::string numerical = R"("split_type": [0, 0, 0])";
  categorical.replace(categorical.find(numerical), numerical.size(), R"("split_type": [1, 0, 0])");
  ExpectRefused(categorical, StatusCode::kInvalidArgument, "categorical splits");
  std::string dart = XgbModel();
  dart.replace(dart.find(R"("name": "gbtree")"), 16, R"("name": "dart")");
  ExpectRefused(dart, StatusCode::kInvalidArgument, "booster 'dart' is not supported");
}

TEST(ImportXgboostTest, MalformedModelsAreCorruption) {
  std::string out_of_range = XgbModel();
  out_of_range.replace(out_of_range.find(R"("right_children": [2, -1, -1])"), 29,
                       R"("right_children": [7, -1, -1])");
  ExpectRefused(out_of_range, StatusCode::kCorruption, "child index 7 out of range");
  std::string twice = XgbModel();
  twice.replace(twice.find(R"("right_children": [2, -1, -1])"), 29,
                R"("right_children": [1, -1, -1])");
  ExpectRefused(twice, StatusCode::kCorruption, "reached twice");
  std::string feature = XgbModel();
  feature.replace(feature.find(R"("split_indices": [0, 0, 0])"), 26,
                  R"("split_indices": [5, 0, 0])");
  ExpectRefused(feature, StatusCode::kCorruption, "split feature 5 out of range");
  ExpectRefused("[1, 2]", StatusCode::kCorruption, "not a JSON object");
  ExpectRefused(R"({"learner": {}})", StatusCode::kCorruption, "no object 'learner_model_param'");
}

// Every truncation of a valid model is refused cleanly (no crash, no model).
TEST(ImportXgboostTest, EveryTruncationIsRefused) {
  const std::string text = XgbModel();
  for (size_t n = 0; n < text.size(); ++n) {
    auto m = ImportXgboost(std::string_view(text).substr(0, n), {});
    ASSERT_FALSE(m.ok()) << n;
    EXPECT_EQ(m.status().code(), StatusCode::kCorruption) << n;
  }
}

// The exporter's format: one tree, f1 <= 0.1 (float64) goes left; the float32 just above 0.1
// (0.1f) must go right, as in scikit-learn.
std::string SkModel(const std::string& combination = R"("mean", "link": "identity")",
                    const std::string& classes = R"(["dry", "rain"])",
                    const std::string& value = "[[0.5, 0.5], [0.75, 0.25], [0.0, 1.0]]") {
  return R"({"format": "raincheck-sklearn-trees", "format_version": 1,
    "estimator": "RandomForestClassifier", "sklearn_version": "1.2.1",
    "combination": )" +
         combination + R"(, "base_score": 0.25, "classes": )" + classes +
         R"(, "n_features": 2, "feature_names": ["a", "b"],
    "trees": [{"children_left": [1, -1, -1], "children_right": [2, -1, -1],
      "feature": [1, -2, -2], "threshold": [0.1, -2, -2], "missing_left": [0, 0, 0],
      "value": )" +
         value + "}]}";
}

TEST(ImportSklearnTest, AtMostThresholdInDoubleGoesLeft) {
  auto m = ImportSklearn(SkModel(), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->schema()[1].name, "b");
  EXPECT_EQ(m->class_labels()[1], "rain");
  const float above[] = {0.0f, 0.1f};  // 0.1f > 0.1
  const float below[] = {0.0f, std::nextafter(0.1f, 0.0f)};
  EXPECT_EQ(m->PredictProba(above), 1.0);
  EXPECT_EQ(m->PredictProba(below), static_cast<double>(0.25f));
}

TEST(ImportSklearnTest, GradientBoostingSumsFromTheBaseScoreThroughTheLogistic) {
  auto m = ImportSklearn(
      SkModel(R"("sum", "link": "logistic")", R"(["0", "1"])", "[[0.0], [-0.5], [1.5]]"), {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const float above[] = {0.0f, 0.1f};
  EXPECT_EQ(m->PredictMargin(above), 0.25 + 1.5);
  EXPECT_DOUBLE_EQ(m->PredictProba(above), Sigmoid(1.75));
}

TEST(ImportSklearnTest, RefusesMultiClassAndForeignFiles) {
  auto multi = ImportSklearn(SkModel(R"("mean", "link": "identity")", R"(["a", "b", "c"])",
                                     "[[0.5, 0.25, 0.25], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]"),
                             {});
  ASSERT_FALSE(multi.ok());
  EXPECT_NE(multi.status().message().find("multi-class models (3 classes)"), std::string::npos);
  auto bad_leaf = ImportSklearn(SkModel(R"("mean", "link": "identity")", R"(["a", "b"])",
                                        "[[0.5, 0.5], [0.5, 0.9], [0.0, 1.0]]"),
                                {});
  ASSERT_FALSE(bad_leaf.ok());
  EXPECT_NE(bad_leaf.status().message().find("class frequencies"), std::string::npos);
  EXPECT_FALSE(ImportSklearn(XgbModel(), {}).ok());
  const std::string text = SkModel();
  for (size_t n = 0; n < text.size(); n += 7) {
    EXPECT_FALSE(ImportSklearn(std::string_view(text).substr(0, n), {}).ok()) << n;
  }
}

// An imported model survives the model file: KIND is written and read back, predictions keep
// their bits.
TEST(ImportXgboostTest, RoundTripsThroughTheModelFile) {
  auto m = ImportXgboost(XgbModel("reg:squarederror", "2.5E0"), {});
  ASSERT_TRUE(m.ok());
  auto back = Model::FromBytes(m->ToBytes());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->combination(), m->combination());
  const float row[] = {0.7f, 0.0f};
  EXPECT_EQ(back->PredictProba(row), m->PredictProba(row));
  EXPECT_TRUE(back->is_regression());
}

}  // namespace
}  // namespace raincheck::forest
