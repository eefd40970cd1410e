#include "http/curl_client.h"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <thread>

#include "base/strings.h"

namespace raincheck::http {

std::optional<std::string> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (base::EqualsIgnoreAsciiCase(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

using std::chrono::milliseconds;

constexpr char kCurlLibrary[] = "libcurl.so.4";

// libcurl's entry points, resolved with dlopen at the first request rather than linked: linked,
// libcurl and its closure (OpenSSL, GnuTLS, Kerberos, LDAP, ... 30 libraries) were mapped and
// relocated at every start of every program, most of bootstrap's cold start (docs/runtime.md).
struct CurlApi {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL* curl);
  void (*easy_reset)(CURL* curl);
  CURLcode (*easy_setopt)(CURL* curl, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* curl);
  CURLcode (*easy_getinfo)(CURL* curl, CURLINFO info, ...);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* line);
  void (*slist_free_all)(curl_slist* list);
};

template <typename F>
bool Resolve(void* library, const char* name, F* out, std::string* error) {
  *out = reinterpret_cast<F>(::dlsym(library, name));
  if (*out == nullptr) *error = std::string(kCurlLibrary) + " has no " + name;
  return *out != nullptr;
}

// Loads libcurl and runs curl_global_init once per process; the API, or why it is unavailable.
Result<const CurlApi*> LoadCurl() {
  static CurlApi api;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = ::dlopen(kCurlLibrary, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = ::dlerror();
      error = why != nullptr ? why : kCurlLibrary;
      return;
    }
    // Never dlclose()d: handles and connections live as long as the process.
    const bool ok = Resolve(library, "curl_global_init", &api.global_init, &error) &&
                    Resolve(library, "curl_easy_init", &api.easy_init, &error) &&
                    Resolve(library, "curl_easy_cleanup", &api.easy_cleanup, &error) &&
                    Resolve(library, "curl_easy_reset", &api.easy_reset, &error) &&
                    Resolve(library, "curl_easy_setopt", &api.easy_setopt, &error) &&
                    Resolve(library, "curl_easy_perform", &api.easy_perform, &error) &&
                    Resolve(library, "curl_easy_getinfo", &api.easy_getinfo, &error) &&
                    Resolve(library, "curl_easy_strerror", &api.easy_strerror, &error) &&
                    Resolve(library, "curl_slist_append", &api.slist_append, &error) &&
                    Resolve(library, "curl_slist_free_all", &api.slist_free_all, &error);
    if (ok && api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      error = "curl_global_init failed";
    }
  });
  if (!error.empty()) return Status::Unavailable("cannot load the HTTP library: " + error);
  return &api;
}

// "https://host:port" of a URL, without user info, path or query (which may carry keys).
std::string Origin(std::string_view url) {
  const size_t scheme_end = url.find("://");
  const size_t host_begin = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t host_end = url.find_first_of("/?#", host_begin);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view authority = url.substr(host_begin, host_end - host_begin);
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(url.substr(0, host_begin)) + std::string(authority);
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsRetryableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

}  // namespace

std::optional<milliseconds> ParseRetryAfter(std::string_view value, base::TimePoint now) {
  value = base::Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    if (seconds > 86400) seconds = 86400;
    return milliseconds(seconds * 1000);
  }
  std::tm tm{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
  if (in.fail()) return std::nullopt;
  const std::time_t t = timegm(&tm);
  if (t == -1) return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(t);
  if (when <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(when - now);
}

struct CurlClient::Handle {
  const CurlApi* api = nullptr;
  CURL* easy = nullptr;
  ~Handle() {
    if (easy != nullptr) api->easy_cleanup(easy);
  }
};

namespace {

struct Attempt {
  CURLcode code = CURLE_OK;
  bool oversize = false;
  bool clamped_by_deadline = false;
  int status = 0;
  Headers headers;
  std::string body;
  size_t cap = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  const size_t len = size * count;
  if (attempt->body.size() + len > attempt->cap) {
    attempt->oversize = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  attempt->body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* attempt = static_cast<Attempt*>(user);
  const size_t len = size * count;
  const std::string_view line(data, len);
  if (base::StartsWith(line, "HTTP/")) {
    attempt->headers.clear();  // a new response (e.g. after 100 Continue)
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  attempt->headers.emplace_back(std::string(base::Trim(line.substr(0, colon))),
                                std::string(base::Trim(line.substr(colon + 1))));
  return len;
}

}  // namespace

CurlClient::CurlClient(const base::Clock& clock, CurlClientOptions options)
    : clock_(clock), options_(std::move(options)), rng_(std::random_device{}()) {}

CurlClient::~CurlClient() = default;

std::unique_ptr<CurlClient::Handle> CurlClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  Result<const CurlApi*> api = LoadCurl();
  if (!api.ok()) return nullptr;
  auto handle = std::make_unique<Handle>();
  handle->api = *api;
  handle->easy = handle->api->easy_init();
  if (handle->easy == nullptr) return nullptr;
  return handle;
}

void CurlClient::Release(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

milliseconds CurlClient::Backoff(int retry) {
  const int64_t base = options_.base_backoff.count();
  const int64_t cap = options_.max_backoff.count();
  int64_t full = base;
  for (int i = 0; i < retry && full < cap; ++i) full *= 2;
  full = std::min(full, cap);
  if (full <= 1) return milliseconds(full);
  std::lock_guard<std::mutex> lock(mu_);
  std::uniform_int_distribution<int64_t> jitter(full / 2, full);
  return milliseconds(jitter(rng_));
}

namespace {

Attempt RunOnce(const CurlApi& api, CURL* c, const Request& request, const base::Clock& clock,
                const std::string& user_agent) {
  Attempt a;
  a.cap = request.max_response_bytes;
  api.easy_reset(c);  // keeps the handle's live connections

  // Timeouts: the attempt's own limit, clamped to the remaining time.
  int64_t total_ms = request.attempt_timeout.count() > 0 ? request.attempt_timeout.count() : 0;
  if (request.deadline) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(*request.deadline - clock.Now()).count();
    if (total_ms == 0 || left <= total_ms) {
      total_ms = left;
      a.clamped_by_deadline = true;
    }
    if (total_ms <= 0) {
      a.code = CURLE_OPERATION_TIMEDOUT;
      return a;
    }
  }
  int64_t connect_ms = request.connect_timeout.count() > 0 ? request.connect_timeout.count() : 0;
  if (total_ms > 0 && (connect_ms == 0 || connect_ms > total_ms)) connect_ms = total_ms;

  api.easy_setopt(c, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  api.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  api.easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str());
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(total_ms));
  api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms));
  api.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                  static_cast<curl_off_t>(request.max_response_bytes));
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &a);
  api.easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  api.easy_setopt(c, CURLOPT_HEADERDATA, &a);

  if (request.method == "GET" && request.body.empty()) {
    api.easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    api.easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      api.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (request.method != "POST") api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  curl_slist* list = nullptr;
  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    if (base::EqualsIgnoreAsciiCase(name, "Expect")) has_expect = true;
    std::string line = name;
    if (value.empty()) {
      line += ';';  // curl's syntax for a header with an empty value
    } else {
      line += ": ";
      line += value;
    }
    list = api.slist_append(list, line.c_str());
  }
  if (!has_expect) list = api.slist_append(list, "Expect:");  // no 100-continue round trip
  api.easy_setopt(c, CURLOPT_HTTPHEADER, list);

  a.code = api.easy_perform(c);
  api.slist_free_all(list);
  long status = 0;
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  a.status = static_cast<int>(status);
  api.easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  return a;
}

}  // namespace

