// The models the function chooses from, and the rule that chooses one for a place: the model
// whose home is nearest and within its radius (docs/models.md, "Choosing a model").
// Immutable after construction; thread-safe for concurrent const use.
#ifndef RAINCHECK_APP_MODEL_CATALOG_H_
#define RAINCHECK_APP_MODEL_CATALOG_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/geo.h"
#include "base/log.h"
#include "base/status.h"
#include "forest/model.h"

namespace raincheck::app {

// What the function does when no model's home is within its radius of the place
// (RAINCHECK_OUTSIDE): answer with the nearest model, marked as not applying (kNearest); answer
// with the nearest model's climatology for the month instead of its trees (kClimatology); or
// answer 422 (kRefuse).
enum class OutsidePolicy { kNearest, kClimatology, kRefuse };
std::string_view OutsidePolicyName(OutsidePolicy policy);
// "nearest" | "climatology" | "refuse"; InvalidArgument otherwise.
Result<OutsidePolicy> ParseOutsidePolicy(std::string_view text);

// The model chosen for one place.
struct ModelChoice {
  const forest::Model* model = nullptr;  // never null in a choice returned by Choose
  std::optional<double> distance_km;     // from the place to the model's home; none if homeless
  bool applies = false;                  // the place is within the home's applies_within_km
};

class ModelCatalog {
 public:
  // Takes the models in order (ties in distance go to the earlier one). Models must not be
  // empty.
  explicit ModelCatalog(std::vector<forest::Model> models);
  ModelCatalog(ModelCatalog&&) noexcept = default;
  ModelCatalog& operator=(ModelCatalog&&) noexcept = default;
  ModelCatalog(const ModelCatalog&) = delete;
  ModelCatalog& operator=(const ModelCatalog&) = delete;

  // Loads every regular file named *.rcf directly inside `dir` (other files, such as the
  // cards beside the models, are ignored), in name order. A file that does not load fails
  // the whole load with its name and the reason, unless `skip_bad`: then it is skipped with a
  // warning on `log`. Two models whose homes are within 1 km of each other: the one whose file
  // was modified last (the newer trained one) is kept, and the choice is logged. NotFound when
  // the directory does not exist or holds no model.
  static Result<ModelCatalog> LoadDirectory(const std::string& dir, bool skip_bad,
                                            const base::Logger& log);
  // A catalog of the one model in `path` (RAINCHECK_MODEL).
  static Result<ModelCatalog> LoadFile(const std::string& path);

  // The model called `name`: its card's name, or else the name of its file without ".rcf"
  // (for a catalog loaded from files). The first in order when two share a name; null when
  // none is called so.
  const forest::Model* Find(std::string_view name) const;
  // The name of model `i`'s file without ".rcf"; "" when it was not loaded from a file.
  const std::string& FileName(size_t i) const;

  // The model for a place: the nearest model whose home is within its radius; when none
  // applies, the nearest model with a home (applies = false); when no model has a home, the
  // first model (applies = false, no distance). Allocates nothing.
  ModelChoice Choose(double latitude, double longitude) const;

  const std::vector<forest::Model>& models() const { return models_; }
  size_t size() const { return models_.size(); }

 private:
  // A model's home prepared for base::Haversine, its radius as a haversine value.
  struct PreparedHome {
    base::GeoPoint point;
    double radius_h = 0;
    size_t model = 0;
  };

  std::vector<forest::Model> models_;
  std::vector<std::string> files_;  // models_[i]'s file name without ".rcf", or ""
  std::vector<PreparedHome> homes_;
};

}  // namespace raincheck::app

#endif  // RAINCHECK_APP_MODEL_CATALOG_H_
