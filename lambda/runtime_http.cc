#include "lambda/runtime_http.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "base/strings.h"

namespace raincheck::lambda {
namespace {

using std::chrono::milliseconds;

// A status line and headers longer than this are not an HTTP answer the Runtime API sends.
constexpr size_t kMaxHeadBytes = size_t{64} * 1024;
constexpr size_t kReadChunk = size_t{64} * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

// When the current attempt must end: the earlier of the request's deadline (on the injected
// clock) and the attempt timeout (on the steady clock); neither set means never.
class Timer {
 public:
  Timer(const base::Clock& clock, const http::Request& request)
      : clock_(clock), deadline_(request.deadline) {
    if (request.attempt_timeout.count() > 0) {
      attempt_end_ = std::chrono::steady_clock::now() + request.attempt_timeout;
    }
  }

  // Milliseconds poll() may wait: -1 for "no limit", 0 once time is up.
  int PollTimeout(std::optional<milliseconds> cap = std::nullopt) const {
    std::optional<milliseconds> left = cap;
    auto take = [&left](milliseconds m) { left = left ? std::min(*left, m) : m; };
    if (deadline_) {
      take(std::chrono::ceil<milliseconds>(*deadline_ - clock_.Now()));
    }
    if (attempt_end_) {
      take(std::chrono::ceil<milliseconds>(*attempt_end_ - std::chrono::steady_clock::now()));
    }
    if (!left) return -1;
    return static_cast<int>(std::clamp<int64_t>(left->count(), 0, 1 << 30));
  }

 private:
  const base::Clock& clock_;
  std::optional<base::TimePoint> deadline_;
  std::optional<std::chrono::steady_clock::time_point> attempt_end_;
};

struct Target {
  std::string host;       // without brackets
  std::string port;       // digits
  std::string authority;  // "host:port" as written
  std::string path;       // "/..." with the query
};

Result<Target> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!base::StartsWith(url, kScheme)) {
    return Status::InvalidArgument("runtime HTTP client: only http:// URLs are supported");
  }
  url.remove_prefix(kScheme.size());
  const size_t slash = url.find('/');
  Target t;
  t.authority = std::string(url.substr(0, slash));
  t.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view authority = t.authority;
  size_t colon;
  if (base::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':') {
      return Status::InvalidArgument("runtime HTTP client: malformed [IPv6]:port in the URL");
    }
    t.host = std::string(authority.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("runtime HTTP client: the URL names no port");
    }
    t.host = std::string(authority.substr(0, colon));
  }
  t.port = std::string(authority.substr(colon + 1));
  int port = 0;
  const auto [end, ec] = std::from_chars(t.port.data(), t.port.data() + t.port.size(), port);
  if (t.host.empty() || ec != std::errc() || end != t.port.data() + t.port.size() || port <= 0 ||
      port > 65535 || base::HasControlCharacters(t.host) ||
      t.host.find_first_of(" @/?#") != std::string::npos ||
      t.path.find_first_of(" \r\n") != std::string::npos) {
    return Status::InvalidArgument("runtime HTTP client: malformed host, port or path in the URL");
  }
  return t;
}

// Waits until `fd` is ready for `events`; DeadlineExceeded when the timer runs out first.
Status WaitFor(int fd, short events, const Timer& timer, const std::string& what) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, timer.PollTimeout());
    if (n > 0) return Status::Ok();
    if (n == 0) return Status::DeadlineExceeded(what + ": timed out");
    if (errno != EINTR) return Status::Unavailable(what + ": poll: " + ErrnoText(errno));
  }
}

Result<int> Connect(const Target& target, const http::Request& request, const Timer& timer) {
  const std::string what = "connect";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int gai = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found);
  if (gai != 0) return Status::Unavailable(what + ": " + ::gai_strerror(gai));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
  Status last = Status::Unavailable(what + ": no address");
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last = Status::Unavailable(what + ": socket: " + ErrnoText(errno));
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && (errno == EINPROGRESS || errno == EINTR)) {
      // The connect timeout bounds this step as well as the attempt's limits.
      Timer connect_timer = timer;
      for (;;) {
        pollfd p{fd, POLLOUT, 0};
        const int wait = connect_timer.PollTimeout(request.connect_timeout.count() > 0
                                                       ? std::optional(request.connect_timeout)
                                                       : std::nullopt);
        const int n = ::poll(&p, 1, wait);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
          ::close(fd);
          return Status::DeadlineExceeded(what + ": timed out");
        }
        break;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      last = Status::Unavailable(what + ": " + ErrnoText(errno));
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  return last;
}

Status WriteAll(int fd, std::string_view data, const Timer& timer) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      RC_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, timer, "send"));
    } else {
      return Status::Unavailable(std::string("send: ") + ErrnoText(errno));
    }
  }
  return Status::Ok();
}

// Buffered reading of one answer from the connection.
class Reader {
 public:
  Reader(int fd, const Timer& timer) : fd_(fd), timer_(timer) {}