Result<Response> CurlClient::Send(const Request& request) {
  const std::string where = request.method + " " + Origin(request.url);
  if (request.method.empty() || HasLineBreak(request.method) ||
      request.method.find(' ') != std::string::npos) {
    return Status::InvalidArgument("invalid HTTP method");
  }
  if (!base::StartsWith(base::AsciiLower(request.url.substr(0, 8)), "http://") &&
      !base::StartsWith(base::AsciiLower(request.url.substr(0, 8)), "https://")) {
    return Status::InvalidArgument("only http and https URLs are supported");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return Status::InvalidArgument(where + ": invalid header");
    }
  }

  RC_ASSIGN_OR_RETURN(const CurlApi* api, LoadCurl());
  std::unique_ptr<Handle> handle = Acquire();
  if (handle == nullptr) return Status::Internal("curl_easy_init failed");

  std::optional<Response> last_response;
  Status last_error;
  const int max_retries = std::max(0, request.max_retries);
  for (int attempt_no = 0;; ++attempt_no) {
    Attempt a = RunOnce(*api, handle->easy, request, clock_, options_.user_agent);
    std::optional<milliseconds> delay;  // set when the outcome is worth retrying
    if (a.code == CURLE_OK) {
      Response r;
      r.status = a.status;
      r.headers = std::move(a.headers);
      r.body = std::move(a.body);
      r.attempts = attempt_no + 1;
      if (IsRetryableStatus(r.status)) {
        delay = Backoff(attempt_no);
        if (r.status == 429) {
          if (auto ra = FindHeader(r.headers, "Retry-After")) {
            if (auto parsed = ParseRetryAfter(*ra, clock_.Now())) {
              delay = *parsed <= options_.max_retry_after ? std::optional(*parsed) : std::nullopt;
            }
          }
        }
      }
      last_response = std::move(r);
      last_error = Status();
    } else if (a.oversize || a.code == CURLE_FILESIZE_EXCEEDED) {
      Release(std::move(handle));
      return Status::ResourceExhausted(where + ": response larger than " +
                                       std::to_string(request.max_response_bytes) + " bytes");
    } else if (a.code == CURLE_OPERATION_TIMEDOUT) {
      last_response.reset();
      last_error = Status::DeadlineExceeded(
          where + ": " + (a.clamped_by_deadline ? "deadline exceeded" : "attempt timed out"));
      if (!a.clamped_by_deadline) delay = Backoff(attempt_no);
    } else if (a.code == CURLE_URL_MALFORMAT) {
      Release(std::move(handle));
      return Status::InvalidArgument(where + ": " + api->easy_strerror(a.code));
    } else {
      last_response.reset();
      last_error = Status::Unavailable(where + ": " + api->easy_strerror(a.code));
      switch (a.code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
          delay = Backoff(attempt_no);
          break;
        default:
          break;
      }
    }

    // Retry only when allowed and when the wait leaves time for another attempt.
    bool retry = delay.has_value() && attempt_no < max_retries;
    if (retry && request.deadline && clock_.Now() + *delay >= *request.deadline) retry = false;
    if (!retry) break;
    if (delay->count() > 0) std::this_thread::sleep_for(*delay);
  }
  Release(std::move(handle));
  if (last_response) return std::move(*last_response);
  return last_error;
}

}  // namespace raincheck::http
