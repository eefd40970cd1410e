#include "forest/import_xgboost.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace raincheck::forest {
namespace {

// XGBoost writes its floats (thresholds, leaf values) as the shortest decimal that reads back
// as the same float32: parsed straight to float (strtof), not through double, they come back
// bit for bit (a double would round a second time).
using Json = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t,
                                  std::uint64_t, float>;

constexpr const char* kMalformed = "not a well-formed XGBoost JSON model: ";

Status Malformed(const std::string& what) { return Status::Corruption(kMalformed + what); }

Result<const Json*> Object(const Json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_object()) {
    return Malformed("no object '" + std::string(key) + "' in " + where);
  }
  return &*it;
}

Result<const Json*> Array(const Json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_array()) {
    return Malformed("no array '" + std::string(key) + "' in " + where);
  }
  return &*it;
}

// XGBoost stores its model parameters as strings ("5E-1", "100").
Result<std::string> StringParam(const Json& parent, const char* key, const std::string& where) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_string()) {
    return Malformed("no string '" + std::string(key) + "' in " + where);
  }
  return it->get<std::string>();
}

Result<long long> IntParam(const Json& parent, const char* key, const std::string& where) {
  auto s = StringParam(parent, key, where);
  if (!s.ok()) return s.status();
  char* end = nullptr;
  const long long v = std::strtoll(s->c_str(), &end, 10);
  if (s->empty() || *end != '\0' || v < 0 || v > (1ll << 31)) {
    return Malformed(where + "." + key + " is not a count: '" + *s + "'");
  }
  return v;
}

// One array of a tree as numbers of type T (integers checked to be integers).
template <typename T>
Status Numbers(const Json& tree, const char* key, size_t n, size_t t, std::vector<T>& out) {
  const std::string where = "tree " + std::to_string(t);
  auto a = Array(tree, key, where);
  if (!a.ok()) return a.status();
  if ((*a)->size() != n) {
    return Malformed(where + " has " + std::to_string((*a)->size()) + " " + key + " for " +
                     std::to_string(n) + " nodes");
  }
  out.clear();
  out.reserve(n);
  for (const Json& v : **a) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) return Malformed(where + "." + key + " holds a non-number");
      out.push_back(v.template get<T>());
    } else {
      if (v.is_boolean()) {  // default_left is a list of booleans in some versions
        out.push_back(static_cast<T>(v.template get<bool>() ? 1 : 0));
      } else if (v.is_number_integer()) {
        out.push_back(v.template get<T>());
      } else {
        return Malformed(where + "." + key + " holds a non-integer");
      }
    }
  }
  return Status::Ok();
}

// Tree `t` of the model, read from the root: the nodes in the order they are reached,
// children after their parents (what ModelBuilder::AddTree takes), so node numbering and
// deleted (unreachable) nodes of the file do not matter.
Result<TreeArrays> ReadTree(const Json& tree, size_t t, size_t n_features) {
  const std::string where = "tree " + std::to_string(t);
  auto left_a = Array(tree, "left_children", where);
  if (!left_a.ok()) return left_a.status();
  const size_t n = (*left_a)->size();
  if (n == 0) return Malformed(where + " has no nodes");
  std::vector<int64_t> left, right, split_index, default_left, split_type;
  std::vector<float> cond;
  RC_RETURN_IF_ERROR(Numbers(tree, "left_children", n, t, left));
  RC_RETURN_IF_ERROR(Numbers(tree, "right_children", n, t, right));
  RC_RETURN_IF_ERROR(Numbers(tree, "split_indices", n, t, split_index));
  RC_RETURN_IF_ERROR(Numbers(tree, "default_left", n, t, default_left));
  RC_RETURN_IF_ERROR(Numbers(tree, "split_conditions", n, t, cond));
  if (tree.contains("split_type")) {
    RC_RETURN_IF_ERROR(Numbers(tree, "split_type", n, t, split_type));
  }
  auto cats = tree.find("categories_nodes");
  if (cats != tree.end() && cats->is_array() && !cats->empty()) {
    return Status::InvalidArgument(where +
                                   " has categorical splits, which raincheck does not "
                                   "import (train with numerical features)");
  }
  ImportedTree in;
  in.where = where;
  in.malformed = kMalformed;
  in.left = left;
  in.right = right;
  in.feature = split_index;
  in.n_features = n_features;
  in.leaf = [&](size_t i, std::vector<float>& values) -> Status {
    if (!std::isfinite(cond[i])) return Malformed(where + ": leaf value is not finite");
    values.push_back(cond[i]);
    return Status::Ok();
  };
  in.split = [&](size_t i, float& threshold, uint8_t& missing) -> Status {
    if (!split_type.empty() && split_type[i] != 0) {
      return Status::InvalidArgument(where +
                                     " has categorical splits, which raincheck does not "
                                     "import (train with numerical features)");
    }
    // `x < t` for every float x is `x <= FloatBelow(t)`; NaN follows default_left either way.
    // No float is below -inf, so such a split (which XGBoost never makes) is refused.
    if (std::isnan(cond[i]) || cond[i] == -std::numeric_limits<float>::infinity()) {
      return Malformed(where + ": split condition is NaN or -inf");
    }
    if (default_left[i] != 0 && default_left[i] != 1) {
      return Malformed(where + ": default_left is not 0 or 1");
    }
    threshold = FloatBelow(cond[i]);
    missing = static_cast<uint8_t>(default_left[i]);
    return Status::Ok();
  };
  return ReadImportedTree(in);
}

}  // namespace

