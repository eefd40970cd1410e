#include "providers/secrets.h"

#include <gtest/gtest.h>

#include <atomic>

#include "http/curl_client.h"
#include "tests/fakes/loopback_server.h"

namespace raincheck::providers {
namespace {

using std::chrono::milliseconds;

constexpr char kToken[] = "session-token-123";
constexpr char kSecret[] = "liq_SECRET_abcdef";

// The Parameters and Secrets Lambda Extension's HTTP API, as documented.
class ExtensionFake {
 public:
  ExtensionFake() {
    server_.server().Get("/systemsmanager/parameters/get", [this](const httplib::Request& req,
                                                                  httplib::Response& res) {
      ++calls;
      if (req.get_header_value("X-Aws-Parameters-Secrets-Token") != kToken) {
        res.status = 401;
        return;
      }
      if (req.get_param_value("name") != "/raincheck/locationiq-key") {
        res.status = 400;
        res.set_content("ParameterNotFound", "text/plain");
        return;
      }
      res.set_content(
          std::string(
              R"({"Parameter":{"ARN":"arn:aws:ssm:us-east-1:123456789012:parameter/raincheck/locationiq-key","DataType":"text","LastModifiedDate":"2026-11-01T10:00:00Z","Name":"/raincheck/locationiq-key","Selector":null,"SourceResult":null,"Type":"SecureString","Value":")") +
              kSecret + R"(","Version":3},"ResultMetadata":{}})",
          "application/json");
    });
    server_.server().Get("/secretsmanager/get", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
      ++calls;
      if (req.get_header_value("X-Aws-Parameters-Secrets-Token") != kToken) {
        res.status = 403;
        return;
      }
      const std::string id = req.get_param_value("secretId");
      const std::string secret = id == "json-secret"
                                     ? std::string(R"({\"DARKSKY_KEY\":\")") + kSecret + R"(\"})"
                                     : std::string(kSecret);
      res.set_content(
          R"({"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:)" + id +
              R"(","Name":")" + id + R"(","SecretString":")" + secret +
              R"(","VersionId":"v1","VersionStages":["AWSCURRENT"],"CreatedDate":"2026-11-01T10:00:00Z"})",
          "application/json");
    });
    server_.Start();
  }
  std::string url() const { return server_.base_url(); }
  std::atomic<int> calls{0};

 private:
  fakes::LoopbackServer server_;
};

class SecretsTest : public ::testing::Test {
 protected:
  SecretsTest()
      : client_(clock_, {.base_backoff = milliseconds(5)}),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_ += l; }) {}
  base::CallContext Ctx() {
    base::CallContext c;
    c.deadline = clock_.Now() + milliseconds(3000);
    return c;
  }
  ExtensionKeySpec Spec(ExtensionKeySpec::Store store, std::string id) {
    ExtensionKeySpec s;
    s.label = store == ExtensionKeySpec::Store::kSsmParameter ? "LOCATIONIQ_KEY" : "DARKSKY_KEY";
    s.store = store;
    s.id = std::move(id);
    s.base_url = ext_.url();
    s.session_token = kToken;
    return s;
  }
  base::SystemClock clock_;
  ExtensionFake ext_;
  http::CurlClient client_;
  std::string log_;
  base::Logger logger_;
};

TEST_F(SecretsTest, FetchesAnSsmParameterOnceAndCachesIt) {
  ExtensionApiKey key(Spec(ExtensionKeySpec::Store::kSsmParameter, "/raincheck/locationiq-key"),
                      client_, logger_);
  EXPECT_EQ(ext_.calls.load(), 0);  // nothing fetched before first use
  auto first = key.Get(Ctx());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, kSecret);
  EXPECT_EQ(*key.Get(Ctx()), kSecret);
  EXPECT_EQ(ext_.calls.load(), 1);
  EXPECT_EQ(log_.find(kSecret), std::string::npos);
}

TEST_F(SecretsTest, FetchesSecretsManagerStringsAndJsonSecrets) {
  ExtensionApiKey plain(Spec(ExtensionKeySpec::Store::kSecretsManager, "plain-secret"), client_,
                        logger_);
  EXPECT_EQ(*plain.Get(Ctx()), kSecret);
  ExtensionApiKey json(Spec(ExtensionKeySpec::Store::kSecretsManager, "json-secret"), client_,
                       logger_);
  EXPECT_EQ(*json.Get(Ctx()), kSecret);
}

TEST_F(SecretsTest, FailuresAreClearAndNotCached) {
  auto spec = Spec(ExtensionKeySpec::Store::kSsmParameter, "/raincheck/locationiq-key");
  spec.session_token = "wrong";
  ExtensionApiKey refused(spec, client_, logger_);
  auto r = refused.Get(Ctx());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("LOCATIONIQ_KEY"), std::string::npos);
  (void)refused.Get(Ctx());
  EXPECT_EQ(ext_.calls.load(), 2);  // a failure is retried on the next call

  ExtensionApiKey missing(Spec(ExtensionKeySpec::Store::kSsmParameter, "/nope"), client_, logger_);
  EXPECT_EQ(missing.Get(Ctx()).status().code(), StatusCode::kUnavailable);

  auto gone = Spec(ExtensionKeySpec::Store::kSsmParameter, "/raincheck/locationiq-key");
  gone.base_url = "http://127.0.0.1:" + std::to_string(fakes::UnusedLoopbackPort());
  ExtensionApiKey unreachable(gone, client_, logger_);
  EXPECT_EQ(unreachable.Get(Ctx()).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(log_.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace raincheck::providers
