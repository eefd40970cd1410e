// forest::ModelInfo: the facts of a model card that the function serves by, typed and read
// once when the model is built (name, version, where its training data came from, its skill on
// its own held-out or out-of-bag rows, its climatology). The card itself stays JSON inside the
// model file (docs/model_format.md); this is the one place that reads those keys.
#ifndef RAINCHECK_FOREST_MODEL_INFO_H_
#define RAINCHECK_FOREST_MODEL_INFO_H_

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"

namespace raincheck::forest {

// Where a model's training data came from and how far from there it claims to apply.
// Card key "home": {"name", "latitude", "longitude", "applies_within_km", "source", "from",
// "to"}.
struct ModelHome {
  static constexpr double kDefaultAppliesWithinKm = 300.0;

  std::string name;     // "Seattle, Washington, United States"
  double latitude = 0;  // WGS84 degrees
  double longitude = 0;
  double applies_within_km = kDefaultAppliesWithinKm;
  std::string source;    // "openmeteo-archive", "csv:weather.csv", ... ("" when unknown)
  std::string from, to;  // first and last day of the training data, YYYY-MM-DD ("" unknown)
};

// The model's skill where it was measured: on its own held-out rows (the last ones for a
// time-ordered split), or on its training rows out of bag (each row predicted by the trees
// that did not see it). Brier skill score = 1 - brier / climatology_brier, where climatology
// is the training base rate given as a constant probability.
struct ModelSkill {
  double roc_auc = 0;
  double brier = 0;
  double climatology_brier = 0;
  double brier_skill_score = 0;
  size_t rows = 0;  // how many rows the figures come from
  // Which rows: card "evaluation.rows", "held-out" or "out-of-bag" ("held-out" when the card
  // does not say, as cards written before out-of-bag evaluation).
  std::string rows_kind = "held-out";
};

struct ModelInfo {
  std::string name;                 // card "name" ("" when absent)
  std::string version;              // card "version"
  std::optional<ModelHome> home;    // absent: the model does not say where it applies
  std::optional<ModelSkill> skill;  // absent: no evaluation in the card
  // P(positive) in the training rows per calendar month (index 0 = January), when the
  // training data had dates; the overall training base rate otherwise (NaN if unknown).
  std::optional<std::array<double, 12>> monthly_climatology;
  double base_rate = 0;
};

// Reads the facts from a card. Never fails on absent keys (they stay empty); a "home" that is
// present but unusable (latitude outside [-90, 90], longitude outside [-180, 180], radius not
// > 0, no name) is InvalidArgument naming the key: a model must not claim a home it lacks.
Result<ModelInfo> ReadModelInfo(const nlohmann::json& card);

// {"name", "latitude", "longitude", "applies_within_km", "source", "from", "to"}.
nlohmann::json HomeToJson(const ModelHome& home);

// "Seattle,47.61,-122.33" -> a home with that name and place (radius default). What
// `train --home` takes. InvalidArgument when it is not NAME,LAT,LON with numbers in range.
Result<ModelHome> ParseHomeFlag(std::string_view text);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_MODEL_INFO_H_
