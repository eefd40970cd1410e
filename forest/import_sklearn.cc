#include "forest/import_sklearn.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace raincheck::forest {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "raincheck-sklearn-trees";
constexpr int kFormatVersion = 1;

constexpr const char* kMalformed = "not a model written by scripts/export_sklearn.py: ";

Status Malformed(const std::string& what) { return Status::Corruption(kMalformed + what); }

template <typename T>
Status Numbers(const Json& tree, const char* key, size_t n, const std::string& where,
               std::vector<T>& out) {
  auto it = tree.find(key);
  if (it == tree.end() || !it->is_array())
    return Malformed("no array '" + std::string(key) + "' in " + where);
  if (it->size() != n) {
    return Malformed(where + " has " + std::to_string(it->size()) + " " + key + " for " +
                     std::to_string(n) + " nodes");
  }
  out.clear();
  out.reserve(n);
  for (const Json& v : *it) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) return Malformed(where + "." + key + " holds a non-number");
    } else {
      if (!v.is_number_integer()) return Malformed(where + "." + key + " holds a non-integer");
    }
    out.push_back(v.get<T>());
  }
  return Status::Ok();
}

Result<TreeArrays> ReadTree(const Json& tree, size_t t, size_t n_features, size_t width) {
  const std::string where = "tree " + std::to_string(t);
  if (!tree.is_object()) return Malformed(where + " is not an object");
  auto left_it = tree.find("children_left");
  if (left_it == tree.end() || !left_it->is_array() || left_it->empty()) {
    return Malformed("no array 'children_left' in " + where);
  }
  const size_t n = left_it->size();
  std::vector<int64_t> left, right, feature, missing_left;
  std::vector<double> threshold;
  RC_RETURN_IF_ERROR(Numbers(tree, "children_left", n, where, left));
  RC_RETURN_IF_ERROR(Numbers(tree, "children_right", n, where, right));
  RC_RETURN_IF_ERROR(Numbers(tree, "feature", n, where, feature));
  RC_RETURN_IF_ERROR(Numbers(tree, "threshold", n, where, threshold));
  RC_RETURN_IF_ERROR(Numbers(tree, "missing_left", n, where, missing_left));
  auto value = tree.find("value");
  if (value == tree.end() || !value->is_array() || value->size() != n) {
    return Malformed(where + " has no 'value' per node");
  }
  ImportedTree in;
  in.where = where;
  in.malformed = kMalformed;
  in.left = left;
  in.right = right;
  in.feature = feature;
  in.n_features = n_features;
  in.leaf = [&](size_t i, std::vector<float>& values) -> Status {
    const Json& v = (*value)[i];
    if (!v.is_array() || v.size() != width) {
      return Malformed(where + ": leaf " + std::to_string(i) + " has not " + std::to_string(width) +
                       " values");
    }
    for (const Json& x : v) {
      if (!x.is_number() || !std::isfinite(x.get<double>())) {
        return Malformed(where + ": leaf " + std::to_string(i) + " has a non-finite value");
      }
      values.push_back(static_cast<float>(x.get<double>()));
    }
    return Status::Ok();
  };
  in.split = [&](size_t i, float& below, uint8_t& missing) -> Status {
    if (std::isnan(threshold[i])) return Malformed(where + ": threshold is NaN");
    if (missing_left[i] != 0 && missing_left[i] != 1) {
      return Malformed(where + ": missing_left is not 0 or 1");
    }
    below = FloatAtOrBelow(threshold[i]);
    missing = static_cast<uint8_t>(missing_left[i]);
    return Status::Ok();
  };
  return ReadImportedTree(in);
}

std::string StringOr(const Json& doc, const char* key, const std::string& fallback) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

