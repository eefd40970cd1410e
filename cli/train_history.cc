// `raincheck train --history openmeteo --place NAME`: a model for one place, trained on that
// place's daily history from Open-Meteo's archive. Steps, in order: check the command line and
// the output directory, geocode the place, download its history, write it beside the model as
// <stem>.history.csv, train on that file.
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "base/clock.h"
#include "base/env.h"
#include "base/file.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/train.h"
#include "http/curl_client.h"
#include "lambda/context.h"
#include "providers/config.h"
#include "providers/daily_features.h"
#include "providers/history.h"

namespace raincheck::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::year_month_day;

constexpr std::chrono::seconds kGeocodeTimeout{30};
constexpr year_month_day kArchiveStart{std::chrono::year(1940), std::chrono::January,
                                       std::chrono::day(1)};

struct Failure {
  int exit_code;
  Status status;
};

int Report(const Failure& f) {
  std::fprintf(stderr, "raincheck train: %s\n", f.status.message().c_str());
  return f.exit_code;
}

struct DateRange {
  year_month_day from = kArchiveStart, to = kArchiveStart;
};

// --from/--to, or the last --years complete calendar years before `today` (UTC).
// InvalidArgument (a usage error) for a malformed date, from > to, days the archive lacks.
Result<DateRange> ResolveDates(const HistoryFlags& f, year_month_day today) {
  DateRange r;
  if (f.from.empty()) {
    if (f.years < 1) return Status::InvalidArgument("--years must be at least 1");
    r.from = {today.year() - std::chrono::years(f.years), std::chrono::January,
              std::chrono::day(1)};
    r.to = {today.year() - std::chrono::years(1), std::chrono::December, std::chrono::day(31)};
  } else {
    const auto from = base::ParseIsoDate(f.from), to = base::ParseIsoDate(f.to);
    if (!from)
      return Status::InvalidArgument("--from must be a date YYYY-MM-DD, not '" + f.from + "'");
    if (!to) return Status::InvalidArgument("--to must be a date YYYY-MM-DD, not '" + f.to + "'");
    r = {*from, *to};
  }
  if (std::chrono::sys_days(r.from) > std::chrono::sys_days(r.to)) {
    return Status::InvalidArgument("--from " + base::FormatIsoDate(r.from) + " is after --to " +
                                   base::FormatIsoDate(r.to));
  }
  if (std::chrono::sys_days(r.from) < std::chrono::sys_days(kArchiveStart)) {
    return Status::InvalidArgument("the archive starts on 1940-01-01");
  }
  if (std::chrono::sys_days(r.to) >= std::chrono::sys_days(today)) {
    return Status::InvalidArgument("--to must be a day before today (" +
                                   base::FormatIsoDate(today) + ")");
  }
  return r;
}

// "Cape Town" -> "cape-town": ASCII letters and digits lowered, every other run of ASCII
// characters one '-'; bytes of other scripts are kept.
std::string Slug(std::string_view place) {
  std::string out;
  for (char c : place) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      out += static_cast<char>(u < 0x80 ? std::tolower(u) : u);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "place" : out;
}

std::string DisplayName(const providers::Place& p) {
  std::string out = p.name;
  if (!p.admin_area.empty() && p.admin_area != p.name) out += ", " + p.admin_area;
  if (!p.country.empty()) out += ", " + p.country;
  return out;
}

std::string CacheDir(const HistoryFlags& f, const base::EnvLookup& env) {
  if (!f.cache_dir.empty()) return f.cache_dir;
  if (auto xdg = env("XDG_CACHE_HOME"); xdg && !xdg->empty()) return *xdg + "/raincheck";
  if (auto home = env("HOME"); home && !home->empty()) return *home + "/.cache/raincheck";
  return "";
}

// Everything the history path needs from the outside world, made once.
struct Services {
  base::SystemClock clock;
  base::Logger logger{base::LogLevel::kWarn};
  http::CurlClient http{clock};
  base::EnvLookup env = base::ProcessEnv();
};

// The place, geocoded by the function's own configured geocoder (RAINCHECK_GEOCODER).
Result<providers::Place> Geocode(const std::string& place, Services& s) {
  RC_ASSIGN_OR_RETURN(providers::ProvidersConfig config, providers::ParseProvidersConfig(s.env));
  RC_ASSIGN_OR_RETURN(providers::Providers made,
                      providers::MakeProviders(config, s.http, s.clock, s.logger));
  lambda::InvocationContext ctx;
  ctx.request_id = "train";
  ctx.deadline = s.clock.Now() + kGeocodeTimeout;
  auto found = made.geocoder->Geocode(place, ctx);
  if (!found.ok()) return found.status().WithContext("cannot find the place '" + place + "'");
  return found;
}

Result<providers::DailyHistory> Download(const providers::Place& place, const std::string& name,
                                         const DateRange& dates, const HistoryFlags& f,
                                         Services& s) {
  providers::HistoryOptions options;
  if (auto url = s.env("RAINCHECK_OPENMETEO_ARCHIVE_URL"); url && !url->empty())
    options.base_url = *url;
  options.cache_dir = CacheDir(f, s.env);
  if (!options.cache_dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.cache_dir, ec);
    if (ec)
      return Status::IOError("cannot create the cache directory " + options.cache_dir + ": " +
                             ec.message());
  }
  return providers::FetchDailyHistory(name, place.latitude, place.longitude, dates.from, dates.to,
                                      options, s.http, s.clock, s.logger);
}

