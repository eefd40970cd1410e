#include "forest/model_info.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "base/strings.h"

namespace raincheck::forest {
namespace {

using nlohmann::json;

std::optional<double> Number(const json& obj, std::string_view key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string String(const json& obj, std::string_view key) {
  if (!obj.is_object()) return {};
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& Child(const json& obj, std::string_view key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

Status CheckHome(const ModelHome& h) {
  if (base::Trim(h.name).empty()) return Status::InvalidArgument("home: the name is empty");
  if (!(h.latitude >= -90.0 && h.latitude <= 90.0)) {
    return Status::InvalidArgument("home: latitude must be in [-90, 90]");
  }
  if (!(h.longitude >= -180.0 && h.longitude <= 180.0)) {
    return Status::InvalidArgument("home: longitude must be in [-180, 180]");
  }
  if (!(h.applies_within_km > 0.0) || !std::isfinite(h.applies_within_km)) {
    return Status::InvalidArgument("home: applies_within_km must be a positive number");
  }
  return Status::Ok();
}

Result<std::optional<ModelHome>> ReadHome(const json& card) {
  const json& h = Child(card, "home");
  if (h.is_null()) return std::optional<ModelHome>();
  if (!h.is_object()) return Status::InvalidArgument("card key 'home' is not an object");
  ModelHome home;
  home.name = String(h, "name");
  const auto lat = Number(h, "latitude");
  const auto lon = Number(h, "longitude");
  if (!lat || !lon) {
    return Status::InvalidArgument("card key 'home' needs numeric latitude and longitude");
  }
  home.latitude = *lat;
  home.longitude = *lon;
  home.applies_within_km =
      Number(h, "applies_within_km").value_or(ModelHome::kDefaultAppliesWithinKm);
  home.source = String(h, "source");
  home.from = String(h, "from");
  home.to = String(h, "to");
  if (Status s = CheckHome(home); !s.ok()) return s.WithContext("card");
  return std::optional<ModelHome>(std::move(home));
}

std::optional<ModelSkill> ReadSkill(const json& card) {
  const json& eval = Child(card, "evaluation");
  const json& test = Child(eval, "test");
  const auto auc = Number(test, "roc_auc");
  const auto brier = Number(test, "brier");
  const auto clim = Number(Child(Child(eval, "baselines"), "climatology"), "brier");
  if (!auc || !brier || !clim || !(*clim > 0.0)) return std::nullopt;
  ModelSkill s;
  s.roc_auc = *auc;
  s.brier = *brier;
  s.climatology_brier = *clim;
  s.brier_skill_score = 1.0 - *brier / *clim;
  s.rows = static_cast<size_t>(Number(eval, "test_rows").value_or(0.0));
  if (const std::string kind = String(eval, "rows"); !kind.empty()) s.rows_kind = kind;
  return s;
}

}  // namespace

Result<ModelInfo> ReadModelInfo(const json& card) {
  ModelInfo info;
  info.name = String(card, "name");
  info.version = String(card, "version");
  RC_ASSIGN_OR_RETURN(info.home, ReadHome(card));
  info.skill = ReadSkill(card);
  const json& training = Child(card, "training");
  info.base_rate =
      Number(training, "positive_rate").value_or(std::numeric_limits<double>::quiet_NaN());
  // The trainer stores 13 values (index 0 unused, 1..12 the months).
  const json& monthly = Child(training, "monthly_positive_rate");
  if (monthly.is_array() && monthly.size() == 13) {
    std::array<double, 12> m{};
    bool ok = true;
    for (size_t i = 0; i < 12; ++i) {
      const json& v = monthly[i + 1];
      ok = ok && v.is_number() && std::isfinite(v.get<double>());
      if (ok) m[i] = v.get<double>();
    }
    if (ok) info.monthly_climatology = m;
  }
  return info;
}

json HomeToJson(const ModelHome& home) {
  json out = json::object();
  out["name"] = home.name;
  out["latitude"] = home.latitude;
  out["longitude"] = home.longitude;
  out["applies_within_km"] = home.applies_within_km;
  out["source"] = home.source;
  out["from"] = home.from;
  out["to"] = home.to;
  return out;
}

Result<ModelHome> ParseHomeFlag(std::string_view text) {
  // The name may itself hold commas ("Cape Town, South Africa,-33.92,18.42"): the last two
  // fields are the coordinates.
  const size_t last = text.rfind(',');
  const size_t mid = last == std::string_view::npos || last == 0 ? std::string_view::npos
                                                                 : text.rfind(',', last - 1);
  if (mid == std::string_view::npos) {
    return Status::InvalidArgument("--home must be NAME,LATITUDE,LONGITUDE");
  }
  auto number = [](std::string_view s) -> std::optional<double> {
    s = base::Trim(s);
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  };
  const auto lat = number(text.substr(mid + 1, last - mid - 1));
  const auto lon = number(text.substr(last + 1));
  if (!lat || !lon)
    return Status::InvalidArgument("--home: latitude and longitude must be numbers");
  ModelHome home;
  home.name = std::string(base::Trim(text.substr(0, mid)));
  home.latitude = *lat;
  home.longitude = *lon;
  if (Status s = CheckHome(home); !s.ok()) return Status::InvalidArgument("--" + s.message());
  return home;
}

}  // namespace raincheck::forest