Result<Model> ImportSklearn(std::string_view json_text, const ImportOptions& options) {
  const Json doc = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Status::Corruption(
        "the exported scikit-learn model is not valid JSON (truncated or "
        "damaged?)");
  }
  if (!doc.is_object() || StringOr(doc, "format", "") != kFormat) {
    return Malformed("no \"format\": \"" + std::string(kFormat) + "\"");
  }
  auto version = doc.find("format_version");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kFormatVersion) {
    return Status::InvalidArgument(
        "export format version " +
        (version == doc.end() ? std::string("(none)") : version->dump()) +
        " is not supported (this reader reads version 1)");
  }
  const std::string estimator = StringOr(doc, "estimator", "");
  const std::string combination = StringOr(doc, "combination", "");
  const std::string link = StringOr(doc, "link", "");

  std::vector<std::string> classes;
  if (auto it = doc.find("classes"); it != doc.end() && it->is_array()) {
    for (const Json& c : *it) {
      if (!c.is_string()) return Malformed("'classes' holds a non-string");
      classes.push_back(c.get<std::string>());
    }
  } else {
    return Malformed("no array 'classes'");
  }
  Combination c;
  size_t width = 1;
  if (combination == "mean" && link == "identity") {
    if (classes.size() != 2) {
      return Status::InvalidArgument("multi-class models (" + std::to_string(classes.size()) +
                                     " classes) are not supported");
    }
    width = classes.size();
  } else if (combination == "sum" && (link == "logistic" || link == "identity")) {
    c.aggregation = Combination::Aggregation::kSum;
    c.link = link == "logistic" ? Combination::Link::kLogistic : Combination::Link::kIdentity;
    if (c.link == Combination::Link::kLogistic && classes.size() != 2) {
      return Status::InvalidArgument("multi-class models (" + std::to_string(classes.size()) +
                                     " classes) are not supported");
    }
    if (c.link == Combination::Link::kIdentity) classes.clear();
    auto base = doc.find("base_score");
    if (base == doc.end() || !base->is_number() || !std::isfinite(base->get<double>())) {
      return Malformed("no finite 'base_score'");
    }
    c.base_score = base->get<double>();
  } else {
    return Status::InvalidArgument("combination '" + combination + "' with link '" + link +
                                   "' is not supported (mean/identity or sum/logistic)");
  }

  auto n_features = doc.find("n_features");
  if (n_features == doc.end() || !n_features->is_number_unsigned() ||
      n_features->get<uint64_t>() == 0 || n_features->get<uint64_t>() > (1u << 24)) {
    return Malformed("no positive 'n_features'");
  }
  const auto n = static_cast<size_t>(n_features->get<uint64_t>());
  std::vector<std::string> names;
  if (auto it = doc.find("feature_names"); it != doc.end() && it->is_array()) {
    for (const Json& name : *it) {
      if (!name.is_string()) return Malformed("'feature_names' holds a non-string");
      names.push_back(name.get<std::string>());
    }
  }
  auto schema = ImportedSchema(names, n, options);
  if (!schema.ok()) return schema.status();

  auto trees = doc.find("trees");
  if (trees == doc.end() || !trees->is_array() || trees->empty()) return Malformed("no trees");
  ModelBuilder builder;
  builder.SetSchema(*schema).SetCombination(c).SetClassLabels(classes);
  for (size_t t = 0; t < trees->size(); ++t) {
    auto arrays = ReadTree((*trees)[t], t, n, width);
    if (!arrays.ok()) return arrays.status();
    builder.AddTree(*arrays);
  }
  const std::string sklearn_version = StringOr(doc, "sklearn_version", "");
  const std::string description = (estimator.empty() ? std::string("Trees") : estimator) +
                                  " imported from scikit-learn" +
                                  (sklearn_version.empty() ? "" : " " + sklearn_version) + " (" +
                                  std::to_string(trees->size()) + " trees).";
  nlohmann::json source = {{"library", "scikit-learn"},
                           {"library_version", sklearn_version},
                           {"estimator", estimator},
                           {"trees", trees->size()}};
  if (!c.is_forest()) source["base_score"] = c.base_score;
  builder.SetCard(ImportedCard(options, *schema, description, std::move(source)));
  auto built = builder.Build();
  if (!built.ok()) return Malformed(built.status().message());
  return built;
}

}  // namespace raincheck::forest
