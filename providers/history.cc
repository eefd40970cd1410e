#include "providers/history.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <locale>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <thread>

#include "base/checksum.h"
#include "base/deadline.h"
#include "base/file.h"
#include "base/strings.h"
#include "providers/daily_features.h"
#include "providers/features.h"
#include "providers/internal/upstream.h"
#include "providers/units.h"

namespace raincheck::providers {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr std::string_view kUpstreamName = "openmeteo-archive";  // logs
constexpr int kCacheFormat = 1;
constexpr year_month_day kFirstArchiveDay{std::chrono::year(1940), std::chrono::January,
                                          std::chrono::day(1)};

// The table's variable that labels rows (kLabelVariable), by index.
constexpr size_t LabelIndex() {
  for (size_t i = 0; i < kDailyVariables.size(); ++i) {
    if (kDailyVariables[i].upstream == kLabelVariable) return i;
  }
  return kDailyVariables.size();
}
static_assert(LabelIndex() < kDailyVariables.size(),
              "kLabelVariable must be one of kDailyVariables");

std::string TwoDecimals(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Shortest text that reads back as the same double.
std::string ShortestNumber(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return {};
  return std::string(buf, end);
}

// The coordinate as the cache key spells it: rounded to 4 decimals, never "-0.0000".
std::string CacheCoordinate(double degrees) {
  double rounded = std::round(degrees * 1e4) / 1e4;
  if (rounded == 0) rounded = 0;  // -0 -> 0
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", rounded);
  return buf;
}

std::string StripTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// One year's answer, validated: values[v][d] for kDailyVariables[v], NaN for null.
struct YearData {
  std::vector<std::vector<double>> values;
  std::vector<std::string> units;  // canonical
  std::string timezone;
};

// Checks an archive answer for exactly the days [start, end] and every variable of the table.
// The error is the description of what is wrong (the caller names the place and the year).
Result<YearData> ParseArchive(const nlohmann::json& body, year_month_day start,
                              year_month_day end) {
  auto bad = [](std::string what) { return Status::Unavailable(std::move(what)); };
  if (!body.is_object()) return bad("not a JSON object");
  const auto daily_it = body.find("daily");
  if (daily_it == body.end() || !daily_it->is_object()) return bad("no 'daily' block");
  const auto units_it = body.find("daily_units");
  if (units_it == body.end() || !units_it->is_object()) return bad("no 'daily_units' block");
  const nlohmann::json& daily = *daily_it;
  const nlohmann::json& units = *units_it;

  const auto time_it = daily.find("time");
  if (time_it == daily.end() || !time_it->is_array()) return bad("no 'daily.time' array");
  const nlohmann::json& time = *time_it;
  const auto expected = static_cast<size_t>((sys_days(end) - sys_days(start)).count() + 1);
  for (size_t i = 0; i < time.size(); ++i) {
    const auto date =
        time[i].is_string() ? base::ParseIsoDate(time[i].get<std::string>()) : std::nullopt;
    if (!date) return bad("daily.time[" + std::to_string(i) + "] is not a YYYY-MM-DD date");
    const sys_days want = sys_days(start) + days(static_cast<int>(i));
    if (sys_days(*date) != want) {
      if (*date < start || *date > end) {
        return bad("daily.time[" + std::to_string(i) + "] " + base::FormatIsoDate(*date) +
                   " is outside the requested " + base::FormatIsoDate(start) + ".." +
                   base::FormatIsoDate(end));
      }
      return bad("daily.time is not consecutive: " + base::FormatIsoDate(*date) + " at index " +
                 std::to_string(i) + " where " + base::FormatIsoDate(year_month_day(want)) +
                 " belongs");
    }
  }
  if (time.size() != expected) {
    return bad("daily.time has " + std::to_string(time.size()) + " dates, " +
               std::to_string(expected) + " were requested (" + base::FormatIsoDate(start) + ".." +
               base::FormatIsoDate(end) + ")");
  }

  YearData out;
  out.timezone = internal::StringAt(body, "timezone").value_or("");
  for (const auto& v : kDailyVariables) {
    const std::string name(v.upstream);
    const auto unit = internal::StringAt(units, name);
    if (!unit) return bad("daily_units." + name + " is missing");
    auto canonical = CanonicalUnit(*unit);
    if (!canonical.ok()) return bad("daily_units." + name + ": unknown unit '" + *unit + "'");
    const auto values_it = daily.find(name);
    if (values_it == daily.end() || !values_it->is_array()) {
      return bad("no 'daily." + name + "' array");
    }
    if (values_it->size() != time.size()) {
      return bad("daily." + name + " has " + std::to_string(values_it->size()) + " values for " +
                 std::to_string(time.size()) + " dates");
    }
    std::vector<double> values;
    values.reserve(time.size());
    for (size_t i = 0; i < values_it->size(); ++i) {
      const nlohmann::json& x = (*values_it)[i];
      if (x.is_null()) {
        values.push_back(std::numeric_limits<double>::quiet_NaN());
      } else if (x.is_number() && std::isfinite(x.get<double>())) {
        values.push_back(x.get<double>());
      } else {
        return bad("daily." + name + "[" + std::to_string(i) + "] is neither a number nor null");
      }
    }
    out.values.push_back(std::move(values));
    out.units.push_back(std::move(*canonical));
  }
  return out;
}

// One calendar year's slice of the request.
struct Chunk {
  int year;
  year_month_day want_start, want_end;  // the part of [from, to] in this year
  year_month_day ask_start, ask_end;    // what is requested (the whole year when cached)
  bool cacheable;
};

class Fetcher {
 public:
  Fetcher(const std::string& place_name, double latitude, double longitude,
          const HistoryOptions& options, http::Client& client, const base::Clock& clock,
          const base::Logger& logger)
      : place_name_(place_name),
        latitude_(latitude),
        longitude_(longitude),
        options_(options),
        base_url_(StripTrailingSlashes(options.base_url)),
        client_(client),
        clock_(clock),
        logger_(logger),
        up_{kUpstreamName, client_, logger_} {}

  // "Open-Meteo archive: 2019 for Cape Town (-33.92, 18.42)"
  std::string Prefix(const std::string& years) const {
    return "Open-Meteo archive: " + years + " for " + place_name_ + " (" + TwoDecimals(latitude_) +
           ", " + TwoDecimals(longitude_) + ")";
  }

  Result<YearData> Year(const Chunk& chunk) {
    const std::string prefix = Prefix(std::to_string(chunk.year));
    if (chunk.cacheable) {
      if (auto cached = ReadCache(chunk)) return std::move(*cached);
    }
    RC_ASSIGN_OR_RETURN(nlohmann::json body, Download(chunk, prefix));
    auto parsed = ParseArchive(body, chunk.ask_start, chunk.ask_end);
    if (!parsed.ok()) {
      logger_.Warn("malformed archive response",
                   {{"upstream", std::string(kUpstreamName)}, {"year", chunk.year}});
      return Status::Unavailable(prefix + ": malformed response: " + parsed.status().message());
    }
    if (chunk.cacheable) WriteCache(chunk, body);
    return parsed;
  }

 private:
  std::string Url(const Chunk& chunk) const {
    return base_url_ +
           "/v1/archive?latitude=" + base::UrlEncode(internal::FormatCoordinate(latitude_)) +
           "&longitude=" + base::UrlEncode(internal::FormatCoordinate(longitude_)) +
           "&start_date=" + base::FormatIsoDate(chunk.ask_start) +
           "&end_date=" + base::FormatIsoDate(chunk.ask_end) +
           "&daily=" + base::UrlEncode(DailyVariablesParam()) + "&timezone=auto";
  }

  milliseconds Backoff(int retry) const {  // retry: 1 for the first retry
    milliseconds d = options_.first_backoff;
    for (int i = 1; i < retry && d < options_.max_backoff; ++i) d *= 2;
    return std::min(d, options_.max_backoff);
  }

  void Sleep(milliseconds d) const {
    if (options_.sleep) {
      options_.sleep(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  }

  // The JSON of a 200 answer, retrying 429, 5xx and transport failures.
  Result<nlohmann::json> Download(const Chunk& chunk, const std::string& prefix) {
    const std::string url = Url(chunk);
    const int attempts = std::max(1, options_.max_attempts);
    const auto timeout = std::chrono::duration_cast<milliseconds>(options_.request_timeout);
    internal::GetOptions get;
    get.attempt_timeout = timeout;
    get.connect_timeout = std::min(timeout, milliseconds(10000));
    get.max_retries = 0;  // retried here, with the backoff and attempt count of `options`
    std::string last;     // the last failure, for the final message
    StatusCode last_code = StatusCode::kUnavailable;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      base::CallContext ctx;
      ctx.deadline = clock_.Now() + timeout;
      auto res = internal::Get(up_, url, ctx, {}, get);
      std::optional<milliseconds> retry_after;
      if (!res.ok()) {
        if (res.status().code() == StatusCode::kDeadlineExceeded) {
          last = "no answer within " + std::to_string(options_.request_timeout.count()) + " s";
        } else if (res.status().message().find("oversized") != std::string::npos) {
          last = "an oversized response (over " +
                 std::to_string(internal::kMaxUpstreamBytes >> 10) + " KiB)";
        } else {
          last = "unreachable (connection failed)";
        }
        last_code = StatusCode::kUnavailable;
      } else if (res->status == 200) {
        auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded()) {
          logger_.Warn("malformed archive response",
                       {{"upstream", std::string(kUpstreamName)}, {"year", chunk.year}});
          return Status::Unavailable(prefix + ": malformed response: not JSON (HTTP 200, " +
                                     std::to_string(res->body.size()) +
                                     " bytes; cut short or not the archive?)");
        }
        return body;
      } else if (res->status == 429 || (res->status >= 500 && res->status <= 599)) {
        last = "HTTP " + std::to_string(res->status);
        last_code = res->status == 429 ? StatusCode::kResourceExhausted : StatusCode::kUnavailable;
        if (const auto header = http::FindHeader(res->headers, "Retry-After")) {
          retry_after = http::ParseRetryAfter(*header, clock_.Now());
        }
      } else {
        return Refused(*res, prefix);
      }
      if (attempt == attempts) break;
      if (retry_after && *retry_after > options_.max_backoff) {
        return Status(last_code, prefix + ": " + last + "; the archive asks to retry after " +
                                     std::to_string(retry_after->count() / 1000) +
                                     " s (Retry-After), longer than the " +
                                     std::to_string(options_.max_backoff.count() / 1000) +
                                     " s this download waits; try again later");
      }
      const milliseconds wait = retry_after ? *retry_after : Backoff(attempt);
      logger_.Warn("archive request failed; retrying",
                   {{"upstream", std::string(kUpstreamName)},
                    {"year", chunk.year},
                    {"attempt", attempt},
                    {"error", last},
                    {"wait_ms", static_cast<int64_t>(wait.count())}});
      Sleep(wait);
    }
    return Status(last_code,
                  prefix + ": " + last + " after " + std::to_string(attempts) + " attempts");
  }

  // A 4xx other than 429: not retried.
  Status Refused(const http::Response& res, const std::string& prefix) const {
    std::string reason;
    const auto body = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_discarded()) reason = internal::StringAt(body, "reason").value_or("");
    const std::string what =
        prefix + ": HTTP " + std::to_string(res.status) + (reason.empty() ? "" : ": " + reason);
    logger_.Warn("archive refused the request",
                 {{"upstream", std::string(kUpstreamName)}, {"status", res.status}});
    if (res.status == 400) return Status::InvalidArgument(what);
    if (res.status == 401 || res.status == 403) return Status::PermissionDenied(what);
    return Status::Unavailable(what);
  }

  // Cache: one file per place, year, archive and variable list.
  std::string CachePath(int year) const {
    char hash[17];
    std::snprintf(
        hash, sizeof hash, "%016llx",
        static_cast<unsigned long long>(base::Xxh64(base_url_ + "\n" + DailyVariablesParam())));
    return (std::filesystem::path(options_.cache_dir) /
            ("openmeteo-archive_" + CacheCoordinate(latitude_) + "_" + CacheCoordinate(longitude_) +
             "_" + std::to_string(year) + "_" + hash + ".json"))
        .string();
  }

  std::optional<YearData> ReadCache(const Chunk& chunk) const {
    const std::string path = CachePath(chunk.year);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    auto text = base::ReadFile(path);
    if (!text.ok()) {
      logger_.Warn("archive cache unreadable; downloading", {{"path", path}});
      return std::nullopt;
    }
    const auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    const bool matches = j.is_object() && j.value("format", 0) == kCacheFormat &&
                         j.value("archive", "") == base_url_ &&
                         j.value("daily", "") == DailyVariablesParam() &&
                         j.value("latitude", "") == CacheCoordinate(latitude_) &&
                         j.value("longitude", "") == CacheCoordinate(longitude_) &&
                         j.value("year", 0) == chunk.year && j.contains("response");
    if (!matches) {
      logger_.Warn("archive cache file does not match; downloading", {{"path", path}});
      return std::nullopt;
    }
    auto parsed = ParseArchive(j["response"], chunk.ask_start, chunk.ask_end);
    if (!parsed.ok()) {
      logger_.Warn("archive cache file is invalid; downloading",
                   {{"path", path}, {"error", parsed.status().message()}});
      return std::nullopt;
    }
    logger_.Debug("archive year from cache", {{"year", chunk.year}});
    return std::move(*parsed);
  }

  void WriteCache(const Chunk& chunk, const nlohmann::json& response) const {
    const std::string path = CachePath(chunk.year);
    const nlohmann::json envelope = {{"format", kCacheFormat},
                                     {"archive", base_url_},
                                     {"daily", DailyVariablesParam()},
                                     {"latitude", CacheCoordinate(latitude_)},
                                     {"longitude", CacheCoordinate(longitude_)},
                                     {"year", chunk.year},
                                     {"response", response}};
    std::error_code ec;
    std::filesystem::create_directories(options_.cache_dir, ec);
    const Status s = ec ? Status::IOError(options_.cache_dir + ": " + ec.message())
                        : base::WriteFileAtomic(path, envelope.dump());
    if (!s.ok()) {
      // The download succeeded; only the next run pays for the missing cache.
      logger_.Warn("could not cache an archive year",
                   {{"year", chunk.year}, {"error", s.message()}});
    }
  }

  const std::string& place_name_;
  const double latitude_, longitude_;
  const HistoryOptions& options_;
  const std::string base_url_;
  http::Client& client_;
  const base::Clock& clock_;
  const base::Logger& logger_;
  const internal::Upstream up_;
};

}  // namespace

