// What the fuzz targets of upstream answers share: an http::Client that answers every request
// with the fuzzer's bytes, so that the providers' and the S3 store's real code (status mapping,
// JSON or XML reading, validation) runs on them without a socket; an invocation whose deadline
// is far away; a logger that writes nothing.
#ifndef RAINCHECK_FUZZ_FAKE_HTTP_H_
#define RAINCHECK_FUZZ_FAKE_HTTP_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "base/log.h"
#include "base/status.h"
#include "http/client.h"
#include "lambda/context.h"

namespace raincheck::fuzz {

// Answers the first request with `first`, every later one with `later` (a caller that pages,
// such as S3 ListObjectsV2, gets a last page). Counts the requests.
class CannedClient final : public http::Client {
 public:
  explicit CannedClient(http::Response first, http::Response later = {})
      : first_(std::move(first)), later_(std::move(later)) {}
  Result<http::Response> Send(const http::Request&) override {
    return calls_++ == 0 ? first_ : later_;
  }
  int calls() const { return calls_; }

 private:
  http::Response first_;
  http::Response later_;
  int calls_ = 0;
};

// A 200 answer with `body` and the content type `type`.
inline http::Response Answer(std::string_view body,
                             std::string_view type = "application/json; charset=utf-8") {
  http::Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", std::string(type));
  response.body = std::string(body);
  return response;
}

// An invocation with an hour left: no upstream call is cut short by the deadline.
inline lambda::InvocationContext FarDeadline() {
  lambda::InvocationContext ctx;
  ctx.request_id = "fuzz";
  ctx.deadline = std::chrono::system_clock::now() + std::chrono::hours(1);
  return ctx;
}

inline const base::Logger& QuietLogger() {
  static const base::Logger logger(base::LogLevel::kOff);
  return logger;
}

// Where the fuzzer's bytes start, as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace raincheck::fuzz

#endif  // RAINCHECK_FUZZ_FAKE_HTTP_H_
