// S3Store against a scripted http::Client: what goes on the wire, and how S3's documented
// XML errors are reported. The real-server behaviour is in tests/s3_moto_test.cc.
#include "store/s3_store.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "base/strings.h"
#include "store/digest.h"

namespace raincheck::store {
namespace {

class ScriptedClient final : public http::Client {
 public:
  Result<http::Response> Send(const http::Request& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (replies.empty()) return Status::Internal("unexpected request " + request.url);
    Result<http::Response> r = replies.front();
    replies.pop_front();
    return r;
  }
  void Reply(int status, std::string body = "") {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    replies.emplace_back(r);
  }
  std::vector<http::Request> requests;
  std::deque<Result<http::Response>> replies;

 private:
  std::mutex mu_;
};

std::string Header(const http::Request& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (base::EqualsIgnoreAsciiCase(n, name)) return v;
  }
  return "";
}

constexpr char kSecret[] = "s3cr3tValueThatMustNeverLeak0123456789ab";

S3Options Options() {
  S3Options o;
  o.bucket = "rain-records";
  o.prefix = "records/";
  o.region = "eu-west-1";
  o.credentials = {"AKIDTEST", kSecret, ""};
  return o;
}

Record MakeRecord() {
  Record r;
  r.timestamp = base::FromUnixMillis(1795832165123);
  r.city = "Cape Town";
  r.request_id = "req-1";
  r.Set("prob_rain", 0.25);
  return r;
}

class S3StoreTest : public ::testing::Test {
 protected:
  base::ManualClock clock_{base::FromUnixMillis(1795832165123)};
  ScriptedClient client_;
  const base::TimePoint deadline_ = base::FromUnixMillis(1795832165123) + std::chrono::seconds(2);
};

TEST_F(S3StoreTest, PutIsAVirtualHostedSignedConditionalPutWithChecksums) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(200);
  const auto key = store.Put(MakeRecord(), deadline_);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, "dt=2026-11-28/20261128T021605.123Z_cape-town_req-1.csv");
  ASSERT_EQ(client_.requests.size(), 1u);
  const http::Request& r = client_.requests[0];
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url,
            "https://rain-records.s3.eu-west-1.amazonaws.com/records/"
            "dt%3D2026-11-28/20261128T021605.123Z_cape-town_req-1.csv");
  EXPECT_EQ(r.body, "prob_rain\r\n0.25\r\n");
  EXPECT_EQ(Header(r, "Content-MD5"), Md5Base64(r.body));
  EXPECT_EQ(Header(r, "X-Amz-Content-Sha256"), Sha256Hex(r.body));
  EXPECT_EQ(Header(r, "If-None-Match"), "*");
  EXPECT_EQ(Header(r, "Host"), "rain-records.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(Header(r, "X-Amz-Date"), "20261128T021605Z");
  EXPECT_EQ(Header(r, "Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(base::StartsWith(Header(r, "Authorization"),
                               "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261128/eu-west-1/s3/"
                               "aws4_request, SignedHeaders=content-md5;content-type;host;"
                               "if-none-match;x-amz-content-sha256;x-amz-date, Signature="));
  EXPECT_EQ(r.deadline, deadline_);
  for (const auto& [n, v] : r.headers) EXPECT_EQ(v.find(kSecret), std::string::npos) << n;
}

TEST_F(S3StoreTest, PathStyleOnCustomEndpointAndSessionToken) {
  S3Options o = Options();
  o.endpoint = "http://127.0.0.1:9000/";
  o.credentials.session_token = "TOKEN123";
  S3Store store(o, client_, clock_);
  client_.Reply(200);
  ASSERT_TRUE(store.Put(MakeRecord(), deadline_).ok());
  const http::Request& r = client_.requests[0];
  EXPECT_TRUE(base::StartsWith(r.url, "http://127.0.0.1:9000/rain-records/records/dt%3D2026"));
  EXPECT_EQ(Header(r, "Host"), "127.0.0.1:9000");
  EXPECT_EQ(Header(r, "X-Amz-Security-Token"), "TOKEN123");
  EXPECT_NE(Header(r, "Authorization").find("x-amz-security-token"), std::string::npos);
}

TEST_F(S3StoreTest, VirtualHostedOnCustomEndpointWhenAsked) {
  S3Options o = Options();
  o.endpoint = "http://localhost:9000";
  o.addressing = S3Addressing::kVirtualHosted;
  S3Store store(o, client_, clock_);
  client_.Reply(200);
  ASSERT_TRUE(store.Put(MakeRecord(), deadline_).ok());
  EXPECT_TRUE(base::StartsWith(client_.requests[0].url,
                               "http://rain-records.localhost:9000/records/dt%3D"));
}

