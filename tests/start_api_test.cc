// Black-box tests of `raincheck start-api` over real HTTP: the binary as a user starts it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "base/env.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

using nlohmann::json;
using testing::BinaryPath;
using ::testing::HasSubstr;
using testing::RunProcess;

// `raincheck start-api ARGS` in the background; stdout is read for the URL it prints.
class StartApi {
 public:
  // `stderr_fd`: where its stderr goes (-1: inherited).
  explicit StartApi(std::vector<std::string> args, int stderr_fd = -1) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return;
    args.insert(args.begin(), {BinaryPath("raincheck"), "start-api"});
    testing::SpawnOptions options;
    options.stdout_fd = out[1];
    options.stderr_fd = stderr_fd;
    pid_ = testing::Spawn(args, options);
    close(out[1]);
    out_ = out[0];
    // Wait (bounded) for "serving http://host:port/".
    const std::regex serving("serving (http://[^ ]+/)");
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[1024];
      const ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      printed_.append(buf, static_cast<size_t>(n));
      std::smatch m;
      if (std::regex_search(printed_, m, serving)) {
        url_ = m[1];
        port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
        return;
      }
    }
  }
  ~StartApi() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  const std::string& url() const { return url_; }
  const std::string& printed() const { return printed_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  // Sends `sig` and returns the exit status (-1 if it did not exit normally).
  int Stop(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  int port_ = 0;
  std::string url_;
  std::string printed_;
};

// The function's upstream (Open-Meteo) on loopback and its records in a temporary directory.
class FunctionUpstreams {
 public:
  FunctionUpstreams()
      : dir_(std::filesystem::temp_directory_path() / ("rc-start-api-" + base::NewUuid())) {}
  ~FunctionUpstreams() { std::filesystem::remove_all(dir_); }
  // `extra` first, then the flags that point the function at the fakes.
  std::vector<std::string> Args(std::vector<std::string> extra) const {
    for (const std::string& kv : {"RAINCHECK_OPENMETEO_URL=" + openmeteo_.base_url(),
                                  "RAINCHECK_RECORDS=dir:" + (dir_ / "records").string(),
                                  "RAINCHECK_SPOOL=" + (dir_ / "spool").string()}) {
      extra.push_back("--env");
      extra.push_back(kv);
    }
    return extra;
  }
  // The records the function wrote so far.
  size_t RecordCount() const {
    size_t n = 0;
    if (!std::filesystem::exists(dir_ / "records")) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ / "records")) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  }
  // The forecasts the function asked the weather service for so far.
  int ForecastCount() const { return openmeteo_.hits(); }

 private:
  fakes::OpenMeteoForecastFake openmeteo_;
  std::filesystem::path dir_;
};

