// S3 records against a real moto_server with IAM authentication on: the signer, the store,
// the spool and the libcurl client together, over real HTTP on 127.0.0.1.
//
// moto (5.2.1) checks a signature against the URL as its web framework re-quotes it, which
// leaves '=' and '+' in the path and '/' in query values unescaped, while S3 and every AWS
// SDK escape them (%3D, %2F): boto3 fails against moto the same way for a key holding '=' or
// a list prefix holding '/' (checked). So here records are written through Write() with the
// "dt=" of their date partition dropped ("2026-11-28/..."), the same code path as Put()
// after encoding, the store has no prefix, and list prefixes hold no '/'. The escaping
// itself is covered in store/s3_store_test.cc and by AWS's published examples in
// store/sigv4_test.cc.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "base/clock.h"
#include "http/curl_client.h"
#include "store/s3_store.h"
#include "store/spooling_store.h"
#include "tests/support/moto_server.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using store::Record;
using store::RecordFormat;
using store::S3Options;
using store::S3Store;
using store::SpoolingStore;
using store::WriteOutcome;

constexpr char kBucket[] = "raincheck-records";

class S3MotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MotoServerInstalled())
        << "moto_server is not on PATH; CI machines have it (pip install 'moto[server]')";
    auto server = testing::MotoServer::Start(/*unauthenticated_actions=*/4);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    moto_ = std::move(server).value();
    auto creds = moto_->CreateS3User(client_, "raincheck-writer");
    ASSERT_TRUE(creds.ok()) << creds.status().ToString();
    creds_ = *creds;
    ASSERT_TRUE(moto_->CreateBucket(client_, creds_, kBucket).ok());
    char tmpl[] = "/tmp/raincheck-moto-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    spool_ = tmpl;
  }
  void TearDown() override {
    moto_.reset();
    if (!spool_.empty()) fs::remove_all(spool_);
  }

  S3Options Options(store::Credentials creds) const {
    S3Options o;
    o.bucket = kBucket;
    o.prefix = "";
    o.region = "us-east-1";
    o.endpoint = moto_->endpoint();
    o.credentials = std::move(creds);
    o.attempt_timeout = std::chrono::milliseconds(2000);
    return o;
  }
  std::unique_ptr<SpoolingStore> Spooling(S3Options o) {
    return std::make_unique<SpoolingStore>(std::make_unique<S3Store>(o, client_, clock_), spool_,
                                           RecordFormat::kCsv, clock_);
  }
  static Record MakeRecord(int n, std::string city = "Cape Town") {
    Record r;
    r.timestamp = base::FromUnixMillis(1795832165000 + n);
    r.city = std::move(city);
    r.request_id = "req-" + std::to_string(n);
    r.Set("datetime", "2026-11-28T02:16:05Z");
    r.Set("prob_rain", 0.125 * n);
    r.Set("pred_rain", n % 2 == 0);
    return r;
  }
  // The record as Put() would write it, under a key moto can verify (see the top comment).
  static store::EncodedRecord Encoded(const Record& record) {
    store::EncodedRecord e = *store::EncodeRecord(record, RecordFormat::kCsv);
    e.key = e.key.substr(3);  // "dt=2026-11-28/..." -> "2026-11-28/..."
    return e;
  }
  base::TimePoint Deadline(int ms = 3000) const {
    return clock_.Now() + std::chrono::milliseconds(ms);
  }

  base::SystemClock clock_;
  http::CurlClient client_{clock_};
  std::unique_ptr<testing::MotoServer> moto_;
  store::Credentials creds_;
  std::string spool_;
};