Result<Model> ImportXgboost(std::string_view json_text, const ImportOptions& options) {
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {
    const bool binary = !json_text.empty() && json_text.front() != '{' &&
                        json_text.front() != ' ' && json_text.front() != '\n';
    return Status::Corruption(std::string("the XGBoost model is not valid JSON") +
                              (binary ? " (a UBJSON or binary model? save it as .json)" : "") +
                              ": " + e.what());
  }
  if (!doc.is_object()) return Malformed("the document is not a JSON object");
  auto learner = Object(doc, "learner", "the document");
  if (!learner.ok()) return learner.status();
  const Json& l = **learner;

  auto mparam = Object(l, "learner_model_param", "learner");
  if (!mparam.ok()) return mparam.status();
  auto num_class = IntParam(**mparam, "num_class", "learner_model_param");
  if (!num_class.ok()) return num_class.status();
  if (*num_class > 1) {
    return Status::InvalidArgument("multi-class models (" + std::to_string(*num_class) +
                                   " classes) are not supported");
  }
  if (mparam.value()->contains("num_target")) {
    auto num_target = IntParam(**mparam, "num_target", "learner_model_param");
    if (!num_target.ok()) return num_target.status();
    if (*num_target > 1) {
      return Status::InvalidArgument("multi-target models (" + std::to_string(*num_target) +
                                     " targets) are not supported");
    }
  }
  // The objective decides the link.
  auto objective_obj = Object(l, "objective", "learner");
  if (!objective_obj.ok()) return objective_obj.status();
  auto objective = StringParam(**objective_obj, "name", "learner.objective");
  if (!objective.ok()) return objective.status();
  Combination c;
  c.aggregation = Combination::Aggregation::kSum;
  c.float32_sum = true;
  std::vector<std::string> labels;
  if (*objective == "binary:logistic") {
    c.link = Combination::Link::kLogistic;
    labels = {"0", "1"};
  } else if (*objective == "reg:squarederror" || *objective == "reg:linear") {
    c.link = Combination::Link::kIdentity;
  } else {
    return Status::InvalidArgument("objective '" + *objective +
                                   "' is not supported (raincheck imports binary:logistic and "
                                   "reg:squarederror)");
  }

  auto num_feature = IntParam(**mparam, "num_feature", "learner_model_param");
  if (!num_feature.ok()) return num_feature.status();
  auto base_text = StringParam(**mparam, "base_score", "learner_model_param");
  if (!base_text.ok()) return base_text.status();
  char* end = nullptr;
  const float base = std::strtof(base_text->c_str(), &end);
  if (base_text->empty() || *end != '\0' || !std::isfinite(base)) {
    return Malformed("base_score is not a number: '" + *base_text + "'");
  }
  // XGBoost keeps base_score as a probability for binary:logistic and starts from its logit,
  // computed in float32 as it does.
  if (c.link == Combination::Link::kLogistic) {
    if (!(base > 0.0f && base < 1.0f)) {
      return Malformed("base_score " + *base_text + " of binary:logistic is not in (0, 1)");
    }
    c.base_score = static_cast<double>(-std::log(1.0f / base - 1.0f));
  } else {
    c.base_score = static_cast<double>(base);
  }

  // Feature names (an empty list when the model was trained without them).
  std::vector<std::string> names;
  if (auto it = l.find("feature_names"); it != l.end() && it->is_array()) {
    for (const Json& n : *it) {
      if (!n.is_string()) return Malformed("learner.feature_names holds a non-string");
      names.push_back(n.get<std::string>());
    }
  }
  if (auto it = l.find("feature_types"); it != l.end() && it->is_array()) {
    for (const Json& ty : *it) {
      if (ty.is_string() && ty.get<std::string>() == "c") {
        return Status::InvalidArgument(
            "the model has categorical features, which raincheck "
            "does not import (train with numerical features)");
      }
    }
  }
  auto schema = ImportedSchema(names, static_cast<size_t>(*num_feature), options);
  if (!schema.ok()) return schema.status();

  auto booster = Object(l, "gradient_booster", "learner");
  if (!booster.ok()) return booster.status();
  auto booster_name = StringParam(**booster, "name", "learner.gradient_booster");
  if (!booster_name.ok()) return booster_name.status();
  if (*booster_name != "gbtree") {
    return Status::InvalidArgument("booster '" + *booster_name +
                                   "' is not supported (raincheck imports gbtree)");
  }
  auto model = Object(**booster, "model", "gradient_booster");
  if (!model.ok()) return model.status();
  auto trees = Array(**model, "trees", "gradient_booster.model");
  if (!trees.ok()) return trees.status();
  if ((*trees)->empty()) return Malformed("the model has no trees");
  long long parallel = 1;
  if (auto gparam = Object(**model, "gbtree_model_param", "gradient_booster.model"); gparam.ok()) {
    auto num_trees = IntParam(**gparam, "num_trees", "gbtree_model_param");
    if (!num_trees.ok()) return num_trees.status();
    if (static_cast<size_t>(*num_trees) != (*trees)->size()) {
      return Malformed("gbtree_model_param.num_trees says " + std::to_string(*num_trees) +
                       " but there are " + std::to_string((*trees)->size()) + " trees");
    }
    if (gparam.value()->contains("num_parallel_tree")) {
      auto p = IntParam(**gparam, "num_parallel_tree", "gbtree_model_param");
      if (!p.ok()) return p.status();
      parallel = *p;
    }
  }

  ModelBuilder builder;
  builder.SetSchema(*schema).SetCombination(c).SetClassLabels(labels);
  for (size_t t = 0; t < (*trees)->size(); ++t) {
    const Json& tree = (**trees)[t];
    if (!tree.is_object()) return Malformed("tree " + std::to_string(t) + " is not an object");
    auto arrays = ReadTree(tree, t, static_cast<size_t>(*num_feature));
    if (!arrays.ok()) return arrays.status();
    builder.AddTree(*arrays);
  }

  std::string version;
  if (auto it = doc.find("version"); it != doc.end() && it->is_array()) {
    for (const Json& v : *it) {
      if (!v.is_number_integer()) continue;
      if (!version.empty()) version.push_back('.');
      version.append(std::to_string(v.get<int64_t>()));
    }
  }
  const size_t n_trees = (*trees)->size();
  const std::string description =
      "Gradient-boosted trees imported from XGBoost" + (version.empty() ? "" : " " + version) +
      " (" + *objective + ", " + std::to_string(n_trees) + " trees" +
      (parallel > 1 ? ", " + std::to_string(parallel) + " per round" : "") + ").";
  nlohmann::json source = {{"library", "xgboost"},          {"library_version", version},
                           {"objective", *objective},       {"trees", n_trees},
                           {"num_parallel_tree", parallel}, {"base_score", *base_text}};
  builder.SetCard(ImportedCard(options, *schema, description, std::move(source)));
  auto built = builder.Build();
  if (!built.ok()) return Malformed(built.status().message());
  return built;
}

}  // namespace raincheck::forest