// Drops the last days whose precipitation the archive does not have yet (its most recent days
// are null): their rain label is unknown. Returns how many were dropped.
size_t DropUnknownTail(providers::DailyHistory* h) {
  size_t label = 0;
  while (label < providers::kDailyVariables.size() &&
         providers::kDailyVariables[label].upstream != providers::kLabelVariable) {
    ++label;
  }
  if (label >= h->values.size()) return 0;
  size_t dropped = 0;
  while (!h->dates.empty() && std::isnan(h->values[label][h->dates.size() - 1])) {
    h->dates.pop_back();
    for (auto& column : h->values) column.resize(h->dates.size());
    ++dropped;
  }
  return dropped;
}

// "dir/cape-town.rcf" -> "dir/cape-town.history.csv".
std::string HistoryPath(const std::string& out) {
  const fs::path p(out);
  return (p.parent_path() / (p.stem().string() + ".history.csv")).string();
}

// The options the history decides: its file, features and units, the label, the home.
void ApplyHistory(const providers::DailyHistory& history, const std::string& csv_path,
                  const forest::ModelHome& home, double threshold_mm, forest::TrainOptions* o) {
  o->data_path = csv_path;
  for (size_t v = 0; v < providers::kDailyVariables.size() && v < history.units.size(); ++v) {
    o->units[std::string(providers::kDailyVariables[v].feature)] = history.units[v];
  }
  o->units["season_cos"] = "1";
  o->units["season_sin"] = "1";
  char definition[96];
  std::snprintf(definition, sizeof definition, "precipitation tomorrow >= %g mm", threshold_mm);
  o->label_definition = definition;
  o->home = home;
  if (!o->card_extra.contains("provenance")) {
    o->card_extra["provenance"] = {
        {"weather", "Open-Meteo Historical Weather API (archive-api.open-meteo.com)"},
        {"timezone", history.timezone}};
  }
  if (!o->card_extra.contains("licence"))
    o->card_extra["licence"] = "weather data: Open-Meteo, CC BY 4.0";
}

// Steps 1 and 2: the command line (exit 2) and the output directory (exit 1).
std::optional<Failure> CheckFirst(const HistoryFlags& f, forest::TrainOptions* o,
                                  const std::string& out, DateRange* dates, year_month_day today) {
  if (f.place.empty())
    return Failure{kExitUsage, Status::InvalidArgument("--history needs --place")};
  if (!(f.applies_within_km > 0.0)) {
    return Failure{kExitUsage,
                   Status::InvalidArgument("--applies-within-km must be a positive number")};
  }
  if (!(f.rain_threshold_mm >= 0.0)) {
    return Failure{kExitUsage, Status::InvalidArgument("--rain-threshold-mm must not be negative")};
  }
  auto resolved = ResolveDates(f, today);
  if (!resolved.ok()) return Failure{kExitUsage, resolved.status()};
  *dates = *resolved;
  o->features = providers::DailyFeatureNames();
  o->label = *forest::LabelSpec::Parse("rain", 1);
  if (Status s = forest::CheckTrainOptions(*o); !s.ok()) return Failure{kExitUsage, s};
  if (Status s = CheckOutputDirectory(out); !s.ok()) return Failure{kExitUsage, s};
  return std::nullopt;
}

}  // namespace

int RunHistoryTrain(const HistoryFlags& f, forest::TrainOptions o, const std::string& out) {
  Services s;
  const year_month_day today{std::chrono::floor<std::chrono::days>(s.clock.Now())};
  DateRange dates;
  if (auto failed = CheckFirst(f, &o, out, &dates, today)) return Report(*failed);
  auto place = Geocode(f.place, s);
  if (!place.ok()) return Report({kExitFailure, place.status()});
  const std::string name = DisplayName(*place);
  std::fprintf(stderr, "train: %s (%.4f, %.4f), %s to %s\n", name.c_str(), place->latitude,
               place->longitude, base::FormatIsoDate(dates.from).c_str(),
               base::FormatIsoDate(dates.to).c_str());
  auto history = Download(*place, name, dates, f, s);
  if (!history.ok()) return Report({kExitFailure, history.status()});
  if (const size_t dropped = DropUnknownTail(&*history); dropped > 0) {
    std::fprintf(stderr,
                 "train: the archive has no precipitation yet for the last %zu day(s); "
                 "training ends before them\n",
                 dropped);
  }
  if (history->dates.empty()) {
    return Report({kExitFailure, Status::Unavailable("the archive has no precipitation for " +
                                                     name + " in these dates")});
  }
  const std::string csv_path = HistoryPath(out);
  if (Status w =
          base::WriteFileAtomic(csv_path, providers::HistoryCsv(*history, f.rain_threshold_mm));
      !w.ok()) {
    return Report({kExitFailure, w});
  }
  forest::ModelHome home;
  home.name = name;
  home.latitude = place->latitude;
  home.longitude = place->longitude;
  home.applies_within_km = f.applies_within_km;
  home.source = "openmeteo-archive";
  home.from = base::FormatIsoDate(history->dates.front());
  home.to = base::FormatIsoDate(history->dates.back());
  if (o.name.empty()) o.name = Slug(f.place);
  ApplyHistory(*history, csv_path, home, f.rain_threshold_mm, &o);
  return FitAndSave(o, out);
}

}  // namespace raincheck::cli