Result<DailyHistory> FetchDailyHistory(const std::string& place_name, double latitude,
                                       double longitude, year_month_day from, year_month_day to,
                                       const HistoryOptions& options, http::Client& client,
                                       const base::Clock& clock, const base::Logger& logger) {
  Fetcher fetcher(place_name, latitude, longitude, options, client, clock, logger);
  const auto invalid = [&](const std::string& years, const std::string& what) {
    return Status::InvalidArgument(fetcher.Prefix(years) + ": " + what);
  };
  if (!from.ok() || !to.ok()) return invalid("?", "the start or end date is not a valid date");
  const std::string range = base::FormatIsoDate(from) + ".." + base::FormatIsoDate(to);
  if (!std::isfinite(latitude) || !std::isfinite(longitude) || std::fabs(latitude) > 90 ||
      std::fabs(longitude) > 180) {
    return invalid(range, "the coordinates are out of range");
  }
  if (from > to) {
    return invalid(range, "the start date " + base::FormatIsoDate(from) +
                              " is after the end date " + base::FormatIsoDate(to));
  }
  if (from < kFirstArchiveDay) {
    return invalid(range, "the archive starts on " + base::FormatIsoDate(kFirstArchiveDay));
  }
  const sys_days today = std::chrono::floor<days>(clock.Now());  // UTC
  // A day later than today in UTC: the local date is already tomorrow east of UTC.
  if (sys_days(to) > today + days(1)) {
    return invalid(range, "the end date " + base::FormatIsoDate(to) + " is in the future");
  }
  if (options.base_url.empty()) return invalid(range, "no archive URL");

  DailyHistory history;
  history.latitude = latitude;
  history.longitude = longitude;
  history.values.resize(kDailyVariables.size());
  for (int y = static_cast<int>(from.year()); y <= static_cast<int>(to.year()); ++y) {
    const year_month_day jan1{std::chrono::year(y), std::chrono::January, std::chrono::day(1)};
    const year_month_day dec31{std::chrono::year(y), std::chrono::December, std::chrono::day(31)};
    Chunk chunk;
    chunk.year = y;
    chunk.want_start = std::max(from, jan1);
    chunk.want_end = std::min(to, dec31);
    // Complete in the archive: the year ended more than 7 days ago (recent days are revised).
    const bool complete = today - sys_days(dec31) > days(7);
    chunk.cacheable = complete && !options.cache_dir.empty();
    chunk.ask_start = chunk.cacheable ? jan1 : chunk.want_start;
    chunk.ask_end = chunk.cacheable ? dec31 : chunk.want_end;

    RC_ASSIGN_OR_RETURN(YearData data, fetcher.Year(chunk));
    if (history.units.empty()) {
      history.units = data.units;
      history.timezone = data.timezone;
    }
    const auto offset =
        static_cast<size_t>((sys_days(chunk.want_start) - sys_days(chunk.ask_start)).count());
    const auto count =
        static_cast<size_t>((sys_days(chunk.want_end) - sys_days(chunk.want_start)).count() + 1);
    for (size_t v = 0; v < kDailyVariables.size(); ++v) {
      for (size_t d = offset; d < offset + count; ++d) {
        double value = data.values[v][d];
        if (data.units[v] != history.units[v] && !std::isnan(value)) {
          auto converted = ConvertUnit(value, data.units[v], history.units[v]);
          if (!converted.ok()) {
            return Status::Unavailable(
                fetcher.Prefix(std::to_string(y)) +
                ": malformed response: " + std::string(kDailyVariables[v].upstream) + " in " +
                data.units[v] + ", earlier years in " + history.units[v]);
          }
          value = *converted;
        }
        history.values[v].push_back(value);
      }
    }
    for (size_t d = 0; d < count; ++d) {
      history.dates.emplace_back(sys_days(chunk.want_start) + days(static_cast<int>(d)));
    }
  }
  logger.Info("archive history ready", {{"days", history.dates.size()},
                                        {"first", base::FormatIsoDate(from)},
                                        {"last", base::FormatIsoDate(to)}});
  return history;
}

