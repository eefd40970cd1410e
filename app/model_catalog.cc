#include "app/model_catalog.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "base/geo.h"

namespace raincheck::app {

namespace fs = std::filesystem;

namespace {

// Homes closer than this are the same place: one of the two models is redundant.
constexpr double kSameHomeKm = 1.0;

struct Loaded {
  std::string file;
  fs::file_time_type modified;
  forest::Model model;
};

bool SameHome(const forest::Model& a, const forest::Model& b) {
  const auto& ha = a.info().home;
  const auto& hb = b.info().home;
  return ha && hb &&
         base::GreatCircleKm(ha->latitude, ha->longitude, hb->latitude, hb->longitude) <
             kSameHomeKm;
}

// Keeps, of every group of models sharing a home, the newest file; logs each drop.
std::vector<Loaded> DropSharedHomes(std::vector<Loaded> loaded, const base::Logger& log) {
  std::vector<bool> dropped(loaded.size(), false);
  for (size_t i = 0; i < loaded.size(); ++i) {
    for (size_t j = i + 1; j < loaded.size() && !dropped[i]; ++j) {
      if (dropped[j] || !SameHome(loaded[i].model, loaded[j].model)) continue;
      const bool keep_j = loaded[j].modified > loaded[i].modified;
      const size_t drop = keep_j ? i : j;
      const size_t keep = keep_j ? j : i;
      dropped[drop] = true;
      log.Warn("two models share a home; the newer one is used",
               {{"home", loaded[keep].model.info().home->name},
                {"used", loaded[keep].file},
                {"ignored", loaded[drop].file}});
    }
  }
  std::vector<Loaded> out;
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (!dropped[i]) out.push_back(std::move(loaded[i]));
  }
  return out;
}

}  // namespace

std::string_view OutsidePolicyName(OutsidePolicy policy) {
  switch (policy) {
    case OutsidePolicy::kNearest:
      return "nearest";
    case OutsidePolicy::kClimatology:
      return "climatology";
    case OutsidePolicy::kRefuse:
      return "refuse";
  }
  return "nearest";
}

Result<OutsidePolicy> ParseOutsidePolicy(std::string_view text) {
  for (OutsidePolicy p :
       {OutsidePolicy::kNearest, OutsidePolicy::kClimatology, OutsidePolicy::kRefuse}) {
    if (text == OutsidePolicyName(p)) return p;
  }
  return Status::InvalidArgument("must be nearest, climatology or refuse");
}

ModelCatalog::ModelCatalog(std::vector<forest::Model> models) : models_(std::move(models)) {
  for (size_t i = 0; i < models_.size(); ++i) {
    const auto& home = models_[i].info().home;
    if (!home) continue;
    homes_.push_back({base::GeoPoint::FromDegrees(home->latitude, home->longitude),
                      base::HaversineOfKm(home->applies_within_km), i});
  }
}

Result<ModelCatalog> ModelCatalog::LoadDirectory(const std::string& dir, bool skip_bad,
                                                 const base::Logger& log) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("models directory '" + dir + "' does not exist or is not a directory");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".rcf" && it->is_regular_file(type_ec))
      files.push_back(it->path());
  }
  if (ec) return Status::IOError("models directory '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<Loaded> loaded;
  for (const fs::path& file : files) {
    Result<forest::Model> model = forest::Model::Load(file.string());
    if (!model.ok()) {
      if (!skip_bad) return model.status().WithContext("model file '" + file.string() + "'");
      log.Warn("model file skipped",
               {{"file", file.string()}, {"error", model.status().ToString()}});
      continue;
    }
    std::error_code time_ec;
    const fs::file_time_type modified = fs::last_write_time(file, time_ec);
    loaded.push_back({file.filename().string(), modified, std::move(model).value()});
  }
  if (loaded.empty())
    return Status::NotFound("models directory '" + dir + "' holds no model (*.rcf)");
  std::vector<Loaded> kept = DropSharedHomes(std::move(loaded), log);
  std::vector<forest::Model> models;
  std::vector<std::string> names;
  for (Loaded& l : kept) {
    models.push_back(std::move(l.model));
    names.push_back(fs::path(l.file).stem().string());
  }
  ModelCatalog catalog(std::move(models));
  catalog.files_ = std::move(names);
  return catalog;
}

Result<ModelCatalog> ModelCatalog::LoadFile(const std::string& path) {
  Result<forest::Model> model = forest::Model::Load(path);
  if (!model.ok()) return model.status().WithContext("model file '" + path + "'");
  std::vector<forest::Model> one;
  one.push_back(std::move(model).value());
  ModelCatalog catalog(std::move(one));
  catalog.files_ = {fs::path(path).stem().string()};
  return catalog;
}

const forest::Model* ModelCatalog::Find(std::string_view name) const {
  if (name.empty()) return nullptr;
  for (const forest::Model& m : models_) {
    if (m.name() == name) return &m;
  }
  for (size_t i = 0; i < models_.size(); ++i) {
    if (FileName(i) == name) return &models_[i];
  }
  return nullptr;
}

const std::string& ModelCatalog::FileName(size_t i) const {
  static const std::string kNone;
  return i < files_.size() ? files_[i] : kNone;
}

ModelChoice ModelCatalog::Choose(double latitude, double longitude) const {
  const base::GeoPoint place = base::GeoPoint::FromDegrees(latitude, longitude);
  const PreparedHome* nearest = nullptr;
  const PreparedHome* nearest_applying = nullptr;
  double best = 2.0, best_applying = 2.0;  // h is at most 1
  for (const PreparedHome& home : homes_) {
    const double h = base::Haversine(place, home.point);
    if (h < best) {
      best = h;
      nearest = &home;
    }
    if (h <= home.radius_h && h < best_applying) {
      best_applying = h;
      nearest_applying = &home;
    }
  }
  if (nearest_applying != nullptr) {
    return {&models_[nearest_applying->model], base::KmOfHaversine(best_applying), true};
  }
  if (nearest != nullptr) return {&models_[nearest->model], base::KmOfHaversine(best), false};
  return {&models_.front(), std::nullopt, false};
}

}  // namespace raincheck::app