TEST(StartApiTest, ServesThePageTheFunctionAndHealthThenStopsOnSigterm) {
  FunctionUpstreams up;
  StartApi api(up.Args({"--port", "0", "--log-level", "warn"}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  EXPECT_THAT(api.url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_THAT(api.printed(), HasSubstr("forecast?city="));

  auto page = api.Client().Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("<label for=\"city\">City</label>"));
  for (const char* asset : {"/app.js", "/style.css", "/favicon.svg"}) {
    auto r = api.Client().Get(asset);
    ASSERT_TRUE(r) << asset;
    EXPECT_EQ(r->status, 200) << asset;
  }

  auto forecast = api.Client().Get("/forecast?city=Cape%20Town&format=json");
  ASSERT_TRUE(forecast);
  EXPECT_EQ(forecast->status, 200) << forecast->body;
  const json body = json::parse(forecast->body);
  EXPECT_EQ(body["city"], "Cape Town");
  EXPECT_EQ(body["place"]["country_code"], "ZA");
  EXPECT_TRUE(body["prediction"]["probability"].is_number());

  auto unknown = api.Client().Get("/forecast?city=Atlantisxyz&format=json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(body["request_id"], forecast->get_header_value("Apigw-Requestid"));

  auto html = api.Client().Get("/forecast?city=Lima");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 200);
  EXPECT_THAT(html->get_header_value("Content-Type"), HasSubstr("text/html"));

  auto invalid = api.Client().Get("/forecast?city=%01&format=json");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(json::parse(invalid->body)["error"]["status"], 400);

  auto health = api.Client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto missing = api.Client().Get("/secrets");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto wrong = api.Client().Delete("/forecast");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);

  EXPECT_EQ(api.Stop(SIGTERM), 0);
}

TEST(StartApiTest, ManyKeepAliveClientsAtOnce) {
  FunctionUpstreams up;
  StartApi api(up.Args({"--port", "0", "--log-level", "warn"}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  constexpr int kClients = 32;
  constexpr int kRequests = 20;
  std::vector<std::future<int>> oks;
  for (int c = 0; c < kClients; ++c) {
    oks.push_back(std::async(std::launch::async, [&api, c] {
      httplib::Client client = api.Client();
      client.set_keep_alive(true);
      int ok = 0;
      for (int i = 0; i < kRequests; ++i) {
        // Unknown cities: every answer is a distinct 404 naming the city asked for.
        const std::string city = "Nowhere" + std::to_string(c) + "x" + std::to_string(i);
        auto r = client.Get("/forecast?format=json&city=" + city);
        if (r && r->status == 404 && !json::parse(r->body)["error"]["request_id"].empty()) ++ok;
      }
      return ok;
    }));
  }
  for (auto& f : oks) EXPECT_EQ(f.get(), kRequests);
  EXPECT_EQ(api.Stop(SIGTERM), 0);
}

TEST(StartApiTest, RestPayloadAndSigint) {
  FunctionUpstreams up;
  StartApi api(up.Args({"--port", "0", "--payload", "1.0", "--log-level", "warn"}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  EXPECT_THAT(api.printed(), HasSubstr("payload 1.0"));
  auto r = api.Client().Get("/forecast?city=Lima&city=Quito&format=json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);  // a repeated city is refused by the function
  EXPECT_FALSE(r->get_header_value("x-amzn-RequestId").empty());
  auto ok = api.Client().Get("/forecast?city=Quito&format=json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(api.Stop(SIGINT), 0);
}

TEST(StartApiTest, UsageErrorsAndABusyPort) {
  auto bad_payload = RunProcess({BinaryPath("raincheck"), "start-api", "--payload", "3.0"});
  EXPECT_EQ(bad_payload.exit_code, 2);
  EXPECT_THAT(bad_payload.err, HasSubstr("--payload"));
  auto bad_port = RunProcess({BinaryPath("raincheck"), "start-api", "--port", "70000"});
  EXPECT_EQ(bad_port.exit_code, 2);

  StartApi first({"--port", "0", "--log-level", "warn"});
  ASSERT_FALSE(first.url().empty()) << first.printed();
  const std::string port = first.url().substr(first.url().rfind(':') + 1, 5);
  auto second =
      RunProcess({BinaryPath("raincheck"), "start-api", "--port", std::to_string(std::stoi(port))});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("cannot listen on 127.0.0.1:"));
  EXPECT_EQ(first.Stop(SIGTERM), 0);
}

// Function failures as the emulator reports them, from a runtime that misbehaves on purpose
// (tests/start_api/misbehaving_runtime.py), become API Gateway's answers.
TEST(StartApiTest, FunctionFailuresThroughTheEmulator) {
  const std::string runtime =
      std::string(RAINCHECK_SOURCE_DIR) + "/tests/start_api/misbehaving_runtime.py";
  struct Case {
    const char* mode;
    int status;
    const char* body;
  };
  for (const Case& c : {Case{"status", 418, "teapot"},
                        Case{"malformed", 502, R"({"message":"Internal server error"})"},
                        Case{"error", 502, R"({"message":"Internal server error"})"},
                        Case{"sleep", 504, R"({"message":"Endpoint request timed out"})"}}) {
    StartApi api({"--port", "0", "--log-level", "warn", "--timeout", "1", "--bootstrap", runtime,
                  "--env", std::string("RAINCHECK_TEST_MODE=") + c.mode});
    ASSERT_FALSE(api.url().empty()) << api.printed();
    auto r = api.Client().Get("/forecast?city=Lima");
    ASSERT_TRUE(r) << c.mode;
    EXPECT_EQ(r->status, c.status) << c.mode;
    EXPECT_EQ(r->body, c.body) << c.mode;
    EXPECT_EQ(api.Stop(SIGTERM), 0) << c.mode;
  }
}

// POST /predict through the local gateway and bootstrap answers what `raincheck predict` prints
// for the same rows of the shipped model, in both request shapes; GET /models lists it.
TEST(StartApiTest, PredictAnswersAsRaincheckPredictDoes) {
  FunctionUpstreams up;
  StartApi api(up.Args({"--port", "0", "--log-level", "warn"}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  const std::string model = RAINCHECK_BINARY_DIR "/models/seattle.rcf";
  const std::vector<std::string> columns = {"precipitation", "temp_max",   "temp_min",
                                            "wind",          "season_cos", "season_sin"};
  // The same decimal text in the CSV and in the JSON; an empty cell (null) is a missing value.
  const std::vector<std::vector<std::string>> cells = {
      {"0", "12.5", "4.1", "3.2", "0.9", "0.43"},
      {"8.4", "9", "6.5", "7.7", "-0.4", "0.91"},
      {"22.1", "15", "11", "", "0", "-1"},
      {"0.3", "21.7", "13.2", "2.1", "-0.95", "-0.3"},
      {"31.75", "7.25", "1.5", "11.4", "0.5", "0.866"},
      {"1.2", "", "", "5", "1", "0"}};
  std::string csv;
  std::string rows = "[";
  std::string data = "[";
  for (size_t c = 0; c < columns.size(); ++c) csv += (c ? "," : "") + columns[c];
  csv += "\n";
  for (size_t r = 0; r < cells.size(); ++r) {
    rows += r ? ",{" : "{";
    data += r ? ",[" : "[";
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string value = cells[r][c].empty() ? "null" : cells[r][c];
      csv += (c ? "," : "") + cells[r][c];
      rows += (c ? ",\"" : "\"") + columns[c] + "\":" + value;
      data += (c ? "," : "") + value;
    }
    csv += "\n";
    rows += "}";
    data += "]";
  }
  rows += "]";
  data += "]";

  const std::filesystem::path csv_path =
      std::filesystem::temp_directory_path() / ("rc-predict-" + base::NewUuid() + ".csv");
  { std::ofstream(csv_path) << csv; }
  const auto expected = RunProcess(
      {BinaryPath("raincheck"), "predict", "--model", model, "--data", csv_path.string()});
  std::filesystem::remove(csv_path);
  ASSERT_EQ(expected.exit_code, 0) << expected.err;

  // "seattle" is the model's file name; the build's models directory holds others too.
  for (const std::string& body :
       {"{\"model\":\"seattle\",\"rows\":" + rows + "}",
        "{\"model\":\"seattle\",\"columns\":" + json(columns).dump() + ",\"data\":" + data + "}"}) {
    auto r = api.Client().Post("/predict", body, "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json answer = json::parse(r->body);
    EXPECT_EQ(answer["model"]["file"], "seattle");
    std::string printed = "prediction,probability\n";
    for (const json& p : answer["predictions"]) {
      char line[64];
      std::snprintf(line, sizeof line, "%d,%.6f\n", p["class"].get<int>(),
                    p["probability"].get<double>());
      printed += line;
    }
    EXPECT_EQ(printed, expected.out) << body;
  }

  auto bad = api.Client().Post("/predict", R"({"model":"seattle","rows":[{"wind":"calm"}]})",
                               "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(json::parse(bad->body)["error"]["message"].get<std::string>(),
              HasSubstr("rows[0].wind"));
  auto unknown =
      api.Client().Post("/predict", R"({"model":"atlantis","rows":[]})", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto get = api.Client().Get("/predict");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  auto models = api.Client().Get("/models");
  ASSERT_TRUE(models);
  ASSERT_EQ(models->status, 200) << models->body;
  bool listed = false;
  const json listing = json::parse(models->body);
  for (const json& m : listing["models"]) listed = listed || m["file"] == "seattle";
  EXPECT_TRUE(listed) << models->body;
  EXPECT_EQ(api.Stop(SIGTERM), 0);
}

TEST(StartApiTest, AMissingBootstrapIsReported) {
  auto r = RunProcess({BinaryPath("raincheck"), "start-api", "--port", "0", "--bootstrap",
                       "/nonexistent/bootstrap"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/bootstrap"));
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The template's routes reach the function (not only /forecast), its environment (intrinsics
// resolved from the parameters' defaults) reaches the instances, --env-vars beats it, and GET /
// is the function's page as deployed, with the interactive page at /index.html.
TEST(StartApiTest, TemplateRoutesAndEnvironmentReachTheFunction) {
  FunctionUpstreams up;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rc-template-" + base::NewUuid());
  std::filesystem::create_directories(dir);
  // An architecture other than this machine's, which start-api warns about.
  struct utsname host {};
  ASSERT_EQ(uname(&host), 0);
  const std::string other_arch = std::string(host.machine) == "x86_64" ? "arm64" : "x86_64";
  WriteFile(dir / "template.yaml", R"(Transform: AWS::Serverless-2016-10-31
Parameters:
  City:
    Type: String
    Default: Lima
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 9
      MemorySize: 256
      Architectures: [)" + other_arch + R"(]
      Environment:
        Variables:
          RAINCHECK_DEFAULT_CITY: !Sub "${City}"
          TABLE_ARN: !GetAtt Table.Arn
      Events:
        Page:
          Type: HttpApi
          Properties: {Path: /, Method: GET}
        Weather:
          Type: HttpApi
          Properties: {Path: /weather, Method: GET}
)");
  WriteFile(dir / "env.json", R"({"Fn": {"RAINCHECK_DEFAULT_CITY": "Seattle"}})");
  const int err =
      open((dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  {
    StartApi api(up.Args({"--port", "0", "--log-level", "warn", "--template",
                          (dir / "template.yaml").string()}),
                 err);
    ASSERT_FALSE(api.url().empty()) << api.printed();
    EXPECT_THAT(api.printed(), HasSubstr("timeout 9 s, memory 256 MB"));
    auto weather = api.Client().Get("/weather?format=json");
    ASSERT_TRUE(weather);
    EXPECT_EQ(weather->status, 200) << weather->body;
    EXPECT_EQ(json::parse(weather->body)["city"], "Lima");      // !Sub from the parameter's default
    auto forecast = api.Client().Get("/forecast?format=json");  // not a route of this template
    ASSERT_TRUE(forecast);
    EXPECT_EQ(forecast->status, 404);
    auto page = api.Client().Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_THAT(page->get_header_value("Apigw-Requestid"), ::testing::Not(::testing::IsEmpty()));
    EXPECT_THAT(page->body, ::testing::Not(HasSubstr("/app.js")));  // the function's page
    auto interactive = api.Client().Get("/index.html");
    ASSERT_TRUE(interactive);
    EXPECT_THAT(interactive->body, HasSubstr("/app.js"));
    EXPECT_EQ(api.Stop(SIGTERM), 0);
  }
  close(err);
  // One warning line naming what could not be resolved, never a value.
  const std::string warned = ReadAll(dir / "stderr.txt");
  EXPECT_THAT(warned, HasSubstr("warning: the template's TABLE_ARN need the deployed stack"));
  EXPECT_THAT(warned, ::testing::Not(HasSubstr("Lima")));
  EXPECT_THAT(warned, HasSubstr("warning: the template's architecture is " + other_arch));

  StartApi api(
      up.Args({"--port", "0", "--log-level", "warn", "--template", (dir / "template.yaml").string(),
               "--env-vars", (dir / "env.json").string()}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  auto weather = api.Client().Get("/weather?format=json");
  ASSERT_TRUE(weather);
  EXPECT_EQ(json::parse(weather->body)["city"], "Seattle");

  // Broken input: one line, exit 2, no crash.
  WriteFile(dir / "broken.yaml", "Resources: [unclosed\n");
  WriteFile(dir / "broken.json", "{not json");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--template", (dir / "broken.yaml").string()},
        std::vector<std::string>{"--template", (dir / "template.yaml").string(), "--env-vars",
                                 (dir / "broken.json").string()}}) {
    std::vector<std::string> argv = {BinaryPath("raincheck"), "start-api", "--port", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = RunProcess(argv);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  std::filesystem::remove_all(dir);
}

// --watch: replacing the model file while requests are in flight loses none, and the new
// model answers after the reload, which the terminal reports.
TEST(StartApiTest, ReloadWhileRequestsAreInFlightLosesNone) {
  FunctionUpstreams up;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rc-reload-" + base::NewUuid());
  std::filesystem::create_directories(dir / "models");
  const std::filesystem::path models = RAINCHECK_BINARY_DIR "/models";
  std::filesystem::copy_file(models / "seattle.rcf", dir / "models" / "m.rcf");
  const int err =
      open((dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  StartApi api(up.Args({"--port", "0", "--log-level", "warn", "--template", "none", "--models",
                        (dir / "models").string()}),
               err);
  close(err);
  ASSERT_FALSE(api.url().empty()) << api.printed();
  auto model_name = [&](httplib::Client& c, int* status) {
    auto r = c.Get("/forecast?city=Seattle&format=json");
    *status = r ? r->status : -1;
    if (!r || r->status != 200) return std::string();
    return json::parse(r->body)["model"]["name"].get<std::string>();
  };
  httplib::Client probe = api.Client();
  int status = 0;
  const std::string before = model_name(probe, &status);
  ASSERT_EQ(status, 200);

  std::atomic<bool> replaced{false};
  std::vector<std::future<std::vector<int>>> clients;
  for (int t = 0; t < 4; ++t) {
    clients.push_back(std::async(std::launch::async, [&] {
      httplib::Client c = api.Client();
      std::vector<int> statuses;
      // Until well after the replacement (bounded).
      for (int i = 0; i < 400 && (statuses.size() < 20 || !replaced); ++i) {
        int s = 0;
        model_name(c, &s);
        statuses.push_back(s);
      }
      return statuses;
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Written beside, then renamed over: the function never sees half a file.
  std::filesystem::copy_file(models / "new-york.rcf", dir / "models" / "m.rcf.tmp");
  std::filesystem::rename(dir / "models" / "m.rcf.tmp", dir / "models" / "m.rcf");
  replaced = true;
  size_t answered = 0;
  for (auto& c : clients) {
    for (int s : c.get()) {
      EXPECT_EQ(s, 200);
      ++answered;
    }
  }
  EXPECT_GE(answered, 80u);
  // The new model answers once the reload is through (bounded wait).
  std::string after;
  for (int i = 0; i < 300 && (after.empty() || after == before); ++i) {
    after = model_name(probe, &status);
    EXPECT_EQ(status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(after, before);
  EXPECT_FALSE(after.empty());
  EXPECT_EQ(api.Stop(SIGTERM), 0);
  EXPECT_THAT(ReadAll(dir / "stderr.txt"), HasSubstr("reloaded: " + (dir / "models").string()));
  std::filesystem::remove_all(dir);
}

// --- Hostile HTTP (docs/start_api.md, "HTTP limits") ---------------------------------------

// One answer read off a raw connection.
struct RawAnswer {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// A TCP client that sends bytes no HTTP library would, from `source` (any 127/8 address).
class RawClient {
 public:
  explicit RawClient(int port, const std::string& source = "") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (!source.empty()) {
      inet_pton(AF_INET, source.c_str(), &from.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) return;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // The next answer (HEAD: no body), or nullopt when none is complete within `limit`.
  std::optional<RawAnswer> Read(std::chrono::milliseconds limit = std::chrono::seconds(30),
                                bool head = false) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (true) {
      const size_t blank = buf_.find("\r\n\r\n");
      if (blank != std::string::npos) {
        RawAnswer a;
        a.head = buf_.substr(0, blank + 2);
        a.status = std::stoi(a.head.substr(9, 3));
        size_t length = 0;
        const std::smatch m = Match(a.head, std::regex("\r\nContent-Length: ([0-9]+)\r\n"));
        if (!head && !m.empty()) length = std::stoul(m[1]);
        if (buf_.size() >= blank + 4 + length) {
          a.body = buf_.substr(blank + 4, length);
          buf_.erase(0, blank + 4 + length);
          return a;
        }
      }
      if (closed_ || !Fill(end)) return std::nullopt;
    }
  }
  // True when the server closes the connection within `limit`.
  bool ClosedWithin(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!closed_ && Fill(end)) {
    }
    return closed_;
  }

 private:
  static std::smatch Match(const std::string& text, const std::regex& re) {
    std::smatch m;
    std::regex_search(text, m, re);
    return m;
  }
  bool Fill(std::chrono::steady_clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buf_;
};

// The hostile test's findings, each against the real binary: the CL.0 desync, pipelining,
// Range, the lenient syntax, unknown methods, 100,000 headers, and HEAD /forecast.
TEST(StartApiHostileTest, SmugglingPipeliningRangeAndLenientSyntax) {
  FunctionUpstreams up;
  StartApi api(up.Args({"--port", "0", "--log-level", "warn"}));
  ASSERT_FALSE(api.url().empty()) << api.printed();
  const std::string host = "Host: 127.0.0.1\r\n";

  // CL.0: a GET whose body is a request. One answer; the body is no request of its own.
  {
    RawClient c(api.port());
    const std::string inner = "GET /nothere HTTP/1.1\r\n" + host + "\r\n";
    c.Send("GET /health HTTP/1.1\r\n" + host + "Content-Length: " + std::to_string(inner.size()) +
           "\r\n\r\n" + inner);
    auto first = c.Read();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 200);
    c.Send("GET /health HTTP/1.1\r\n" + host + "\r\n");
    auto next = c.Read();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);  // not the smuggled request's 404
  }
  // Pipelining: three requests in one segment, three answers in order, at once.
  {
    RawClient c(api.port());
    const auto start = std::chrono::steady_clock::now();
    c.Send("GET /health HTTP/1.1\r\n" + host + "\r\nGET /nothere HTTP/1.1\r\n" + host +
           "\r\nGET /forecast?city=Cape%20Town&format=json HTTP/1.1\r\n" + host + "\r\n");
    std::vector<int> statuses;
    for (int i = 0; i < 3; ++i) {
      auto a = c.Read();
      ASSERT_TRUE(a) << i;
      statuses.push_back(a->status);
    }
    EXPECT_EQ(statuses, (std::vector<int>{200, 404, 200}));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  }
  // Range: the function's response goes out whole, with its own Content-Type.
  for (const char* range : {"bytes=0-9", "bytes=0-1,4-5"}) {
    httplib::Client client = api.Client();
    auto r = client.Get("/forecast?city=Cape%20Town&format=json", {{"Range", range}});
    ASSERT_TRUE(r) << range;
    EXPECT_EQ(r->status, 200) << range;
    EXPECT_THAT(r->get_header_value("Content-Type"), HasSubstr("application/json")) << range;
    EXPECT_EQ(json::parse(r->body)["city"], "Cape Town") << range;
  }
  // The lenient cases, each refused with its status and Connection: close.
  struct Case {
    const char* what;
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"space before the colon", "GET /health HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"obs-fold", "GET /health HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n", 400},
      {"bare CR", "GET /health HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", 400},
      {"NUL", std::string("GET /health HTTP/1.1\r\n") + host + "X-A: a" + '\0' + "b\r\n\r\n", 400},
      {"two Content-Length",
       "POST /predict HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       400},
      {"Transfer-Encoding with Content-Length",
       "POST /predict HTTP/1.1\r\n" + host +
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"chunked",
       "POST /predict HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
      {"an unknown method", "FOO /forecast HTTP/1.1\r\n" + host + "\r\n", 405},
      {"a GET body over 4 MiB",
       "GET /forecast HTTP/1.1\r\n" + host + "Content-Length: 4194305\r\n\r\n", 413},
      {"a request line over 8 KiB",
       "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
  };
  for (const Case& c : cases) {
    RawClient client(api.port());
    client.Send(c.request);
    auto a = client.Read();
    ASSERT_TRUE(a) << c.what;
    EXPECT_EQ(a->status, c.status) << c.what;
    EXPECT_THAT(a->head, HasSubstr("Connection: close\r\n")) << c.what;
    EXPECT_TRUE(client.ClosedWithin(std::chrono::seconds(10))) << c.what;
  }
  // 100,000 headers: 431 as soon as the 101st arrives.
  {
    std::string request = "GET /forecast?city=Lima HTTP/1.1\r\n" + host;
    for (int i = 0; i < 100000; ++i) {
      request += "X-Header-";
      request += std::to_string(i);
      request += ": v\r\n";
    }
    request += "\r\n";
    RawClient c(api.port());
    const auto start = std::chrono::steady_clock::now();
    std::thread sender([&] { c.Send(request); });
    auto a = c.Read();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    sender.join();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 431);
    std::printf("start-api: 100,000 headers (%zu bytes) refused with 431 in %.1f ms\n",
                request.size(), ms);
  }
  // HEAD /forecast is not GET /forecast (API Gateway routes by method and path): 405, the
  // function is not invoked, no upstream is asked and no record is stored.
  {
    auto get = api.Client().Get("/forecast?city=Cape%20Town&format=json");
    ASSERT_TRUE(get);
    ASSERT_EQ(get->status, 200);
    size_t after_get = 0;
    for (int i = 0; i < 100 && (after_get = up.RecordCount()) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(after_get, 0u);  // a GET does store one
    const int forecasts_before = up.ForecastCount();
    auto head = api.Client().Head("/forecast?city=Cape%20Town&format=json");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 405);
    EXPECT_EQ(head->get_header_value("Allow"), "GET");
    EXPECT_EQ(head->body, "");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(up.RecordCount(), after_get);
    EXPECT_EQ(up.ForecastCount(), forecasts_before);
  }
  EXPECT_EQ(api.Stop(SIGTERM), 0);
}

// "127.0.3." and i -> "127.0.3.<1 + i % 40>": 40 client addresses.
std::string Source(std::string prefix, int i) { return prefix.append(std::to_string(1 + i % 40)); }

int ThreadsOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// 1,000 idle connections and 200 that send a header byte every second stay open while a new
// client asks for /health: it is answered at once (the target is under 100 ms), and the server
// has no thread per connection.
TEST(StartApiHostileTest, IdleAndSlowClientsDoNotStarveHealth) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_max < 2000) GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is under 2000";
  if (rl.rlim_cur < 2000) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  StartApi api({"--port", "0", "--log-level", "warn"});
  ASSERT_FALSE(api.url().empty()) << api.printed();
  const int threads_before = ThreadsOf(api.pid());
  // From 40 loopback addresses: 30 connections each, under the per-client limit (256).
  std::vector<std::unique_ptr<RawClient>> idle;
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<RawClient>(api.port(), Source("127.0.3.", i)));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawClient>(api.port(), Source("127.0.4.", i)));
    ASSERT_TRUE(slow.back()->connected()) << i;
  }
  // A byte every second, for 3 s: well within the idle (5 s) and header (10 s) timeouts.
  const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (size_t second = 0; second < 3; ++second) {
    for (auto& c : slow) c->Send(head.substr(second, 1));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::vector<double> latencies;
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    RawClient c(api.port());
    c.Send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = c.Read(std::chrono::seconds(10));  // anti-hang bound
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    ASSERT_TRUE(a) << i;
    EXPECT_EQ(a->status, 200);
  }
  const int threads_with = ThreadsOf(api.pid());
  size_t fds = 0;  // the server holds all 1,200 connections open
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(api.pid()) + "/fd")) {
    ++fds;
  }
  EXPECT_GE(fds, 1200u);
  std::sort(latencies.begin(), latencies.end());
  std::printf(
      "start-api: /health with 1,000 idle and 200 slow connections open: median %.2f ms, max "
      "%.2f ms over 20 (target < 100 ms); server threads %d before, %d with them\n",
      latencies[latencies.size() / 2], latencies.back(), threads_before, threads_with);
  EXPECT_LT(threads_with, threads_before + 10);  // no thread per connection
  idle.clear();
  slow.clear();
  EXPECT_EQ(api.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace raincheck
