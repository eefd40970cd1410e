#include "providers/history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "base/file.h"
#include "base/strings.h"
#include "http/curl_client.h"
#include "providers/daily_features.h"
#include "providers/features.h"
#include "tests/fakes/upstream_fakes.h"

namespace raincheck::providers {
namespace {

using fakes::Fault;
using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr double kLat = -33.92584;
constexpr double kLon = 18.42322;

year_month_day Ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year(y), std::chrono::month(m), std::chrono::day(d)};
}

std::string Param(const fakes::RecordedRequest& r, const std::string& name) {
  const auto it = r.params.find(name);
  return it == r.params.end() ? "<absent>" : it->second;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// Real time shifted to start at a chosen instant: the history client's "today" is fixed while
// deadlines, which the HTTP client checks against the same clock, still pass in real time.
class ShiftedClock final : public base::Clock {
 public:
  explicit ShiftedClock(base::TimePoint start) { Set(start); }
  base::TimePoint Now() const override { return std::chrono::system_clock::now() + offset_.load(); }
  void Set(base::TimePoint now) { offset_ = now - std::chrono::system_clock::now(); }

 private:
  std::atomic<std::chrono::system_clock::duration> offset_{};
};

class HistoryTest : public ::testing::Test {
 protected:
  HistoryTest()
      : clock_(sys_days(Ymd(2026, 12, 3)) + std::chrono::hours(10)),
        client_(clock_, {.base_backoff = milliseconds(5), .max_backoff = milliseconds(20)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view line) { log_ += line; }) {
    options_.base_url = archive_.base_url();
    options_.request_timeout = std::chrono::seconds(5);
    options_.sleep = [this](milliseconds d) { sleeps_.push_back(d); };
  }
  ~HistoryTest() override {
    if (!cache_dir_.empty()) std::filesystem::remove_all(cache_dir_);
  }

  std::string MakeCacheDir() {
    cache_dir_ = (std::filesystem::temp_directory_path() /
                  ("raincheck_history_test_" + std::to_string(::getpid()) + "_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                     .string();
    std::filesystem::remove_all(cache_dir_);
    return cache_dir_;
  }

  Result<DailyHistory> Fetch(year_month_day from, year_month_day to) {
    return FetchDailyHistory("Cape Town", kLat, kLon, from, to, options_, client_, clock_, logger_);
  }

  ShiftedClock clock_;  // "today" for the history client: 2026-12-03
  fakes::OpenMeteoArchiveFake archive_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
  HistoryOptions options_;
  std::vector<milliseconds> sleeps_;
  std::string cache_dir_;
};

TEST_F(HistoryTest, AsksForTheTablesVariablesOneCalendarYearPerRequest) {
  auto h = Fetch(Ymd(2019, 6, 1), Ymd(2021, 2, 10));
  ASSERT_TRUE(h.ok()) << h.status().ToString();

  const auto seen = archive_.requests();
  ASSERT_EQ(seen.size(), 3u);
  const std::pair<std::string, std::string> ranges[] = {
      {"2019-06-01", "2019-12-31"}, {"2020-01-01", "2020-12-31"}, {"2021-01-01", "2021-02-10"}};
  for (size_t i = 0; i < seen.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(seen[i].path, "/v1/archive");
    EXPECT_EQ(Param(seen[i], "daily"), DailyVariablesParam());
    EXPECT_EQ(Param(seen[i], "start_date"), ranges[i].first);
    EXPECT_EQ(Param(seen[i], "end_date"), ranges[i].second);
    EXPECT_EQ(Param(seen[i], "latitude"), "-33.92584");
    EXPECT_EQ(Param(seen[i], "longitude"), "18.42322");
    EXPECT_EQ(Param(seen[i], "timezone"), "auto");
  }

  // The years are joined into one run of consecutive dates.
  const auto expected_days = (sys_days(Ymd(2021, 2, 10)) - sys_days(Ymd(2019, 6, 1))).count() + 1;
  ASSERT_EQ(h->dates.size(), static_cast<size_t>(expected_days));
  for (size_t d = 0; d < h->dates.size(); ++d) {
    ASSERT_EQ(sys_days(h->dates[d]), sys_days(Ymd(2019, 6, 1)) + days(static_cast<int>(d))) << d;
  }
  ASSERT_EQ(h->values.size(), kDailyVariables.size());
  for (const auto& column : h->values) EXPECT_EQ(column.size(), h->dates.size());
  EXPECT_EQ(h->units, (std::vector<std::string>{"mm", "degC", "degC", "km/h"}));
  EXPECT_EQ(h->timezone, "Africa/Johannesburg");
  EXPECT_DOUBLE_EQ(h->latitude, kLat);

  // The values are the archive's, on the right dates, across the year boundary too.
  for (const auto& date : {Ymd(2019, 6, 1), Ymd(2019, 12, 31), Ymd(2020, 1, 1), Ymd(2021, 2, 10)}) {
    const size_t d = static_cast<size_t>((sys_days(date) - sys_days(h->dates[0])).count());
    const auto day = fakes::OpenMeteoArchiveFake::Day(kLat, kLon, date);
    for (size_t v = 0; v < kDailyVariables.size(); ++v) {
      EXPECT_DOUBLE_EQ(h->values[v][d], day[std::string(kDailyVariables[v].upstream)].get<double>())
          << kDailyVariables[v].upstream << " " << d;
    }
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(HistoryTest, OneDayAndOneYear) {
  auto one = Fetch(Ymd(2020, 2, 29), Ymd(2020, 2, 29));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->dates.size(), 1u);
  auto leap = Fetch(Ymd(2020, 1, 1), Ymd(2020, 12, 31));
  ASSERT_TRUE(leap.ok()) << leap.status().ToString();
  EXPECT_EQ(leap->dates.size(), 366u);
  EXPECT_EQ(archive_.hits(), 2);
}

TEST_F(HistoryTest, CachedCompleteYearsAreNotAskedAgain) {
  options_.cache_dir = MakeCacheDir();
  auto first = Fetch(Ymd(2019, 3, 1), Ymd(2020, 6, 30));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // With a cache, complete years are fetched whole so that the file serves any later range.
  auto seen = archive_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(Param(seen[0], "start_date"), "2019-01-01");
  EXPECT_EQ(Param(seen[0], "end_date"), "2019-12-31");
  EXPECT_EQ(Param(seen[1], "start_date"), "2020-01-01");
  EXPECT_EQ(Param(seen[1], "end_date"), "2020-12-31");
  EXPECT_EQ(first->dates.front(), Ymd(2019, 3, 1));
  EXPECT_EQ(first->dates.back(), Ymd(2020, 6, 30));

  // One file per year, named by the coordinates (4 decimals), the year and the variables.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(options_.cache_dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_NE(names[0].find("-33.9258_18.4232_2019_"), std::string::npos) << names[0];
  EXPECT_NE(names[1].find("-33.9258_18.4232_2020_"), std::string::npos) << names[1];
  const auto text = base::ReadFile(options_.cache_dir + "/" + names[0]);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(DailyVariablesParam()), std::string::npos);

  // A re-run, even for another range inside those years, makes no request.
  auto again = Fetch(Ymd(2019, 3, 1), Ymd(2020, 6, 30));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(archive_.hits(), 2);
  EXPECT_EQ(again->dates, first->dates);
  for (size_t v = 0; v < kDailyVariables.size(); ++v) {
    for (size_t d = 0; d < first->dates.size(); ++d) {
      ASSERT_EQ(again->values[v][d], first->values[v][d]) << v << " " << d;
    }
  }
  auto inner = Fetch(Ymd(2019, 12, 30), Ymd(2020, 1, 2));
  ASSERT_TRUE(inner.ok()) << inner.status().ToString();
  EXPECT_EQ(inner->dates.size(), 4u);
  EXPECT_EQ(archive_.hits(), 2);

  // A cache file that does not match what is asked (another variable list, a damaged file)
  // is not used: the year is downloaded again and the file rewritten.
  const std::string path = options_.cache_dir + "/" + names[0];
  auto envelope = nlohmann::json::parse(*text);
  envelope["daily"] = "precipitation_sum";
  ASSERT_TRUE(base::WriteFileAtomic(path, envelope.dump()).ok());
  ASSERT_TRUE(Fetch(Ymd(2019, 3, 1), Ymd(2019, 3, 2)).ok());
  EXPECT_EQ(archive_.hits(), 3);
  ASSERT_TRUE(base::WriteFileAtomic(path, "{\"format\":1,").ok());
  ASSERT_TRUE(Fetch(Ymd(2019, 3, 1), Ymd(2019, 3, 2)).ok());
  EXPECT_EQ(archive_.hits(), 4);
  ASSERT_TRUE(Fetch(Ymd(2019, 3, 1), Ymd(2019, 3, 2)).ok());
  EXPECT_EQ(archive_.hits(), 4) << "the rewritten file is used";

  // Another archive (another base URL) never reads this archive's files.
  fakes::OpenMeteoArchiveFake other;
  options_.base_url = other.base_url();
  ASSERT_TRUE(Fetch(Ymd(2019, 3, 1), Ymd(2019, 3, 2)).ok());
  EXPECT_EQ(other.hits(), 1);
}

TEST_F(HistoryTest, TheCurrentYearIsNotCached) {
  options_.cache_dir = MakeCacheDir();
  // Today is 2026-12-03: 2025 is complete, 2026 is not.
  ASSERT_TRUE(Fetch(Ymd(2025, 12, 1), Ymd(2026, 11, 30)).ok());
  auto seen = archive_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(Param(seen[1], "start_date"), "2026-01-01");
  EXPECT_EQ(Param(seen[1], "end_date"), "2026-11-30");  // only what is asked
  ASSERT_TRUE(Fetch(Ymd(2025, 12, 1), Ymd(2026, 11, 30)).ok());
  seen = archive_.requests();
  ASSERT_EQ(seen.size(), 3u) << "2025 from the cache, 2026 again";
  EXPECT_EQ(Param(seen[2], "start_date"), "2026-01-01");

  // A year that ended 5 days ago may still be revised: not cached either.
  clock_.Set(sys_days(Ymd(2027, 1, 5)));
  ASSERT_TRUE(Fetch(Ymd(2026, 12, 1), Ymd(2026, 12, 31)).ok());
  ASSERT_TRUE(Fetch(Ymd(2026, 12, 1), Ymd(2026, 12, 31)).ok());
  EXPECT_EQ(archive_.hits(), 5);
  // A week later it is complete: cached once, then read.
  clock_.Set(sys_days(Ymd(2027, 1, 8)) + std::chrono::hours(1));
  ASSERT_TRUE(Fetch(Ymd(2026, 12, 1), Ymd(2026, 12, 31)).ok());
  ASSERT_TRUE(Fetch(Ymd(2026, 12, 1), Ymd(2026, 12, 31)).ok());
  EXPECT_EQ(archive_.hits(), 6);
}

TEST_F(HistoryTest, RateLimitedThenSucceedsWithBackoff) {
  // Retry-After (seconds) is honoured; without it, the backoff doubles from first_backoff.
  archive_.set_fail_first(2, 429, "3");
  auto h = Fetch(Ymd(2020, 1, 1), Ymd(2020, 1, 31));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(archive_.hits(), 3);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(3000), milliseconds(3000)}));
  EXPECT_EQ(h->dates.size(), 31u);

  sleeps_.clear();
  archive_.set_fail_first(3, 503);
  ASSERT_TRUE(Fetch(Ymd(2020, 1, 1), Ymd(2020, 1, 31)).ok());
  EXPECT_EQ(sleeps_,
            (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000)}));

  // The backoff stops growing at max_backoff.
  sleeps_.clear();
  options_.max_backoff = milliseconds(1500);
  archive_.set_fail_first(3, 429);
  ASSERT_TRUE(Fetch(Ymd(2020, 1, 1), Ymd(2020, 1, 31)).ok());
  EXPECT_EQ(sleeps_,
            (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(1500)}));
}

