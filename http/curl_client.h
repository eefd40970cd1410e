// http::Client over libcurl: one instance per process, shared by every caller.
#ifndef RAINCHECK_HTTP_CURL_CLIENT_H_
#define RAINCHECK_HTTP_CURL_CLIENT_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "http/client.h"

namespace raincheck::http {

struct CurlClientOptions {
  // First backoff delay; attempt n (0-based) waits about base * 2^n, with jitter in
  // [50%, 100%] of that, capped at max_backoff.
  std::chrono::milliseconds base_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // A Retry-After longer than this is not waited for (the response is returned instead).
  std::chrono::milliseconds max_retry_after{30000};
  // Idle easy handles kept for reuse (each one keeps its live connections).
  size_t max_idle_handles = 8;
  std::string user_agent = "raincheck";
};

// Thread-safe. Keeps a pool of libcurl easy handles so that calls from a warm process reuse
// TCP/TLS connections. Each attempt's connect and total timeouts are clamped to what is left
// of Request::deadline (measured with the injected clock), so a call never runs past it.
// A Request::attempt_timeout of zero or less means "no per-attempt limit" (with no deadline,
// an attempt may then block indefinitely: the Runtime API's GET /next).
// Only http and https URLs are accepted; redirects are not followed.
// libcurl itself (libcurl.so.4) is loaded with dlopen at the first Send, not at construction or
// program start, so a process that makes no upstream call never maps it and its closure; when it
// cannot be loaded, Send answers Unavailable naming the loader's error.
class CurlClient final : public Client {
 public:
  explicit CurlClient(const base::Clock& clock, CurlClientOptions options = {});
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  Result<Response> Send(const Request& request) override;

 private:
  struct Handle;

  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> handle);
  std::chrono::milliseconds Backoff(int retry);

  const base::Clock& clock_;
  const CurlClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
  std::mt19937_64 rng_;
};

}  // namespace raincheck::http

#endif  // RAINCHECK_HTTP_CURL_CLIENT_H_
