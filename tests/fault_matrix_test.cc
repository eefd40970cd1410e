// The fault matrix (docs/reliability.md): for each upstream and each record store, each way it
// can fail, what the user gets (the status, from the function itself before its timeout) and
// where the record ends up (stored, spooled for a retry, or reported as not stored). Every row
// runs the real path: `raincheck invoke` starts `bootstrap` under the Lambda emulator with a
// 2 s timeout, the upstreams and S3 are loopback fakes (tests/fakes/upstream_fakes.h).
//
// The run prints each row and, at the end, the whole table in Markdown, which
// docs/reliability.md quotes: build/tests/fault_matrix_test.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/strings.h"
#include "tests/fakes/loopback_server.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using fakes::Fault;
using nlohmann::json;

constexpr int kTimeoutSeconds = 2;  // the function's timeout in every row

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// ---- the table ----

struct Row {
  std::string component;
  std::string fault;
  int status = 0;
  double duration_ms = -1;  // the emulator's REPORT Duration of the invocation
  std::string record;       // where the record ended up
};

std::mutex rows_mu;
std::vector<Row>& Rows() {
  static std::vector<Row> rows;
  return rows;
}

std::string Cell(const Row& r) {
  char when[64] = "?";
  if (r.duration_ms >= 0) {
    std::snprintf(when, sizeof when, "%.0f ms (%.0f %%)", r.duration_ms,
                  100.0 * r.duration_ms / (kTimeoutSeconds * 1000.0));
  }
  return "| " + r.component + " | " + r.fault + " | " + std::to_string(r.status) + " | " + when +
         " | " + r.record + " |";
}

void AddRow(const Row& row) {
  std::printf("fault matrix row: %s\n", Cell(row).c_str());
  std::lock_guard lock(rows_mu);
  Rows().push_back(row);
}

// Prints the rows of this run as a Markdown table once every test ran.
class TablePrinter final : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(rows_mu);
    if (Rows().empty()) return;
    std::printf("\nFault matrix (function timeout %d s; time = the invocation's duration):\n\n",
                kTimeoutSeconds);
    std::printf("| component | fault | status | answered in (%% of timeout) | record |\n");
    std::printf("|---|---|---|---|---|\n");
    for (const Row& r : Rows()) std::printf("%s\n", Cell(r).c_str());
    std::printf("\n");
  }
};
[[maybe_unused]] ::testing::Environment* const table_printer =
    ::testing::AddGlobalTestEnvironment(new TablePrinter);

// ---- running the function ----

std::string Event(const std::string& city) {
  return json({{"version", "2.0"},
               {"rawPath", "/forecast"},
               {"rawQueryString", "city=" + base::UrlEncode(city) + "&format=json"},
               {"requestContext",
                {{"requestId", "fault-" + base::NewUuid()},
                 {"http", {{"method", "GET"}, {"path", "/forecast"}}}}}})
      .dump();
}

struct Outcome {
  int status = 0;
  json body;  // the function's JSON body
  double duration_ms = -1;
  std::string logs;  // stderr: the function's log lines and the REPORT line
};

// One `raincheck invoke` of a forecast for `city` with `env`.
Outcome Invoke(const std::map<std::string, std::string>& env, const std::string& city = "Paris") {
  const auto r =
      testing::RunProcess({testing::BinaryPath("raincheck"), "invoke", "-e", "-", "--timeout",
                           std::to_string(kTimeoutSeconds), "--log-format", "json"},
                          Event(city), env, std::chrono::seconds(120));
  Outcome out;
  out.logs = r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json response = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    ADD_FAILURE() << "not a response: " << r.out << "\n" << r.err;
    return out;
  }
  out.status = response.value("statusCode", 0);
  out.body = json::parse(response.value("body", std::string()), nullptr, false);
  const size_t at = r.err.find("\tDuration: ");
  if (at != std::string::npos) out.duration_ms = std::atof(r.err.c_str() + at + 11);
  return out;
}

