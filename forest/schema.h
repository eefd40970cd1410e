// FeatureSchema: the ordered names and units of a model's input features.
#ifndef RAINCHECK_FOREST_SCHEMA_H_
#define RAINCHECK_FOREST_SCHEMA_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raincheck::forest {

struct Feature {
  std::string name;  // e.g. "temp_max"; unique within a schema
  std::string unit;  // e.g. "degC", "mm", "m/s", "1" (dimensionless)
  bool operator==(const Feature&) const = default;
};

// A row given to a model holds one float per feature, in this order. Immutable value type.
class FeatureSchema {
 public:
  FeatureSchema() = default;
  explicit FeatureSchema(std::vector<Feature> features) : features_(std::move(features)) {}

  size_t size() const { return features_.size(); }
  const Feature& operator[](size_t i) const { return features_[i]; }
  const std::vector<Feature>& features() const { return features_; }
  // Position of the feature called `name`, or nullopt.
  std::optional<size_t> IndexOf(std::string_view name) const {
    for (size_t i = 0; i < features_.size(); ++i) {
      if (features_[i].name == name) return i;
    }
    return std::nullopt;
  }
  bool operator==(const FeatureSchema&) const = default;

 private:
  std::vector<Feature> features_;
};

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_SCHEMA_H_
