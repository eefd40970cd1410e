// Small hand-built models for tests of the predict side.
#ifndef RAINCHECK_FOREST_TEST_MODELS_H_
#define RAINCHECK_FOREST_TEST_MODELS_H_

#include "forest/model.h"

namespace raincheck::forest::testing {

// One tree on feature "x": x <= 0.5 (NaN goes left) -> leaf {0.9, 0.1}, else -> leaf {0.2, 0.8}.
inline TreeArrays StumpTree(bool missing_left) {
  TreeArrays t;
  t.feature = {0, ForestArrays::kLeaf, ForestArrays::kLeaf};
  t.threshold = {0.5f, 0.0f, 0.0f};
  t.left = {1, 0, 1};
  t.right = {2, 0, 0};
  t.missing_left = {static_cast<uint8_t>(missing_left ? 1 : 0), 0, 0};
  t.leaf_value = {0.9f, 0.1f, 0.2f, 0.8f};
  return t;
}

// A tree on features x (0) and y (1), nodes breadth first: root (y <= 1, NaN right) -> node 1
// and leaf 2 {0.5, 0.5}; node 1 (x <= 0.5, NaN left) -> leaves 3 {0.25, 0.75} and 4
// {1.0, 0.0}.
inline TreeArrays TwoLevelTree() {
  TreeArrays t;
  t.feature = {1, 0, ForestArrays::kLeaf, ForestArrays::kLeaf, ForestArrays::kLeaf};
  t.threshold = {1.0f, 0.5f, 0.0f, 0.0f, 0.0f};
  t.left = {1, 3, 0, 1, 2};
  t.right = {2, 4, 0, 0, 0};
  t.missing_left = {0, 1, 0, 0, 0};
  t.leaf_value = {0.5f, 0.5f, 0.25f, 0.75f, 1.0f, 0.0f};
  return t;
}

// Two features ("x" degC, "y" mm); tree 0 = StumpTree(true) on x, tree 1 splits y at 2.0
// (NaN right) into {0.5, 0.5} and {0.0, 1.0}.
inline ModelBuilder TwoTreeBuilder() {
  ModelBuilder b;
  b.SetSchema(FeatureSchema(std::vector<Feature>{{"x", "degC"}, {"y", "mm"}}))
      .SetClassLabels({"dry", "rain"})
      .SetCard({{"name", "test-model"}, {"version", "7"}});
  b.AddTree(StumpTree(true));
  TreeArrays t;
  t.feature = {1, ForestArrays::kLeaf, ForestArrays::kLeaf};
  t.threshold = {2.0f, 0.0f, 0.0f};
  t.left = {1, 0, 1};
  t.right = {2, 0, 0};
  t.missing_left = {0, 0, 0};
  t.leaf_value = {0.5f, 0.5f, 0.0f, 1.0f};
  b.AddTree(t);
  return b;
}

}  // namespace raincheck::forest::testing

#endif  // RAINCHECK_FOREST_TEST_MODELS_H_