// The answer is the function's own (not the emulator's timeout or crash report), sent before
// the timeout: a 200 with a prediction, or an error body naming the same status.
void ExpectTheFunctionsOwnAnswer(const Outcome& o) {
  ASSERT_TRUE(o.body.is_object()) << o.logs;
  if (o.status == 200) {
    EXPECT_TRUE(o.body.contains("prediction")) << o.body.dump();
  } else {
    EXPECT_EQ(o.body["error"]["status"], o.status) << o.body.dump();
  }
  EXPECT_EQ(o.logs.find("Task timed out"), std::string::npos) << o.logs;
  EXPECT_GE(o.duration_ms, 0) << "no REPORT line: " << o.logs;
  EXPECT_LT(o.duration_ms, kTimeoutSeconds * 1000.0);
}

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(it->path());
  }
  return out;
}

class Scratch {
 public:
  Scratch() : dir_(fs::temp_directory_path() / ("rc-faults-" + base::NewUuid())) {
    fs::create_directories(dir_);
  }
  ~Scratch() {
    for (const fs::path& m : mounts_) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto& p : fs::recursive_directory_iterator(dir_, ec)) {
      fs::permissions(p.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }

  // A directory on a 64 KiB tmpfs filled to the last byte, or nullopt (with the reason in
  // `why`) where mounting is not allowed (not root, or no CAP_SYS_ADMIN in a container).
  std::optional<fs::path> FullDirectory(const std::string& name, std::string* why) {
    const fs::path p = dir_ / name;
    fs::create_directories(p);
    if (::mount("tmpfs", p.c_str(), "tmpfs", 0, "size=64k") != 0) {
      *why = std::string("mount -t tmpfs: ") + std::strerror(errno);
      return std::nullopt;
    }
    mounts_.push_back(p);
    std::FILE* f = std::fopen((p / "filler").c_str(), "wb");
    if (f == nullptr) {
      *why = "cannot create the filler";
      return std::nullopt;
    }
    std::setvbuf(f, nullptr, _IONBF, 0);
    const std::string block(4096, 'x');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    while (std::fwrite("x", 1, 1, f) == 1) {
    }
    std::fclose(f);
    return p;
  }

  // A directory nobody may write into: chmod 0555, or, for root (whom the mode does not
  // stop), a read-only tmpfs. nullopt (with the reason) when neither works.
  std::optional<fs::path> ReadOnlyDirectory(const std::string& name, std::string* why) {
    const fs::path p = dir_ / name;
    fs::create_directories(p);
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    if (::access(p.c_str(), W_OK) != 0) return p;
    if (::mount("tmpfs", p.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) {
      *why = std::string("chmod does not stop this user and mount -o ro failed: ") +
             std::strerror(errno);
      return std::nullopt;
    }
    mounts_.push_back(p);
    return p;
  }

 private:
  fs::path dir_;
  std::vector<fs::path> mounts_;
};

// ---- upstream faults ----

enum class Upstream { kOpenMeteoForecast, kDarkSky, kOpenMeteoGeocoding, kLocationIq, kNominatim };

std::string UpstreamName(Upstream u) {
  switch (u) {
    case Upstream::kOpenMeteoForecast:
      return "weather: Open-Meteo";
    case Upstream::kDarkSky:
      return "weather: DarkSky-compatible";
    case Upstream::kOpenMeteoGeocoding:
      return "geocoder: Open-Meteo";
    case Upstream::kLocationIq:
      return "geocoder: LocationIQ";
    case Upstream::kNominatim:
      return "geocoder: Nominatim";
  }
  return "?";
}

struct UpstreamFault {
  Fault fault;
  const char* what;  // the row's name in the table
  int status;        // what the user gets
  // Also accepted: a resolver that cannot reach its name server waits for it, and the wait
  // may use up the time left (504) before it says "no such host" (502).
  int or_status = 0;
};

const std::vector<UpstreamFault>& UpstreamFaults() {
  static const std::vector<UpstreamFault> faults = {
      {Fault::kNone, "none (healthy)", 200},
      {Fault::kRefused, "connection refused", 502},
      {Fault::kUnresolvable, "DNS failure (.invalid host)", 502, 504},
      {Fault::kRateLimited, "429, Retry-After: 30", 503},
      {Fault::kServerError, "500", 502},
      {Fault::kHang, "hang (no answer)", 504},
      {Fault::kSlowDrip, "slow drip (1 byte / 200 ms)", 504},
      {Fault::kShortBody, "truncated body (closed before Content-Length)", 502},
      {Fault::kTruncated, "malformed JSON (cut in half)", 502},
      {Fault::kEnormous, "100 MiB body (Content-Length)", 502},
      {Fault::kEnormousChunked, "100 MiB body (chunked)", 502},
      {Fault::kMalformed, "HTML error page (text/html)", 502},
      {Fault::kWrongContentType, "healthy JSON labelled text/html", 200},
  };
  return faults;
}

struct UpstreamCase {
  Upstream upstream;
  UpstreamFault fault;
};

std::string CaseName(const ::testing::TestParamInfo<UpstreamCase>& info) {
  static const char* const kNames[] = {"OpenMeteoForecast", "DarkSky", "OpenMeteoGeocoding",
                                       "LocationIq", "Nominatim"};
  std::string fault(fakes::FaultName(info.param.fault.fault));
  for (char& c : fault) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return std::string(kNames[static_cast<int>(info.param.upstream)]) + "_" + fault;
}

class UpstreamFaultTest : public ::testing::TestWithParam<UpstreamCase> {};

TEST_P(UpstreamFaultTest, StatusInTimeAndNoRecordUnlessAnswered) {
  const UpstreamCase& c = GetParam();
  Scratch scratch;
  const std::string kDarkSkyKey = "fault-matrix-darksky-key";
  const std::string kLocationIqKey = "fault-matrix-locationiq-key";
  fakes::OpenMeteoForecastFake openmeteo;
  fakes::DarkSkyFake darksky(kDarkSkyKey);
  fakes::OpenMeteoGeocodingFake om_geocoding;
  fakes::LocationIqFake locationiq(kLocationIqKey);
  fakes::NominatimFake nominatim;
  fakes::FakeUpstream* faulty = nullptr;
  std::map<std::string, std::string> env = {
      {"RAINCHECK_RECORDS", "dir:" + (scratch.dir() / "records").string()},
      {"RAINCHECK_SPOOL", (scratch.dir() / "spool").string()},
      {"RAINCHECK_GEOCODER", "offline"},
      {"RAINCHECK_WEATHER", "openmeteo"},
      {"RAINCHECK_OPENMETEO_URL", openmeteo.base_url()}};
  switch (c.upstream) {
    case Upstream::kOpenMeteoForecast:
      faulty = &openmeteo;
      break;
    case Upstream::kDarkSky:
      faulty = &darksky;
      env["RAINCHECK_WEATHER"] = "darksky";
      env["DARKSKY_KEY"] = kDarkSkyKey;
      break;
    case Upstream::kOpenMeteoGeocoding:
      faulty = &om_geocoding;
      env["RAINCHECK_GEOCODER"] = "openmeteo";
      break;
    case Upstream::kLocationIq:
      faulty = &locationiq;
      env["RAINCHECK_GEOCODER"] = "locationiq";
      env["LOCATIONIQ_KEY"] = kLocationIqKey;
      break;
    case Upstream::kNominatim:
      faulty = &nominatim;
      env["RAINCHECK_GEOCODER"] = "nominatim";
      break;
  }
  faulty->set_fault(c.fault.fault);
  // The faulty upstream's URL depends on the fault (refused, unresolvable); the others are
  // healthy.
  env["RAINCHECK_OPENMETEO_URL"] = openmeteo.base_url();
  env["RAINCHECK_DARKSKY_URL"] = darksky.base_url();
  env["RAINCHECK_OPENMETEO_GEOCODING_URL"] = om_geocoding.base_url();
  env["RAINCHECK_LOCATIONIQ_URL"] = locationiq.base_url();
  env["RAINCHECK_NOMINATIM_URL"] = nominatim.base_url();

  const Outcome o = Invoke(env);
  const bool expected =
      o.status == c.fault.status || (c.fault.or_status != 0 && o.status == c.fault.or_status);
  EXPECT_TRUE(expected) << "status " << o.status << ", expected " << c.fault.status << ": "
                        << o.body.dump() << "\n"
                        << o.logs;
  ExpectTheFunctionsOwnAnswer(o);

  // A record exactly when the user got an answer; an error answer is the whole story (the
  // user is told, nothing is kept). Nothing is ever spooled for an upstream fault.
  const auto records = FilesUnder(scratch.dir() / "records");
  EXPECT_TRUE(FilesUnder(scratch.dir() / "spool").empty());
  std::string record;
  if (o.status == 200) {
    EXPECT_EQ(records.size(), 1u);
    EXPECT_EQ(o.body["record"]["state"], "stored") << o.body.dump();
    record = "stored";
  } else {
    EXPECT_TRUE(records.empty());
    record = "none: the error is the answer";
  }
  // A body over the limit is refused while it streams: the client stops reading long before
  // 100 MiB (what it read is bounded by the limit, socket buffers and its retries).
  if (c.fault.fault == Fault::kEnormous || c.fault.fault == Fault::kEnormousChunked) {
    EXPECT_LT(faulty->streamed_bytes(), int64_t{16} << 20);
    record += "; " + std::to_string(faulty->streamed_bytes() >> 10) + " KiB of 100 MiB sent";
  }
  // Keys never reach the logs, whatever failed.
  EXPECT_EQ(o.logs.find(kDarkSkyKey), std::string::npos);
  EXPECT_EQ(o.logs.find(kLocationIqKey), std::string::npos);
  AddRow({UpstreamName(c.upstream), c.fault.what, o.status, o.duration_ms, record});
}

std::vector<UpstreamCase> AllUpstreamCases() {
  std::vector<UpstreamCase> out;
  for (Upstream u : {Upstream::kOpenMeteoForecast, Upstream::kDarkSky,
                     Upstream::kOpenMeteoGeocoding, Upstream::kLocationIq, Upstream::kNominatim}) {
    for (const UpstreamFault& f : UpstreamFaults()) out.push_back({u, f});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Upstreams, UpstreamFaultTest, ::testing::ValuesIn(AllUpstreamCases()),
                         CaseName);

// ---- store faults ----

enum class StoreFault {
  kDirHealthy,
  kS3Healthy,
  kS3Unreachable,
  kS3Denied,
  kS3KeyTaken,
  kS3ServerError,
  kS3Slow,
  kDirFull,
  kDirAndSpoolFull,
  kDirReadOnly,
  kDirAndSpoolReadOnly,
};

struct StoreCase {
  StoreFault fault;
  const char* component;
  const char* what;
  const char* state;  // the record's state in the answer: stored, spooled, lost
};

const std::vector<StoreCase>& StoreCases() {
  static const std::vector<StoreCase> cases = {
      {StoreFault::kDirHealthy, "store: directory", "none (healthy)", "stored"},
      {StoreFault::kS3Healthy, "store: S3", "none (healthy)", "stored"},
      {StoreFault::kS3Unreachable, "store: S3", "unreachable (connection refused)", "spooled"},
      {StoreFault::kS3Denied, "store: S3", "403 AccessDenied", "spooled"},
      {StoreFault::kS3KeyTaken, "store: S3", "412 (key taken by other bytes)", "stored"},
      {StoreFault::kS3ServerError, "store: S3", "500 InternalError", "spooled"},
      {StoreFault::kS3Slow, "store: S3", "slow (answers after 30 s)", "spooled"},
      {StoreFault::kDirFull, "store: directory", "full disk (64 KiB tmpfs)", "spooled"},
      {StoreFault::kDirAndSpoolFull, "store: directory", "full disk, spool full too", "lost"},
      {StoreFault::kDirReadOnly, "store: directory", "read-only", "spooled"},
      {StoreFault::kDirAndSpoolReadOnly, "store: directory", "read-only, spool read-only too",
       "lost"},
  };
  return cases;
}

std::string StoreCaseName(const ::testing::TestParamInfo<StoreCase>& info) {
  static const char* const kNames[] = {
      "DirHealthy",         "S3Healthy", "S3Unreachable", "S3Denied",        "S3KeyTaken",
      "S3ServerError",      "S3Slow",    "DirFull",       "DirAndSpoolFull", "DirReadOnly",
      "DirAndSpoolReadOnly"};
  return kNames[static_cast<int>(info.param.fault)];
}

class StoreFaultTest : public ::testing::TestWithParam<StoreCase> {};

TEST_P(StoreFaultTest, TheUserGetsTheAnswerAndTheRecordIsKeptOrReported) {
  const StoreCase& c = GetParam();
  Scratch scratch;
  fakes::OpenMeteoForecastFake openmeteo;
  fakes::S3Fake s3("fault-records");
  fs::path records = scratch.dir() / "records";
  fs::path spool = scratch.dir() / "spool";
  std::string why;
  std::map<std::string, std::string> env = {{"RAINCHECK_OPENMETEO_URL", openmeteo.base_url()}};
  const bool s3_store = c.fault == StoreFault::kS3Healthy ||
                        c.fault == StoreFault::kS3Unreachable || c.fault == StoreFault::kS3Denied ||
                        c.fault == StoreFault::kS3KeyTaken ||
                        c.fault == StoreFault::kS3ServerError || c.fault == StoreFault::kS3Slow;
  if (s3_store) {
    env["RAINCHECK_RECORDS"] = "s3://" + s3.bucket();
    env["AWS_ENDPOINT_URL_S3"] = s3.endpoint();
    env["AWS_REGION"] = "eu-west-1";
    env["AWS_ACCESS_KEY_ID"] = "AKIDFAULTMATRIX";
    env["AWS_SECRET_ACCESS_KEY"] = "fault-matrix-secret";
  }
  switch (c.fault) {
    case StoreFault::kS3Unreachable:
      env["AWS_ENDPOINT_URL_S3"] =
          "http://127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort());
      break;
    case StoreFault::kS3Denied:
      s3.set_fault(fakes::S3Fake::Fault::kDenied);
      break;
    case StoreFault::kS3KeyTaken:
      s3.set_fault(fakes::S3Fake::Fault::kKeyTaken);
      break;
    case StoreFault::kS3ServerError:
      s3.set_fault(fakes::S3Fake::Fault::kServerError);
      break;
    case StoreFault::kS3Slow:
      s3.set_fault(fakes::S3Fake::Fault::kSlow);
      break;
    case StoreFault::kDirFull:
    case StoreFault::kDirAndSpoolFull: {
      auto full = scratch.FullDirectory("full-records", &why);
      if (!full) GTEST_SKIP() << "no full filesystem to test with: " << why;
      records = *full / "records";
      if (c.fault == StoreFault::kDirAndSpoolFull) spool = *full / "spool";
      break;
    }
    case StoreFault::kDirReadOnly:
    case StoreFault::kDirAndSpoolReadOnly: {
      auto read_only = scratch.ReadOnlyDirectory("read-only", &why);
      if (!read_only) GTEST_SKIP() << "no read-only directory to test with: " << why;
      records = *read_only / "records";
      if (c.fault == StoreFault::kDirAndSpoolReadOnly) spool = *read_only / "spool";
      break;
    }
    case StoreFault::kDirHealthy:
    case StoreFault::kS3Healthy:
      break;
  }
  if (!s3_store) env["RAINCHECK_RECORDS"] = "dir:" + records.string();
  env["RAINCHECK_SPOOL"] = spool.string();

  const Outcome o = Invoke(env);
  // Whatever the store does, the user gets the prediction, in time.
  EXPECT_EQ(o.status, 200) << o.body.dump() << "\n" << o.logs;
  ExpectTheFunctionsOwnAnswer(o);
  const json& rec = o.body["record"];
  EXPECT_EQ(rec["state"], c.state) << o.body.dump();
  const std::string key = rec.value("key", "");

  std::string where;
  const std::string state = c.state;
  if (state == "stored") {
    EXPECT_EQ(rec["stored"], true);
    if (s3_store) {
      const auto objects = s3.objects();
      ASSERT_EQ(objects.size(), 1u);
      EXPECT_EQ(objects.begin()->first, key);
      where = "stored (bucket)";
      if (c.fault == StoreFault::kS3KeyTaken) {
        EXPECT_TRUE(EndsWith(key, "-1.csv")) << key;
        where = "stored under the next free key (`-1`), the other object kept";
      }
    } else {
      const auto files = FilesUnder(records);
      ASSERT_EQ(files.size(), 1u);
      EXPECT_TRUE(EndsWith(files[0].string(), key)) << files[0] << " vs " << key;
      where = "stored (directory)";
    }
    EXPECT_TRUE(FilesUnder(spool).empty());
  } else if (state == "spooled") {
    // Kept for a retry, under the key the answer names; the user is told.
    EXPECT_EQ(rec["stored"], false);
    const auto files = FilesUnder(spool);
    ASSERT_EQ(files.size(), 1u) << o.body.dump();
    EXPECT_TRUE(EndsWith(files[0].string(), key)) << files[0] << " vs " << key;
    EXPECT_TRUE(s3.objects().empty());
    EXPECT_NE(o.logs.find("record not stored"), std::string::npos) << o.logs;
    where = "spooled for retry (answer and log say so)";
  } else {
    // Neither the store nor the spool took it: the answer and a warning say so.
    EXPECT_EQ(rec["stored"], false);
    EXPECT_FALSE(rec.value("message", "").empty()) << o.body.dump();
    EXPECT_NE(o.logs.find("record not stored"), std::string::npos) << o.logs;
    EXPECT_NE(o.logs.find("\"lost\""), std::string::npos) << o.logs;
    where = "not stored: the answer and a warning log line say so";
  }
  // The record holds the user's location: it never reaches the logs.
  EXPECT_EQ(o.logs.find("fault-matrix-secret"), std::string::npos);
  AddRow({c.component, c.what, o.status, o.duration_ms, where});
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreFaultTest, ::testing::ValuesIn(StoreCases()), StoreCaseName);

// A spooled record is not left behind: once S3 answers again, the next request stores its own
// record and pushes the spooled one; both are in the bucket exactly once.
TEST(StoreRecoveryTest, TheNextWriteAfterAnOutagePushesTheSpooledRecord) {
  Scratch scratch;
  fakes::OpenMeteoForecastFake openmeteo;
  fakes::S3Fake s3("fault-records");
  const fs::path spool = scratch.dir() / "spool";
  const std::map<std::string, std::string> env = {{"RAINCHECK_OPENMETEO_URL", openmeteo.base_url()},
                                                  {"RAINCHECK_RECORDS", "s3://" + s3.bucket()},
                                                  {"AWS_ENDPOINT_URL_S3", s3.endpoint()},
                                                  {"AWS_REGION", "eu-west-1"},
                                                  {"AWS_ACCESS_KEY_ID", "AKIDFAULTMATRIX"},
                                                  {"AWS_SECRET_ACCESS_KEY", "fault-matrix-secret"},
                                                  {"RAINCHECK_SPOOL", spool.string()}};
  s3.set_fault(fakes::S3Fake::Fault::kServerError);
  const Outcome down = Invoke(env);
  ASSERT_EQ(down.status, 200);
  ASSERT_EQ(down.body["record"]["state"], "spooled");
  ASSERT_EQ(FilesUnder(spool).size(), 1u);

  s3.set_fault(fakes::S3Fake::Fault::kNone);
  const Outcome up = Invoke(env);
  ASSERT_EQ(up.status, 200);
  EXPECT_EQ(up.body["record"]["state"], "stored");
  const auto objects = s3.objects();
  EXPECT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects.count(down.body["record"]["key"]), 1u);
  EXPECT_EQ(objects.count(up.body["record"]["key"]), 1u);
  EXPECT_TRUE(FilesUnder(spool).empty());
  AddRow({"store: S3", "500, then healthy (next request)", up.status, up.duration_ms,
          "the next write stores its own record and pushes the spooled one"});
}

}  // namespace
}  // namespace raincheck
