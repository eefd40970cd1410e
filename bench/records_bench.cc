// What storing a record adds to a response: DirectoryStore::Put (fsynced, linked) on the local
// filesystem, and S3Store::Write (PutObject with SigV4, Content-MD5, If-None-Match) against a
// moto_server on 127.0.0.1 with IAM authentication on. Prints median and p99 per store.
//   build-bench/bin/records_bench [N]     (N records per store, default 300)
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "http/curl_client.h"
#include "store/directory_store.h"
#include "store/s3_store.h"
#include "store/sigv4.h"
#include "tests/support/moto_server.h"

namespace {

using namespace raincheck;
using Clock = std::chrono::steady_clock;

store::Record MakeRecord(int n) {
  store::Record r;
  r.timestamp = base::FromUnixMillis(1795832165000 + n);
  r.city = "Cape Town";
  r.request_id = "bench-" + std::to_string(n);
  for (const char* f : {"temperature", "humidity", "pressure", "wind_speed", "cloud_cover"}) {
    r.Set(f, 12.5 + n % 7);
  }
  r.Set("datetime", "2026-11-28T02:16:05Z");
  r.Set("prob_rain", 0.42);
  r.Set("pred_rain", false);
  r.Set("request_id", r.request_id);
  r.Set("city", r.city);
  r.Set("place", "Cape Town, Western Cape, South Africa");
  r.Set("place_source", "gazetteer");
  r.Set("model", "cape-town-rf");
  r.Set("model_version", "1");
  return r;
}

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[static_cast<size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  std::printf("%-44s n=%-4zu median %7.3f ms   p99 %7.3f ms   max %7.3f ms\n", what, ms.size(),
              at(0.5), at(0.99), ms.back());
}

template <typename F>
std::vector<double> Time(int n, F&& put) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    if (!put(i)) return {};
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 300;
  base::SystemClock clock;

  char tmpl[] = "/tmp/raincheck-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  {
    store::DirectoryStore dir(tmpl, store::RecordFormat::kCsv);
    auto ms = Time(n, [&](int i) { return dir.Put(MakeRecord(i), base::TimePoint::max()).ok(); });
    if (ms.empty()) return 1;
    Report("DirectoryStore::Put (csv, fsync + link)", ms);
  }
  std::filesystem::remove_all(tmpl);

  http::CurlClient client(clock);
  auto moto = testing::MotoServer::Start(4);
  if (!moto.ok()) {
    std::printf("S3 (moto_server): skipped: %s\n", moto.status().ToString().c_str());
    return 0;
  }
  auto creds = (*moto)->CreateS3User(client, "bench");
  if (!creds.ok() || !(*moto)->CreateBucket(client, *creds, "raincheck-bench").ok()) {
    std::printf("S3 (moto_server): setup failed\n");
    return 1;
  }
  store::S3Options o;
  o.bucket = "raincheck-bench";
  o.endpoint = (*moto)->endpoint();
  o.credentials = *creds;
  store::S3Store s3(o, client, clock);
  auto ms = Time(n, [&](int i) {
    store::EncodedRecord e = *store::EncodeRecord(MakeRecord(i), store::RecordFormat::kCsv);
    e.key = e.key.substr(3);  // moto cannot verify a signed '=' (see tests/s3_moto_test.cc)
    const auto key = s3.Write(e, clock.Now() + std::chrono::seconds(5));
    if (!key.ok()) std::printf("PutObject failed: %s\n", key.status().ToString().c_str());
    return key.ok();
  });
  if (ms.empty()) return 1;
  Report("S3Store::Write (moto PutObject, loopback)", ms);
  return 0;
}
