#include "forest/import_common.h"

#include <cmath>
#include <limits>
#include <set>
#include <utility>
#include <vector>

namespace raincheck::forest {

float FloatAtOrBelow(double t) {
  constexpr double kMax = static_cast<double>(std::numeric_limits<float>::max());
  if (t > kMax) return std::numeric_limits<float>::max();  // every finite float, not +inf
  if (t < -kMax) return -std::numeric_limits<float>::infinity();
  auto f = static_cast<float>(t);  // round to nearest: may land above t
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

float FloatBelow(float t) { return std::nextafter(t, -std::numeric_limits<float>::infinity()); }

Result<TreeArrays> ReadImportedTree(const ImportedTree& tree) {
  auto malformed = [&](const std::string& what) {
    return Status::Corruption(tree.malformed + tree.where + ": " + what);
  };
  const size_t n = tree.left.size();
  TreeArrays out;
  std::vector<uint8_t> reached(n, 0);
  std::vector<std::pair<int64_t, uint32_t>> stack{{0, out.AddNode()}};  // (file index, node)
  uint32_t leaves = 0;
  while (!stack.empty()) {
    const auto [fi, ni] = stack.back();
    stack.pop_back();
    if (fi < 0 || static_cast<size_t>(fi) >= n) {
      return malformed("child index " + std::to_string(fi) + " out of range");
    }
    const auto i = static_cast<size_t>(fi);
    if (reached[i] != 0) return malformed("node " + std::to_string(i) + " reached twice");
    reached[i] = 1;
    if (tree.left[i] == -1) {
      RC_RETURN_IF_ERROR(tree.leaf(i, out.leaf_value));
      out.left[ni] = leaves++;
      continue;
    }
    if (tree.feature[i] < 0 || static_cast<size_t>(tree.feature[i]) >= tree.n_features) {
      return malformed("split feature " + std::to_string(tree.feature[i]) + " out of range");
    }
    float threshold = 0;
    uint8_t missing_left = 0;
    RC_RETURN_IF_ERROR(tree.split(i, threshold, missing_left));
    out.feature[ni] = static_cast<int32_t>(tree.feature[i]);
    out.threshold[ni] = threshold;
    out.missing_left[ni] = missing_left;
    const uint32_t l = out.AddNode();
    const uint32_t r = out.AddNode();
    out.left[ni] = l;
    out.right[ni] = r;
    stack.emplace_back(tree.right[i], r);
    stack.emplace_back(tree.left[i], l);
  }
  return out;
}

namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out.push_back(',');
    out.append(n);
  }
  return out;
}

Status CheckNames(const std::vector<std::string>& names, size_t n, const char* whose) {
  if (names.size() != n) {
    return Status::InvalidArgument(std::string(whose) + " " + std::to_string(names.size()) +
                                   " feature names for a model of " + std::to_string(n) +
                                   " features");
  }
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (name.empty()) return Status::InvalidArgument(std::string(whose) + " an empty feature name");
    if (!seen.insert(name).second) {
      return Status::InvalidArgument(std::string(whose) + " feature '" + name + "' twice");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<FeatureSchema> ImportedSchema(const std::vector<std::string>& model_names, size_t n,
                                     const ImportOptions& options) {
  if (n == 0) return Status::InvalidArgument("the model has no features");
  std::vector<std::string> names;
  if (!model_names.empty()) {
    RC_RETURN_IF_ERROR(CheckNames(model_names, n, "the model has"));
    if (!options.features.empty() && options.features != model_names) {
      return Status::InvalidArgument("--features (" + JoinNames(options.features) +
                                     ") differs from the model's own feature names (" +
                                     JoinNames(model_names) + ")");
    }
    names = model_names;
  } else if (!options.features.empty()) {
    RC_RETURN_IF_ERROR(CheckNames(options.features, n, "--features gives"));
    names = options.features;
  } else {
    for (size_t i = 0; i < n; ++i) {
      // XGBoost's own names; built by insert: GCC 12 warns (-Wrestrict) about "f" + string.
      std::string name = std::to_string(i);
      name.insert(0, 1, 'f');
      names.push_back(std::move(name));
    }
  }
  std::vector<Feature> features;
  features.reserve(names.size());
  for (std::string& name : names) features.push_back({std::move(name), ""});
  return FeatureSchema(std::move(features));
}

nlohmann::json ImportedCard(const ImportOptions& options, const FeatureSchema& schema,
                            const std::string& description, nlohmann::json source) {
  nlohmann::json features = nlohmann::json::array();
  for (const Feature& f : schema.features())
    features.push_back({{"name", f.name}, {"unit", f.unit}});
  source["file"] = options.source_file;
  // "data" and "provenance" are what `raincheck inspect` shows of a card's origin.
  return {{"name", options.name},
          {"data", {{"file", options.source_file}}},
          {"provenance", source},
          {"version", ""},
          {"description", description},
          {"created_by", "raincheck import"},
          {"features", std::move(features)},
          {"imported_from", std::move(source)}};
}

}  // namespace raincheck::forest