TEST_F(S3StoreTest, TakenKeyWithOtherBytesMovesToNextKeySameBytesIsDone) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(412, "<Error><Code>PreconditionFailed</Code></Error>");
  client_.Reply(200, "someone else's record");
  client_.Reply(200);
  const auto key = store.Put(MakeRecord(), deadline_);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, "dt=2026-11-28/20261128T021605.123Z_cape-town_req-1-1.csv");
  ASSERT_EQ(client_.requests.size(), 3u);
  EXPECT_EQ(client_.requests[1].method, "GET");

  client_.requests.clear();
  client_.Reply(412, "<Error><Code>PreconditionFailed</Code></Error>");
  client_.Reply(200, "prob_rain\r\n0.25\r\n");
  const auto again = store.Put(MakeRecord(), deadline_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "dt=2026-11-28/20261128T021605.123Z_cape-town_req-1.csv");
  EXPECT_EQ(client_.requests.size(), 2u);
}

// A role with s3:PutObject alone: the retried write's read-back is refused, and the error
// says which permission the retry path needs (never the record's key: it names the city).
TEST_F(S3StoreTest, TakenKeyThatCannotBeReadBackNamesTheMissingPermission) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(412, "<Error><Code>PreconditionFailed</Code></Error>");
  client_.Reply(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
  const auto key = store.Put(MakeRecord(), deadline_);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(key.status().message().find("needs s3:GetObject on s3://rain-records/"),
            std::string::npos)
      << key.status().message();
  EXPECT_NE(key.status().message().find("AccessDenied"), std::string::npos);
  EXPECT_EQ(key.status().message().find("cape-town"), std::string::npos);
  ASSERT_EQ(client_.requests.size(), 2u);
  EXPECT_EQ(client_.requests[1].method, "GET");
}

TEST_F(S3StoreTest, ServerWithoutConditionalWritesGetsPlainPuts) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(501, "<Error><Code>NotImplemented</Code></Error>");
  client_.Reply(200);
  ASSERT_TRUE(store.Put(MakeRecord(), deadline_).ok());
  ASSERT_EQ(client_.requests.size(), 2u);
  EXPECT_EQ(Header(client_.requests[1], "If-None-Match"), "");
}

struct ErrorCase {
  int status;
  const char* code;
  StatusCode expected;
  const char* must_mention;
};

TEST_F(S3StoreTest, DocumentedErrorsAreReportedByCodeWithoutSecrets) {
  const ErrorCase cases[] = {
      {403, "SignatureDoesNotMatch", StatusCode::kPermissionDenied, "AWS_SECRET_ACCESS_KEY"},
      {403, "InvalidAccessKeyId", StatusCode::kPermissionDenied, "AWS_ACCESS_KEY_ID"},
      {403, "AccessDenied", StatusCode::kPermissionDenied, "s3:PutObject"},
      {400, "ExpiredToken", StatusCode::kPermissionDenied, "AWS_SESSION_TOKEN"},
      {403, "RequestTimeTooSkewed", StatusCode::kFailedPrecondition, "15 minutes"},
      {404, "NoSuchBucket", StatusCode::kNotFound, "rain-records"},
      {503, "SlowDown", StatusCode::kResourceExhausted, "SlowDown"},
      {500, "InternalError", StatusCode::kUnavailable, "HTTP 500"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.code);
    S3Store store(Options(), client_, clock_);
    if (std::string_view(c.code) == "RequestTimeTooSkewed") {  // corrected once, then reported
      client_.Reply(c.status, std::string("<Error><Code>") + c.code +
                                  "</Code><ServerTime>"
                                  "2026-11-28T03:16:05Z</ServerTime></Error>");
    }
    // The shape of S3's error documents; SignatureDoesNotMatch also echoes the string to
    // sign and the canonical request, which must not be repeated.
    client_.Reply(c.status,
                  std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>") +
                      c.code +
                      "</Code><Message>Explained &amp; detailed.</Message>"
                      "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign>"
                      "<RequestTime>20261128T021605Z</RequestTime>"
                      "<ServerTime>2026-11-28T03:16:05Z</ServerTime>"
                      "<RequestId>4442587FB7D0A2F9</RequestId></Error>");
    const auto key = store.Put(MakeRecord(), deadline_);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), c.expected) << key.status().ToString();
    const std::string msg = key.status().message();
    EXPECT_NE(msg.find(c.must_mention), std::string::npos) << msg;
    EXPECT_EQ(msg.find(kSecret), std::string::npos);
    EXPECT_EQ(msg.find("secret-ish"), std::string::npos);
  }
}