TEST_F(S3MotoTest, RightSecretStoresListsAndReadsBack) {
  S3Store s3(Options(creds_), client_, clock_);
  std::vector<std::string> keys;
  for (int n = 0; n < 3; ++n) {
    const auto key =
        s3.Write(Encoded(MakeRecord(n, n == 1 ? "São Paulo" : "Cape Town")), Deadline());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    keys.push_back(*key);
  }
  EXPECT_EQ(keys[1], "2026-11-28/20261128T021605.001Z_sao-paulo_req-1.csv");
  const auto listed = s3.List("2026-11-28");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, keys);
  const auto body = s3.Get(keys[2]);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "datetime,prob_rain,pred_rain\r\n2026-11-28T02:16:05Z,0.25,true\r\n");
  EXPECT_EQ(s3.Get("2026-11-28/absent.csv").status().code(), StatusCode::kNotFound);
}

TEST_F(S3MotoTest, NeverOverwritesAndRetriesAreIdempotent) {
  S3Store s3(Options(creds_), client_, clock_);
  const auto first = s3.Write(Encoded(MakeRecord(1)), Deadline());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const auto again = s3.Write(Encoded(MakeRecord(1)), Deadline());  // same bytes: no duplicate
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  Record other = MakeRecord(1);
  other.Set("prob_rain", 0.9);  // same key, other bytes: If-None-Match refuses, next key
  const auto second = s3.Write(Encoded(other), Deadline());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, store::CollisionKey(*first, 1));
  EXPECT_NE(*s3.Get(*first), *s3.Get(*second));
  EXPECT_EQ(s3.List("")->size(), 2u);
}

TEST_F(S3MotoTest, VirtualHostedAddressingWorksToo) {
  S3Options o = Options(creds_);
  o.endpoint = "http://localhost:" + std::to_string(moto_->port());
  o.addressing = store::S3Addressing::kVirtualHosted;  // http://raincheck-records.localhost:port
  S3Store s3(o, client_, clock_);
  const auto key = s3.Write(Encoded(MakeRecord(4)), Deadline());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*s3.List(""), std::vector<std::string>{*key});
  // The same object through path-style addressing.
  S3Store path_style(Options(creds_), client_, clock_);
  EXPECT_EQ(*path_style.Get(*key), *s3.Get(*key));
}

TEST_F(S3MotoTest, WrongSecretIsRefusedAndTheRecordSpooled) {
  store::Credentials wrong = creds_;
  wrong.secret_access_key = "0123456789abcdefghij0123456789abcdefghij";
  auto store = Spooling(Options(wrong));
  const WriteOutcome out = store->StoreEncoded(Encoded(MakeRecord(1)), Deadline());
  EXPECT_EQ(out.state, WriteOutcome::State::kSpooled);
  EXPECT_EQ(out.error.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(out.error.message().find("SignatureDoesNotMatch"), std::string::npos)
      << out.error.message();
  EXPECT_EQ(out.error.message().find(wrong.secret_access_key), std::string::npos);
  EXPECT_EQ(store->Spooled()->size(), 1u);

  store::Credentials unknown{"AKIAUNKNOWNUNKNOWN00", creds_.secret_access_key, ""};
  auto store2 = Spooling(Options(unknown));
  const WriteOutcome out2 = store2->StoreEncoded(Encoded(MakeRecord(2)), Deadline());
  EXPECT_EQ(out2.state, WriteOutcome::State::kSpooled);
  EXPECT_NE(out2.error.message().find("InvalidAccessKeyId"), std::string::npos)
      << out2.error.message();

  // Nothing reached the bucket; the right credentials then push both spooled records.
  S3Store right(Options(creds_), client_, clock_);
  EXPECT_TRUE(right.List("")->empty());
  auto fixed = Spooling(Options(creds_));
  const store::FlushResult flushed = fixed->Flush(Deadline());
  EXPECT_EQ(flushed.flushed, 2);
  EXPECT_EQ(right.List("")->size(), 2u);
}

TEST_F(S3MotoTest, MissingBucketIsReportedClearly) {
  S3Options o = Options(creds_);
  o.bucket = "no-such-raincheck-bucket";
  S3Store s3(o, client_, clock_);
  const auto key = s3.Write(Encoded(MakeRecord(1)), Deadline());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kNotFound);
  EXPECT_NE(key.status().message().find("NoSuchBucket"), std::string::npos);
}