std::string HistoryCsv(const DailyHistory& history, double rain_threshold_mm) {
  std::string out = "date," + base::Join(DailyFeatureNames(), ",") + ",rain\n";
  constexpr size_t kLabel = LabelIndex();
  for (size_t d = 0; d < history.dates.size(); ++d) {
    out += base::FormatIsoDate(history.dates[d]);
    for (size_t v = 0; v < kDailyVariables.size(); ++v) {
      out += ',';
      const double x = v < history.values.size() && d < history.values[v].size()
                           ? history.values[v][d]
                           : std::numeric_limits<double>::quiet_NaN();
      if (std::isfinite(x)) out += ShortestNumber(x);
    }
    const auto [c, s] = SeasonEncoding(history.dates[d], history.latitude);
    out += ',' + ShortestNumber(c) + ',' + ShortestNumber(s) + ',';
    double precipitation = kLabel < history.values.size() && d < history.values[kLabel].size()
                               ? history.values[kLabel][d]
                               : std::numeric_limits<double>::quiet_NaN();
    if (std::isfinite(precipitation) && kLabel < history.units.size() &&
        history.units[kLabel] != "mm") {
      const auto mm = ConvertUnit(precipitation, history.units[kLabel], "mm");
      precipitation = mm.ok() ? *mm : std::numeric_limits<double>::quiet_NaN();
    }
    if (std::isfinite(precipitation)) out += precipitation >= rain_threshold_mm ? '1' : '0';
    out += '\n';
  }
  return out;
}

}  // namespace raincheck::providers