  // Reads more bytes into the buffer; false at the end of the stream.
  Result<bool> Fill() {
    for (;;) {
      const size_t old = buf_.size();
      buf_.resize(old + kReadChunk);
      const ssize_t n = ::recv(fd_, buf_.data() + old, kReadChunk, 0);
      buf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
      if (n > 0) {
        received_ += static_cast<size_t>(n);
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        RC_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, timer_, "receive"));
        continue;
      }
      return Status::Unavailable(std::string("receive: ") + ErrnoText(errno));
    }
  }

  // One line without its CRLF (or bare LF); `limit` bounds its length.
  Result<std::string> Line(size_t limit) {
    for (;;) {
      const size_t lf = buf_.find('\n', pos_);
      if (lf != std::string::npos) {
        size_t end = lf;
        if (end > pos_ && buf_[end - 1] == '\r') --end;
        std::string line = buf_.substr(pos_, end - pos_);
        pos_ = lf + 1;
        return line;
      }
      if (buf_.size() - pos_ > limit) return Malformed("a header line is too long");
      Compact();
      RC_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) return Truncated();
    }
  }

  // Appends exactly `n` bytes to `out`.
  Status Take(size_t n, std::string* out) {
    while (n > 0) {
      if (pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
        RC_ASSIGN_OR_RETURN(bool more, Fill());
        if (!more) return Truncated();
      }
      const size_t k = std::min(n, buf_.size() - pos_);
      out->append(buf_, pos_, k);
      pos_ += k;
      n -= k;
    }
    return Status::Ok();
  }

  // Appends everything up to the end of the stream, refusing more than `limit` bytes in all.
  Status TakeRest(size_t limit, std::string* out) {
    for (;;) {
      out->append(buf_, pos_);
      buf_.clear();
      pos_ = 0;
      if (out->size() > limit) return TooLarge(limit);
      RC_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) return Status::Ok();
    }
  }

  size_t received() const { return received_; }

  static Status Malformed(const std::string& why) {
    return Status::Unavailable("malformed HTTP answer: " + why);
  }
  static Status TooLarge(size_t limit) {
    return Status::ResourceExhausted("the answer's body is over " + std::to_string(limit) +
                                     " bytes");
  }

 private:
  Status Truncated() const {
    return Status::Unavailable(received_ == 0 ? "the connection closed before an answer"
                                              : "the connection closed in the middle of an answer");
  }
  void Compact() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  int fd_;
  const Timer& timer_;
  std::string buf_;
  size_t pos_ = 0;
  size_t received_ = 0;
};

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  s = base::Trim(s);
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool HasToken(std::string_view list, std::string_view token) {
  for (const std::string& item : base::Split(list, ',')) {
    if (base::EqualsIgnoreAsciiCase(base::Trim(item), token)) return true;
  }
  return false;
}

// Reads the chunked body (RFC 9112 section 7.1) and its trailer section.
Status ReadChunked(Reader& in, size_t limit, std::string* body) {
  for (;;) {
    RC_ASSIGN_OR_RETURN(std::string line, in.Line(kMaxHeadBytes));
    std::string_view size_text = line;
    size_text = base::Trim(size_text.substr(0, size_text.find(';')));
    uint64_t size = 0;
    const auto [end, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size()) {
      return Reader::Malformed("a bad chunk size");
    }
    if (size == 0) break;
    if (size > limit || body->size() + size > limit) return Reader::TooLarge(limit);
    RC_RETURN_IF_ERROR(in.Take(static_cast<size_t>(size), body));
    RC_ASSIGN_OR_RETURN(std::string crlf, in.Line(2));
    if (!crlf.empty()) return Reader::Malformed("a chunk not followed by CRLF");
  }
  for (size_t trailer_bytes = 0;;) {  // trailer fields are read and dropped
    RC_ASSIGN_OR_RETURN(std::string line, in.Line(kMaxHeadBytes));
    if (line.empty()) return Status::Ok();
    trailer_bytes += line.size();
    if (trailer_bytes > kMaxHeadBytes) return Reader::Malformed("the trailer is too long");
  }
}