TEST_F(S3MotoTest, ServerDownThenBackLosesNothing) {
  S3Options o = Options(creds_);
  o.attempt_timeout = std::chrono::milliseconds(300);
  o.max_retries = 1;
  auto store = Spooling(o);

  moto_->Pause();  // accepts connections, never answers
  for (int n = 0; n < 3; ++n) {
    const WriteOutcome out = store->StoreEncoded(Encoded(MakeRecord(n)), Deadline(700));
    EXPECT_EQ(out.state, WriteOutcome::State::kSpooled) << out.error.ToString();
    EXPECT_EQ(out.error.code(), StatusCode::kDeadlineExceeded) << out.error.ToString();
  }
  EXPECT_EQ(store->Spooled()->size(), 3u);

  moto_->Resume();
  const WriteOutcome back = store->StoreEncoded(Encoded(MakeRecord(3)), Deadline(5000));
  EXPECT_EQ(back.state, WriteOutcome::State::kStored) << back.error.ToString();
  const store::FlushResult rest = store->Flush(Deadline(5000));
  EXPECT_TRUE(rest.error.ok()) << rest.error.ToString();
  EXPECT_EQ(back.flushed + rest.flushed, 3);
  EXPECT_TRUE(store->Spooled()->empty());

  // Requests that timed out may still have landed once the server resumed; the keys hold
  // exactly one object per record either way.
  const auto keys = store->List("");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 4u);
  for (int n = 0; n < 4; ++n) {
    const store::EncodedRecord e = Encoded(MakeRecord(n));
    EXPECT_EQ(*store->Get(e.key), e.body) << e.key;
  }
}

TEST_F(S3MotoTest, ConnectionRefusedThenFlushedToTheServer) {
  S3Options down = Options(creds_);
  down.endpoint = "http://127.0.0.1:1";  // nothing listens there
  auto refused = Spooling(down);
  const WriteOutcome out = refused->StoreEncoded(Encoded(MakeRecord(7)), Deadline(1000));
  EXPECT_EQ(out.state, WriteOutcome::State::kSpooled);
  EXPECT_EQ(out.error.code(), StatusCode::kUnavailable) << out.error.ToString();

  auto up = Spooling(Options(creds_));  // the same spool, the store reachable again
  EXPECT_EQ(up->Flush(Deadline()).flushed, 1);
  EXPECT_EQ(*up->Get(out.key), *store::EncodeCsv(MakeRecord(7)));
}

TEST_F(S3MotoTest, RecordsCliListsAndPrintsWhatIsInTheBucket) {
  S3Store s3(Options(creds_), client_, clock_);
  const auto key = s3.Write(Encoded(MakeRecord(5)), Deadline());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const std::map<std::string, std::string> env = {
      {"RAINCHECK_RECORDS", std::string("s3://") + kBucket},
      {"RAINCHECK_SPOOL", spool_},
      {"AWS_ENDPOINT_URL_S3", moto_->endpoint()},
      {"AWS_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", creds_.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", creds_.secret_access_key}};
  const auto ls = testing::RunProcess({testing::BinaryPath("raincheck"), "records", "ls"}, "", env);
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out, *key + "\n");
  const auto cat =
      testing::RunProcess({testing::BinaryPath("raincheck"), "records", "cat", *key}, "", env);
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, Encoded(MakeRecord(5)).body);

  auto wrong = env;
  wrong["AWS_SECRET_ACCESS_KEY"] = "0123456789abcdefghij0123456789abcdefghij";
  const auto refused =
      testing::RunProcess({testing::BinaryPath("raincheck"), "records", "ls"}, "", wrong);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("SignatureDoesNotMatch"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(wrong["AWS_SECRET_ACCESS_KEY"]), std::string::npos);
}

}  // namespace
}  // namespace raincheck