TEST_F(HistoryTest, PersistentServerErrorNamesThePlaceTheYearAndTheStatus) {
  options_.max_attempts = 3;
  archive_.set_fault(Fault::kServerError);
  auto h = Fetch(Ymd(2019, 1, 1), Ymd(2020, 12, 31));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(h.status().message(),
            "Open-Meteo archive: 2019 for Cape Town (-33.93, 18.42): HTTP 500 after 3 attempts");
  EXPECT_EQ(archive_.hits(), 3);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));

  // A later year failing names that year: 2019 and 2020 answer, then every request fails.
  archive_.set_fault(Fault::kNone);
  options_.max_attempts = 2;
  archive_.set_edit([this](nlohmann::json& j) {
    if (j["daily"]["time"][0] == "2020-01-01") archive_.set_fault(Fault::kServerError);
  });
  auto second = Fetch(Ymd(2019, 1, 1), Ymd(2021, 12, 31));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("Open-Meteo archive: 2021 for Cape Town"),
            std::string::npos)
      << second.status().message();
  EXPECT_NE(second.status().message().find("HTTP 500 after 2 attempts"), std::string::npos);
}

TEST_F(HistoryTest, PersistentRateLimitIsResourceExhausted) {
  options_.max_attempts = 2;
  archive_.set_fault(Fault::kRateLimited);  // Retry-After: 30
  auto h = Fetch(Ymd(2020, 1, 1), Ymd(2020, 1, 31));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(h.status().message().find("HTTP 429 after 2 attempts"), std::string::npos)
      << h.status().message();
  EXPECT_EQ(sleeps_, std::vector<milliseconds>{milliseconds(30000)});

  // A Retry-After longer than max_backoff is not waited for.
  sleeps_.clear();
  options_.max_backoff = milliseconds(10000);
  auto soon = Fetch(Ymd(2020, 1, 1), Ymd(2020, 1, 31));
  ASSERT_FALSE(soon.ok());
  EXPECT_EQ(soon.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(soon.status().message().find("retry after 30 s"), std::string::npos)
      << soon.status().message();
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(HistoryTest, MalformedAndTruncatedBodiesAreClearErrorsWithoutRetry) {
  for (const Fault fault : {Fault::kMalformed, Fault::kTruncated, Fault::kWrongTypes}) {
    SCOPED_TRACE(std::string(fakes::FaultName(fault)));
    archive_.set_fault(fault);
    const int before = archive_.hits();
    auto h = Fetch(Ymd(2019, 1, 1), Ymd(2019, 1, 2));
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(h.status().message().find("Open-Meteo archive: 2019 for Cape Town"),
              std::string::npos);
    EXPECT_NE(h.status().message().find("malformed response"), std::string::npos)
        << h.status().message();
    EXPECT_EQ(archive_.hits(), before + 1);
  }
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(HistoryTest, ValidatesTheShapeOfEveryAnswer) {
  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> edit;
    const char* message;
  };
  const std::string precip(kDailyVariables[0].upstream);
  const std::string tmax(kDailyVariables[1].upstream);
  const std::vector<Case> cases = {
      {"a day missing", [](nlohmann::json& j) { j["daily"]["time"].erase(1); }, "not consecutive"},
      {"an array shorter than time", [&](nlohmann::json& j) { j["daily"][precip].erase(0); },
       "values for 3 dates"},
      {"a date outside the year", [](nlohmann::json& j) { j["daily"]["time"][2] = "2020-01-01"; },
       "outside the requested"},
      {"dates out of order",
       [](nlohmann::json& j) { std::swap(j["daily"]["time"][0], j["daily"]["time"][1]); },
       "not consecutive"},
      {"fewer dates than asked",
       [&](nlohmann::json& j) {
         for (const char* k : {"time"}) j["daily"][k].erase(2);
         for (const auto& v : kDailyVariables) j["daily"][std::string(v.upstream)].erase(2);
       },
       "3 were requested"},
      {"not a date", [](nlohmann::json& j) { j["daily"]["time"][0] = "01/01/2019"; },
       "not a YYYY-MM-DD date"},
      {"an unknown unit", [&](nlohmann::json& j) { j["daily_units"][tmax] = "furlongs"; },
       "unknown unit 'furlongs'"},
      {"no unit", [&](nlohmann::json& j) { j["daily_units"].erase(tmax); }, "is missing"},
      {"a variable missing", [&](nlohmann::json& j) { j["daily"].erase(tmax); },
       "no 'daily.temperature_2m_max' array"},
      {"a string value", [&](nlohmann::json& j) { j["daily"][precip][1] = "0.4"; },
       "neither a number nor null"},
      {"no daily block", [](nlohmann::json& j) { j.erase("daily"); }, "no 'daily' block"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    archive_.set_edit(c.edit);
    auto h = Fetch(Ymd(2019, 12, 29), Ymd(2019, 12, 31));
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(h.status().message().find("malformed response"), std::string::npos);
    EXPECT_NE(h.status().message().find(c.message), std::string::npos) << h.status().message();
  }
  // Units are read from daily_units: °F and mph are converted by the caller, not rejected.
  archive_.set_edit([&](nlohmann::json& j) { j["daily_units"][tmax] = "°F"; });
  auto f = Fetch(Ymd(2019, 12, 29), Ymd(2019, 12, 31));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->units[1], "degF");
}

TEST_F(HistoryTest, NullsBecomeNaN) {
  archive_.set_available_until(Ymd(2026, 11, 28));
  auto h = Fetch(Ymd(2026, 11, 27), Ymd(2026, 11, 30));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->dates.size(), 4u);
  EXPECT_FALSE(std::isnan(h->values[0][1]));
  EXPECT_TRUE(std::isnan(h->values[0][2]));
  EXPECT_TRUE(std::isnan(h->values[3][3]));
}

TEST_F(HistoryTest, RefusalsAndBadRangesAreInvalidArgument) {
  archive_.set_fault(Fault::kNoMatch);  // 400 {"error":true,"reason":...}
  auto refused = Fetch(Ymd(2019, 1, 1), Ymd(2019, 1, 2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("HTTP 400: Parameter 'start_date' is out of allowed"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(archive_.hits(), 1);
  archive_.set_fault(Fault::kNone);

  const int before = archive_.hits();
  auto reversed = Fetch(Ymd(2020, 1, 1), Ymd(2019, 1, 1));
  EXPECT_EQ(reversed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reversed.status().message().find("after the end date"), std::string::npos);
  EXPECT_NE(reversed.status().message().find("Cape Town"), std::string::npos);
  EXPECT_EQ(Fetch(Ymd(1939, 12, 31), Ymd(1940, 1, 5)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Fetch(Ymd(2026, 11, 1), Ymd(2026, 12, 10)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FetchDailyHistory("Nowhere", 91, 0, Ymd(2019, 1, 1), Ymd(2019, 1, 2), options_, client_,
                              clock_, logger_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(archive_.hits(), before) << "nothing is asked for an invalid range";
}

TEST_F(HistoryTest, HangsAndUnreachableArchivesAreRetriedThenUnavailable) {
  options_.max_attempts = 2;
  options_.request_timeout = std::chrono::seconds(1);
  archive_.set_fault(Fault::kHang);
  const auto start = clock_.Now();
  auto h = Fetch(Ymd(2019, 1, 1), Ymd(2019, 1, 2));
  EXPECT_LT(clock_.Now() - start, std::chrono::seconds(6));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(h.status().message().find("no answer within 1 s after 2 attempts"), std::string::npos)
      << h.status().message();

  options_.base_url = "http://127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort());
  auto down = Fetch(Ymd(2019, 1, 1), Ymd(2019, 1, 2));
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("unreachable"), std::string::npos);
  EXPECT_NE(down.status().message().find("after 2 attempts"), std::string::npos);
}

TEST(HistoryCsvTest, HeaderSeasonThresholdAndMissingCells) {
  DailyHistory h;
  h.latitude = -33.9;
  h.longitude = 18.4;
  h.units = {"mm", "degC", "degC", "km/h"};
  h.dates = {Ymd(2020, 1, 1), Ymd(2020, 1, 2), Ymd(2020, 1, 3), Ymd(2020, 7, 1)};
  const double nan = std::nan("");
  h.values = {{1.0, 0.99, nan, 12.25},
              {25.5, 24.0, 23.0, 14.0},
              {15.0, nan, 14.0, 6.5},
              {10.0, 11.0, 12.0, 30.1}};
  const std::string csv = HistoryCsv(h, 1.0);
  const auto lines = Split(csv, '\n');
  ASSERT_EQ(lines.size(), 6u);  // header, 4 rows, "" after the last newline
  EXPECT_EQ(lines[0], "date," + base::Join(DailyFeatureNames(), ",") + ",rain");
  EXPECT_EQ(lines[0], "date,precipitation,temp_max,temp_min,wind,season_cos,season_sin,rain");

  const std::vector<std::string> rain = {"1", "0", "", "1"};  // >= 1.0; unknown -> empty
  for (size_t d = 0; d < h.dates.size(); ++d) {
    SCOPED_TRACE(d);
    const auto cells = Split(lines[d + 1], ',');
    ASSERT_EQ(cells.size(), 8u) << lines[d + 1];
    const auto [c, s] = SeasonEncoding(h.dates[d], h.latitude);
    EXPECT_EQ(std::stod(cells[5]), c);  // exactly what serving computes
    EXPECT_EQ(std::stod(cells[6]), s);
    EXPECT_EQ(cells[7], rain[d]);
  }
  EXPECT_EQ(lines[1].rfind("2020-01-01,1,25.5,15,10,", 0), 0u) << lines[1];
  const auto row2 = Split(lines[2], ',');
  EXPECT_EQ(row2[1], "0.99");
  EXPECT_EQ(row2[3], "");  // missing temp_min
  const auto row3 = Split(lines[3], ',');
  EXPECT_EQ(row3[1], "");  // missing precipitation
  EXPECT_EQ(Split(lines[4], ',')[1], "12.25");

  // The threshold is in mm whatever unit the history is in.
  h.units[0] = "inch";
  const auto in_inches = Split(Split(HistoryCsv(h, 25.0), '\n')[4], ',');
  EXPECT_EQ(in_inches[7], "1");                                        // 12.25 inch >= 25 mm
  EXPECT_EQ(Split(Split(HistoryCsv(h, 26.0), '\n')[2], ',')[7], "0");  // 0.99 inch < 26 mm
}

TEST_F(HistoryTest, TheArchiveFakeHasPredictableRain) {
  // What `raincheck train --history` relies on in end-to-end tests: the synthetic archive is
  // reproducible and tomorrow's rain follows today's weather.
  auto h = Fetch(Ymd(2010, 1, 1), Ymd(2019, 12, 31));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  int rain_after_rain = 0, after_rain = 0, rain_after_dry = 0, after_dry = 0, rainy = 0;
  for (size_t d = 0; d + 1 < h->dates.size(); ++d) {
    const bool today = h->values[0][d] >= 1.0, tomorrow = h->values[0][d + 1] >= 1.0;
    rainy += today;
    (today ? after_rain : after_dry)++;
    if (tomorrow) (today ? rain_after_rain : rain_after_dry)++;
  }
  const double n = static_cast<double>(h->dates.size());
  EXPECT_GT(rainy / n, 0.15);
  EXPECT_LT(rainy / n, 0.45);
  EXPECT_GT(static_cast<double>(rain_after_rain) / after_rain,
            static_cast<double>(rain_after_dry) / after_dry + 0.2);
  auto again = Fetch(Ymd(2015, 6, 1), Ymd(2015, 6, 30));
  ASSERT_TRUE(again.ok());
  const size_t offset =
      static_cast<size_t>((sys_days(Ymd(2015, 6, 1)) - sys_days(Ymd(2010, 1, 1))).count());
  for (size_t d = 0; d < 30; ++d) EXPECT_EQ(again->values[2][d], h->values[2][offset + d]);
}

}  // namespace
}  // namespace raincheck::providers