TEST_F(S3StoreTest, ClockSkewIsCorrectedFromServerTimeOnceThenReported) {
  S3Store store(Options(), client_, clock_);
  const std::string skewed =
      "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request "
      "time and the current time is too large.</Message><RequestTime>20261128T021605Z"
      "</RequestTime><ServerTime>2026-11-28T03:16:05Z</ServerTime></Error>";
  client_.Reply(403, skewed);
  client_.Reply(200);
  ASSERT_TRUE(store.Put(MakeRecord(), deadline_).ok());
  ASSERT_EQ(client_.requests.size(), 2u);
  EXPECT_EQ(Header(client_.requests[0], "X-Amz-Date"), "20261128T021605Z");
  EXPECT_EQ(Header(client_.requests[1], "X-Amz-Date"), "20261128T031605Z");
  // The offset is kept for later requests.
  client_.Reply(200, "x");
  ASSERT_TRUE(store.Get("dt=2026-11-28/a.csv").ok());
  EXPECT_EQ(Header(client_.requests[2], "X-Amz-Date"), "20261128T031605Z");
  // Still refused after the correction: reported.
  client_.Reply(403, skewed);
  client_.Reply(403, skewed);
  const auto key = store.Put(MakeRecord(), deadline_);
  EXPECT_EQ(key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_.requests.size(), 5u);
}

// Found by the fuzz target s3_xml (fuzz/corpus/s3_xml/crash-server-time-year-4052.xml): a
// ServerTime past what the clock holds overflowed converting it (UBSan). Now it is no time: the
// skew is not corrected and the refusal is reported.
TEST_F(S3StoreTest, AServerTimeTheClockCannotHoldIsNotACorrection) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(403,
                "<Error><Code>RequestTimeTooSkewed</Code><ServerTime>4052-11-28T05:16:05Z"
                "</ServerTime></Error>");
  const auto key = store.Put(MakeRecord(), deadline_);
  EXPECT_EQ(key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_.requests.size(), 1u);
  client_.Reply(200);
  ASSERT_TRUE(store.Put(MakeRecord(), deadline_).ok());
  EXPECT_EQ(Header(client_.requests[1], "X-Amz-Date"), "20261128T021605Z");
}

TEST_F(S3StoreTest, TransportErrorsPassThrough) {
  S3Store store(Options(), client_, clock_);
  client_.replies.emplace_back(Status::DeadlineExceeded("attempt timed out"));
  EXPECT_EQ(store.Put(MakeRecord(), deadline_).status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(S3StoreTest, ListFollowsContinuationTokensAndStripsThePrefix) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(200,
                "<ListBucketResult><Name>rain-records</Name><IsTruncated>true</IsTruncated>"
                "<Contents><Key>records/dt=2026-11-28/b.csv</Key></Contents>"
                "<NextContinuationToken>tok+/=1</NextContinuationToken></ListBucketResult>");
  client_.Reply(200,
                "<ListBucketResult><IsTruncated>false</IsTruncated>"
                "<Contents><Key>records/dt=2026-11-28/a&amp;.csv</Key></Contents>"
                "</ListBucketResult>");
  const auto keys = store.List("dt=2026-11-28/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, (std::vector<std::string>{"dt=2026-11-28/a&.csv", "dt=2026-11-28/b.csv"}));
  ASSERT_EQ(client_.requests.size(), 2u);
  EXPECT_EQ(client_.requests[0].url,
            "https://rain-records.s3.eu-west-1.amazonaws.com/"
            "?list-type=2&prefix=records%2Fdt%3D2026-11-28%2F");
  EXPECT_NE(client_.requests[1].url.find("continuation-token=tok%2B%2F%3D1"), std::string::npos);
}

TEST_F(S3StoreTest, GetReturnsBodyOrNotFound) {
  S3Store store(Options(), client_, clock_);
  client_.Reply(200, "body");
  EXPECT_EQ(*store.Get("dt=2026-11-28/a.csv"), "body");
  client_.Reply(404, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
  EXPECT_EQ(store.Get("dt=2026-11-28/b.csv").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Get("../x").status().code(), StatusCode::kInvalidArgument);
}

TEST(S3StoreValidate, ChecksBucketPrefixEndpointAndCredentials) {
  S3Options o = Options();
  EXPECT_TRUE(S3Store::Validate(o).ok());
  o.bucket = "Bad_Bucket";
  EXPECT_EQ(S3Store::Validate(o).code(), StatusCode::kInvalidArgument);
  o = Options();
  o.prefix = "no-slash";
  EXPECT_FALSE(S3Store::Validate(o).ok());
  o = Options();
  o.endpoint = "ftp://x";
  EXPECT_FALSE(S3Store::Validate(o).ok());
  o = Options();
  o.credentials.secret_access_key.clear();
  const Status s = S3Store::Validate(o);
  EXPECT_NE(s.message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::store
