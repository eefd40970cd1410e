// The Lambda Invoke API over real HTTP, in front of the emulator running the scripted runtime.
#include "local/invoke_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/strings.h"
#include "http/curl_client.h"

namespace raincheck::local {
namespace {

using ::testing::HasSubstr;

std::string Header(const http::Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (base::EqualsIgnoreAsciiCase(key, name)) return value;
  }
  return {};
}

class InvokeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions options;
    options.bootstrap_path = RAINCHECK_BINARY_DIR "/tests/scripted_runtime";
    options.max_concurrency = 2;
    for (auto& pair : PassThroughEnvironment()) {
      if (pair.first.find("SAN_OPTIONS") != std::string::npos) options.environment.push_back(pair);
    }
    options.log_sink = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
    emulator_ = std::make_unique<Emulator>(options);
    ASSERT_TRUE(emulator_->Start().ok());
    server_ = std::make_unique<InvokeApiServer>(*emulator_, InvokeApiOptions{"127.0.0.1", 0});
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    client_.reset();  // closes its keep-alive connections, which the server would wait for
    emulator_->Shutdown();
    server_->Stop();
  }

  http::Response Invoke(std::string body, http::Headers headers = {},
                        const std::string& function = "raincheck", const std::string& query = "") {
    http::Request request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/2015-03-31/functions/" +
                  function + "/invocations" + query;
    request.headers = std::move(headers);
    request.max_retries = 0;
    request.body = std::move(body);
    auto response = client_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? *response : http::Response{};
  }

  bool SawLine(std::string_view needle) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& line : lines_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<InvokeApiServer> server_;
  base::SystemClock clock_;
  std::unique_ptr<http::CurlClient> client_ = std::make_unique<http::CurlClient>(clock_);
  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST_F(InvokeApiTest, RequestResponseReturnsThePayload) {
  http::Response r = Invoke(R"({"k":"v"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(Header(r, "X-Amz-Function-Error"), "");
  EXPECT_EQ(Header(r, "X-Amz-Log-Result"), "");
  const nlohmann::json out = nlohmann::json::parse(r.body);
  EXPECT_EQ(out["event"]["k"], "v");
  EXPECT_EQ(out["request_id"], Header(r, "X-Amzn-RequestId"));
  // An empty body is the empty object, as on Lambda.
  EXPECT_EQ(nlohmann::json::parse(Invoke("").body)["event"], nlohmann::json::object());
  // The function may also be named by ARN or with the $LATEST qualifier.
  EXPECT_EQ(Invoke("{}", {}, "arn:aws:lambda:us-east-1:000000000000:function:raincheck").status,
            200);
  EXPECT_EQ(Invoke("{}", {}, "raincheck", "?Qualifier=%24LATEST").status, 200);
}

TEST_F(InvokeApiTest, FunctionErrorsAreFlaggedAndLogsTailed) {
  http::Response r = Invoke(R"({"throw":"kaput"})", {{"X-Amz-Log-Type", "Tail"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(nlohmann::json::parse(r.body)["errorMessage"], "kaput");
  auto log = base::Base64Decode(Header(r, "X-Amz-Log-Result"));
  ASSERT_TRUE(log.ok());
  EXPECT_THAT(*log, HasSubstr("START RequestId: " + Header(r, "X-Amzn-RequestId")));
  EXPECT_THAT(*log, HasSubstr("REPORT RequestId: " + Header(r, "X-Amzn-RequestId")));
}

TEST_F(InvokeApiTest, EventIsAcceptedAndRunsInTheBackground) {
  http::Response r = Invoke(R"({"log":"async-marker"})", {{"X-Amz-Invocation-Type", "Event"}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    seen = SawLine("] async-marker");
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
  // 256 KB is the limit for Event payloads.
  http::Response big = Invoke("\"" + std::string(kMaxAsyncRequestBytes, 'a') + "\"",
                              {{"X-Amz-Invocation-Type", "Event"}});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Header(big, "X-Amzn-ErrorType"), "RequestEntityTooLargeException");
}

TEST_F(InvokeApiTest, DryRunChecksWithoutRunning) {
  http::Response r = Invoke(R"({"log":"dry-marker"})", {{"X-Amz-Invocation-Type", "DryRun"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(Invoke("{}", {{"X-Amz-Invocation-Type", "DryRun"}}, "other").status, 404);
  EXPECT_FALSE(SawLine("dry-marker"));
}

TEST_F(InvokeApiTest, ClientErrorsGetLambdaErrorDocuments) {
  http::Response missing = Invoke("{}", {}, "other");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Header(missing, "X-Amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_THAT(
      nlohmann::json::parse(missing.body)["message"].get<std::string>(),
      HasSubstr("Function not found: arn:aws:lambda:us-east-1:000000000000:function:other"));
  EXPECT_EQ(Invoke("{}", {}, "raincheck", "?Qualifier=7").status, 404);

  http::Response not_json = Invoke("{not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Header(not_json, "X-Amzn-ErrorType"), "InvalidRequestContentException");

  http::Response bad_type = Invoke("{}", {{"X-Amz-Invocation-Type", "Sometimes"}});
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_EQ(Header(bad_type, "X-Amzn-ErrorType"), "InvalidParameterValueException");

  http::Response too_big = Invoke("\"" + std::string(kMaxSyncRequestBytes, 'a') + "\"");
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(Header(too_big, "X-Amzn-ErrorType"), "RequestEntityTooLargeException");
  http::Response way_too_big = Invoke(std::string(kMaxSyncRequestBytes + (2u << 20), ' '));
  EXPECT_EQ(way_too_big.status, 413);
}

}  // namespace
}  // namespace raincheck::local