// Reads one answer. `*keep_alive` says whether the connection may carry another request.
Result<http::Response> ReadResponse(Reader& in, const http::Request& request, bool* keep_alive) {
  http::Response response;
  for (;;) {  // 1xx answers (100 Continue) come before the real one
    RC_ASSIGN_OR_RETURN(std::string status_line, in.Line(kMaxHeadBytes));
    // "HTTP/1.1 200 OK"
    if (!base::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
        status_line[8] != ' ') {
      return Reader::Malformed("no HTTP/1.x status line");
    }
    const bool http10 = status_line[7] == '0';
    const std::optional<uint64_t> code = ParseDecimal(std::string_view(status_line).substr(9, 3));
    if (!code || *code < 100 || *code > 999 ||
        (status_line.size() > 12 && status_line[12] != ' ')) {
      return Reader::Malformed("a bad status code");
    }
    response.status = static_cast<int>(*code);
    response.headers.clear();
    size_t head_bytes = status_line.size();
    for (;;) {
      RC_ASSIGN_OR_RETURN(std::string line, in.Line(kMaxHeadBytes));
      if (line.empty()) break;
      head_bytes += line.size();
      if (head_bytes > kMaxHeadBytes) return Reader::Malformed("the header section is too long");
      const size_t colon = line.find(':');
      if (colon == std::string::npos || colon == 0) return Reader::Malformed("a bad header line");
      response.headers.emplace_back(
          line.substr(0, colon), std::string(base::Trim(std::string_view(line).substr(colon + 1))));
    }
    *keep_alive = !http10;
    if (auto connection = http::FindHeader(response.headers, "Connection")) {
      if (HasToken(*connection, "close")) *keep_alive = false;
      if (http10 && HasToken(*connection, "keep-alive")) *keep_alive = true;
    }
    if (response.status >= 200) break;
  }

  const size_t limit = request.max_response_bytes;
  if (request.method == "HEAD" || response.status == 204 || response.status == 304) {
    return response;
  }
  if (auto coding = http::FindHeader(response.headers, "Transfer-Encoding")) {
    if (!base::EqualsIgnoreAsciiCase(base::Trim(*coding), "chunked")) {
      return Reader::Malformed("an unsupported transfer coding");
    }
    RC_RETURN_IF_ERROR(ReadChunked(in, limit, &response.body));
    return response;
  }
  if (auto length_text = http::FindHeader(response.headers, "Content-Length")) {
    const std::optional<uint64_t> length = ParseDecimal(*length_text);
    if (!length) return Reader::Malformed("a bad Content-Length");
    if (*length > limit) return Reader::TooLarge(limit);
    response.body.reserve(static_cast<size_t>(*length));
    RC_RETURN_IF_ERROR(in.Take(static_cast<size_t>(*length), &response.body));
    return response;
  }
  *keep_alive = false;  // the body ends with the connection
  RC_RETURN_IF_ERROR(in.TakeRest(limit, &response.body));
  return response;
}

Result<std::string> RequestHead(const http::Request& request, const Target& target) {
  if (request.method.empty() || request.method.find_first_of(" \r\n") != std::string::npos) {
    return Status::InvalidArgument("runtime HTTP client: a bad method");
  }
  std::string head = request.method + " " + target.path + " HTTP/1.1\r\nHost: " + target.authority +
                     "\r\nUser-Agent: raincheck\r\n";
  bool has_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument("runtime HTTP client: a header with a line break or colon");
    }
    if (base::EqualsIgnoreAsciiCase(name, "Content-Length") ||
        base::EqualsIgnoreAsciiCase(name, "Host") ||
        base::EqualsIgnoreAsciiCase(name, "Transfer-Encoding")) {
      continue;  // set here, from the request itself
    }
    has_type = has_type || base::EqualsIgnoreAsciiCase(name, "Content-Type");
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    if (!has_type) head.append("Content-Type: application/octet-stream\r\n");
    head.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

}  // namespace

RuntimeHttpClient::RuntimeHttpClient(const base::Clock& clock) : clock_(clock) {}

RuntimeHttpClient::~RuntimeHttpClient() { CloseLocked(); }

void RuntimeHttpClient::CloseLocked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  authority_.clear();
}

Result<http::Response> RuntimeHttpClient::Send(const http::Request& request) {
  RC_ASSIGN_OR_RETURN(Target target, ParseUrl(request.url));
  RC_ASSIGN_OR_RETURN(std::string head, RequestHead(request, target));
  const Timer timer(clock_, request);
  if (timer.PollTimeout() == 0) return Status::DeadlineExceeded("no time left for the request");

  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0 && authority_ != target.authority) CloseLocked();
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) {
      Result<int> fd = Connect(target, request, timer);
      if (!fd.ok()) {
        return Status(fd.status().code(), target.authority + ": " + fd.status().message());
      }
      fd_ = *fd;
      authority_ = target.authority;
    }
    // Head and body in one write when the body is small, so that one request is one segment.
    Status sent;
    if (request.body.size() <= size_t{16} * 1024) {
      sent = WriteAll(fd_, head + request.body, timer);
    } else {
      sent = WriteAll(fd_, head, timer);
      if (sent.ok()) sent = WriteAll(fd_, request.body, timer);
    }
    Reader in(fd_, timer);
    bool keep_alive = false;
    Status failed = sent;
    if (sent.ok()) {
      Result<http::Response> response = ReadResponse(in, request, &keep_alive);
      if (response.ok()) {
        if (!keep_alive) CloseLocked();
        return response;
      }
      failed = response.status();
    }
    CloseLocked();
    // A kept-alive connection the server had closed: nothing of an answer came back.
    const bool stale =
        reused && attempt == 0 && in.received() == 0 && failed.code() == StatusCode::kUnavailable;
    if (!stale) {
      return Status(failed.code(), target.authority + ": " + failed.message());
    }
  }
}

}  // namespace raincheck::lambda
