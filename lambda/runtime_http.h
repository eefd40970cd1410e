// The transport of the Lambda Runtime API: HTTP/1.1 over a plain TCP connection to the endpoint
// of AWS_LAMBDA_RUNTIME_API (127.0.0.1:9001 on Lambda). bootstrap uses it instead of libcurl so
// that libcurl, OpenSSL and their 30 libraries are not loaded at init (docs/runtime.md,
// "Cold start"). Only what the Runtime API needs: http:// URLs, no TLS, no proxies, no redirects,
// no compression, no retries.
#ifndef RAINCHECK_LAMBDA_RUNTIME_HTTP_H_
#define RAINCHECK_LAMBDA_RUNTIME_HTTP_H_

#include <mutex>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "http/client.h"

namespace raincheck::lambda {

// An http::Client with the contract and error table of http/client.h, except:
//   - Request::url must be "http://HOST:PORT/PATH" (HOST a name or address getaddrinfo resolves,
//     an IPv6 address in brackets); anything else is InvalidArgument. A header name or value with
//     a line break is InvalidArgument too (nothing is sent).
//   - Request::max_retries is ignored: on the Runtime API a failure is an answer. The one
//     exception is a kept-alive connection the server closed while idle (nothing of the answer
//     was read): the request is sent once more on a new connection.
// Bodies are read by Content-Length, chunked transfer coding, or up to the close of the
// connection; 1xx answers are skipped. Interrupted system calls (EINTR) are resumed.
// Thread-safe: calls are serialised over one kept-alive connection, which is what a runtime loop
// does anyway.
class RuntimeHttpClient final : public http::Client {
 public:
  explicit RuntimeHttpClient(const base::Clock& clock);
  ~RuntimeHttpClient() override;
  RuntimeHttpClient(const RuntimeHttpClient&) = delete;
  RuntimeHttpClient& operator=(const RuntimeHttpClient&) = delete;

  Result<http::Response> Send(const http::Request& request) override;

 private:
  void CloseLocked();

  const base::Clock& clock_;
  std::mutex mu_;
  int fd_ = -1;            // the kept-alive connection, or -1
  std::string authority_;  // "host:port" fd_ is connected to
};

}  // namespace raincheck::lambda

#endif  // RAINCHECK_LAMBDA_RUNTIME_HTTP_H_
