#include "local/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "base/strings.h"

namespace raincheck::local {

namespace {

using Clock = std::chrono::steady_clock;

// Descriptors kept for the rest of the process (instances' pipes and sockets, files, libcurl).
constexpr size_t kReservedDescriptors = 256;
// Bytes read from one connection per readiness event before the others get their turn.
constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr int kReadsPerEvent = 4;
constexpr size_t kAcceptsPerEvent = 64;
// Empty lines before a request line are skipped (RFC 9112 section 2.2), a few of them.
constexpr int kMaxLeadingEmptyLines = 8;
constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;

// tchar (RFC 9110 section 5.6.2): the bytes of a method or a field name.
bool IsTchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 &&
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return IsTchar(static_cast<unsigned char>(c)); });
}

// field-value bytes (RFC 9110 section 5.5): HTAB, SP, VCHAR and obs-text; no CTL, no DEL.
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7F);
  });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Headers only the server writes.
bool IsFramingHeader(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "content-length", "transfer-encoding", "connection", "keep-alive",
      "upgrade",        "proxy-connection",  "te",         "trailer"};
  for (std::string_view n : kNames) {
    if (base::EqualsIgnoreAsciiCase(n, name)) return true;
  }
  return false;
}

// "Tue, 15 Nov 1994 08:12:31 GMT" (RFC 9110 section 5.6.7), recomputed once a second.
std::string HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

bool BodyAllowed(int status) { return status >= 200 && status != 204 && status != 304; }

std::string PeerAddress(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    std::string_view v(text);
    if (v.starts_with("::ffff:") && v.find('.') != std::string_view::npos) {
      return std::string(v.substr(7));  // an IPv4 client of a dual-stack socket
    }
  }
  return text;
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  static constexpr std::pair<int, std::string_view> kReasons[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {206, "Partial Content"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {411, "Length Required"},
      {413, "Content Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {417, "Expectation Failed"},
      {418, "I'm a teapot"},
      {422, "Unprocessable Content"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
  };
  for (const auto& [code, reason] : kReasons) {
    if (code == status) return reason;
  }
  return "Unknown";
}

const std::string* ServerRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (base::EqualsIgnoreAsciiCase(k, name)) return &v;
  }
  return nullptr;
}

std::string ServerRequest::QueryParameter(std::string_view name) const {
  for (const std::string& pair : base::Split(query, '&')) {
    const size_t eq = pair.find('=');
    if (base::UrlDecode(std::string_view(pair).substr(0, eq), true) != name) continue;
    return eq == std::string::npos ? std::string()
                                   : base::UrlDecode(std::string_view(pair).substr(eq + 1), true);
  }
  return {};
}

void RequestHeadReader::Reset() {
  head_ = RequestHead{};
  scan_ = line_start_ = 0;
  empty_lines_ = 0;
  got_request_line_ = false;
  header_bytes_ = 0;
}

const RequestHead& RequestHeadReader::Read(std::string_view received) {
  if (head_.outcome != RequestHead::Outcome::kIncomplete) return head_;
  int status = ScanHead(received);
  if (status == 0) status = HeadComplete();
  if (status > 0) {
    head_.outcome = RequestHead::Outcome::kRefused;
    head_.status = status;
    head_.head_bytes = head_.content_length = 0;
    head_.expect_continue = head_.close = false;
  } else if (status == 0) {
    head_.outcome = RequestHead::Outcome::kComplete;
  }
  return head_;
}

// Scans `in` for complete lines of the head. Returns -1 for more to come, 0 when the head is
// complete (head_bytes set), else the status of a refusal.
int RequestHeadReader::ScanHead(std::string_view in) {
  while (scan_ < in.size()) {
    const char ch = in[scan_];
    if (ch == '\r') {
      if (scan_ + 1 == in.size()) break;      // wait for the byte after it
      if (in[scan_ + 1] != '\n') return 400;  // a bare CR
      scan_ += 1;
      continue;
    }
    if (ch != '\n') {
      ++scan_;
      // A line over its limit is refused at the byte that crosses it, whether or not its end
      // came yet: the answer does not depend on how the bytes were cut into reads.
      const size_t length = scan_ - line_start_;
      if (!got_request_line_ && length > options_->max_request_line_bytes) return 414;
      if (got_request_line_ && header_bytes_ + length + 2 > options_->max_header_bytes) {
        return 431;
      }
      continue;
    }
    if (scan_ == line_start_ || in[scan_ - 1] != '\r') return 400;  // a bare LF
    const std::string_view line(in.data() + line_start_, scan_ - 1 - line_start_);
    ++scan_;
    line_start_ = scan_;
    const int s = OnLine(line);
    if (s == 0) {
      head_.head_bytes = line_start_;
      return 0;
    }
    if (s > 0) return s;
  }
  return -1;
}

// One line of the head, without its CRLF. Returns -1 to go on, 0 at the end of the head, else
// the status of a refusal.
int RequestHeadReader::OnLine(std::string_view line) {
  if (!got_request_line_) {
    if (line.empty()) return ++empty_lines_ > kMaxLeadingEmptyLines ? 400 : -1;
    // Its length was held to max_request_line_bytes byte by byte (ScanHead).
    if (const int s = ParseRequestLine(line); s != 0) return s;
    got_request_line_ = true;
    return -1;
  }
  if (line.empty()) return 0;
  header_bytes_ += line.size() + 2;  // held to max_header_bytes byte by byte (ScanHead)
  if (head_.request.headers.size() >= options_->max_header_count) return 431;
  if (line.front() == ' ' || line.front() == '\t') return 400;  // obs-fold
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return 400;
  const std::string_view name = line.substr(0, colon);
  if (!IsToken(name)) return 400;  // whitespace before the colon included
  const std::string_view value = TrimOws(line.substr(colon + 1));
  if (!IsFieldValue(value)) return 400;  // NUL, other controls
  head_.request.headers.emplace_back(std::string(name), std::string(value));
  return -1;
}

int RequestHeadReader::ParseRequestLine(std::string_view line) {
  ServerRequest* r = &head_.request;
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return 400;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return 400;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method) || target.empty()) return 400;
  if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return 400;
  }
  for (char ch : target) {
    const auto b = static_cast<unsigned char>(ch);
    if (b <= 0x20 || b >= 0x7F) return 400;
  }
  r->method = std::string(method);
  r->target = std::string(target);
  r->version = std::string(version);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return 505;
  // Before the target's form: CONNECT's authority-form target is a 405, not a 400.
  const std::vector<std::string>& methods = options_->methods;
  if (std::find(methods.begin(), methods.end(), r->method) == methods.end()) return 405;
  std::string_view path_and_query;
  if (target.front() == '/') {
    path_and_query = target;
  } else if (target == "*") {
    if (method != "OPTIONS") return 400;
    path_and_query = target;
  } else {
    // absolute-form (RFC 9112 section 3.2.2): http://authority/path?query
    const size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos ||
        (!base::EqualsIgnoreAsciiCase(target.substr(0, scheme_end), "http") &&
         !base::EqualsIgnoreAsciiCase(target.substr(0, scheme_end), "https"))) {
      return 400;
    }
    const std::string_view rest = target.substr(scheme_end + 3);
    const size_t path_at = rest.find_first_of("/?");
    if (path_at == 0) return 400;  // no authority
    path_and_query =
        path_at == std::string_view::npos ? std::string_view("/") : rest.substr(path_at);
    if (path_and_query.front() == '?') {
      r->path = "/";
      r->query = std::string(path_and_query.substr(1));
      path_and_query = {};
    }
  }
  if (!path_and_query.empty()) {
    const size_t q = path_and_query.find('?');
    r->path = std::string(path_and_query.substr(0, q));
    r->query =
        q == std::string_view::npos ? std::string() : std::string(path_and_query.substr(q + 1));
  }
  return 0;
}

// Checks the head as a whole and sets the body's framing. Returns 0 or a refusal's status.
int RequestHeadReader::HeadComplete() {
  const ServerRequest& r = head_.request;
  const bool http10 = r.version == "HTTP/1.0";
  int hosts = 0;
  int lengths = 0;
  std::string_view length;
  const std::string* transfer_encoding = nullptr;
  const std::string* expect = nullptr;
  for (const auto& [name, value] : r.headers) {
    if (base::EqualsIgnoreAsciiCase(name, "host")) {
      ++hosts;
    } else if (base::EqualsIgnoreAsciiCase(name, "content-length")) {
      ++lengths;
      length = value;
    } else if (base::EqualsIgnoreAsciiCase(name, "transfer-encoding")) {
      if (transfer_encoding != nullptr) return 400;
      transfer_encoding = &value;
    } else if (base::EqualsIgnoreAsciiCase(name, "expect")) {
      expect = &value;
    } else if (base::EqualsIgnoreAsciiCase(name, "connection")) {
      for (const std::string& token : base::Split(value, ',')) {
        if (base::EqualsIgnoreAsciiCase(base::Trim(token), "close")) head_.close = true;
      }
    }
  }
  if (hosts > 1 || (!http10 && hosts == 0)) return 400;
  if (transfer_encoding != nullptr) {
    if (http10 || lengths > 0) return 400;
    return base::EqualsIgnoreAsciiCase(*transfer_encoding, "chunked") ? 411 : 501;
  }
  if (lengths > 1) return 400;
  head_.content_length = 0;
  if (lengths == 1) {
    if (length.empty()) return 400;
    for (char ch : length) {
      if (ch < '0' || ch > '9') return 400;
    }
    if (length.size() > 18) return 413;  // more than any limit, and than size_t holds
    for (char ch : length)
      head_.content_length = head_.content_length * 10 + static_cast<size_t>(ch - '0');
  }
  size_t limit = options_->max_body_bytes;
  for (const auto& [m, l] : options_->method_body_limits) {
    if (m == r.method) {
      limit = l;
      break;
    }
  }
  if (head_.content_length > limit) return 413;
  if (expect != nullptr) {
    if (!base::EqualsIgnoreAsciiCase(*expect, "100-continue")) return 417;
    head_.expect_continue = !http10;
  }
  if (http10) head_.close = true;
  return 0;
}

RequestHead ReadRequestHead(std::string_view received, const HttpServerOptions& options) {
  RequestHeadReader reader(options);
  reader.Read(received);
  return std::move(reader.head());
}

struct HttpServer::Impl {
  enum class State { kHead, kBody, kHandling, kWriting, kLinger };
  // What happens when a connection's deadline passes.
  enum class Deadline { kNone, kIdle, kHead, kBody, kWrite, kLinger };

  struct Conn {
    explicit Conn(const HttpServerOptions& options) : reader(options) {}
    uint64_t id = 0;
    int fd = -1;
    std::string peer;
    State state = State::kHead;
    Deadline deadline_kind = Deadline::kIdle;
    Clock::time_point deadline;
    uint32_t events = 0;  // registered with epoll

    // The request being read: `in` holds what was received and not consumed; the reader
    // reads its head from there.
    std::string in;
    RequestHeadReader reader;
    size_t content_length = 0;
    bool expect_continue = false;
    std::shared_ptr<ServerRequest> req = std::make_shared<ServerRequest>();

    bool close_after = false;  // Connection: close on this answer
    size_t answered = 0;       // requests answered on this connection
    std::string out;
    size_t out_off = 0;
    size_t lingered = 0;
  };

  struct Job {
    uint64_t conn = 0;
    std::shared_ptr<ServerRequest> req;
  };
  struct Done {
    uint64_t conn = 0;
    ServerResponse response;
  };

  HttpServerOptions options;
  Handler handler;
  QuickHandler quick;
  ErrorRenderer render_error;
  AnswerObserver observer;

  std::mutex start_mu;
  bool started = false;
  bool stopped = false;
  int port = 0;
  size_t max_conns = 0;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;  // given up to accept (and close) a connection when out of descriptors
  std::thread loop_thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stop_requested{false};
  std::atomic<size_t> open_count{0};

  // Event thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, size_t> per_client;
  uint64_t next_id = 2;
  Clock::time_point next_check = Clock::time_point::max();
  bool stopping = false;
  std::string canned_503;
  std::vector<char> read_buf = std::vector<char>(kReadChunk);
  std::vector<uint64_t> pipelined;  // connections with a next request in their buffer

  // Worker queue and results.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Job> jobs;
  bool workers_stop = false;
  std::mutex done_mu;
  std::vector<Done> done;

  // --- Setup ----------------------------------------------------------------------------------

  Status Bind() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(options.port);
    const std::string where = options.host + ":" + std::to_string(options.port);
    if (getaddrinfo(options.host.c_str(), service.c_str(), &hints, &found) != 0 ||
        found == nullptr) {
      return Status::Unavailable("cannot listen on " + where + " (not an address of this machine)");
    }
    int last_errno = 0;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      const int fd =
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      // SO_REUSEADDR only: SO_REUSEPORT would let a second server share a port in use.
      const int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
        listen_fd = fd;
        break;
      }
      last_errno = errno;
      ::close(fd);
    }
    freeaddrinfo(found);
    if (listen_fd < 0) {
      return Status::Unavailable(
          "cannot listen on " + where + " (" +
          (last_errno == EADDRINUSE ? "in use" : "not an address of this machine") + ")");
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return Status::Ok();
  }

  // Raises the soft descriptor limit to the hard one when the connections need it, and returns
  // the connection limit that fits.
  size_t FitConnectionLimit() const {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return options.max_connections;
    const rlim_t wanted = options.max_connections + kReservedDescriptors;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted && rl.rlim_cur < rl.rlim_max) {
      rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY) return options.max_connections;
    const size_t available = rl.rlim_cur > 2 * kReservedDescriptors
                                 ? static_cast<size_t>(rl.rlim_cur) - kReservedDescriptors
                                 : static_cast<size_t>(rl.rlim_cur) / 2;
    return std::max<size_t>(1, std::min(options.max_connections, available));
  }

  ServerResponse RenderError(int status) const {
    ServerResponse r;
    if (render_error) {
      r = render_error(status);
    } else {
      r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
      r.body = std::string(ReasonPhrase(status)) + "\n";
    }
    r.status = status;
    if (status == 405 && std::none_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
          return base::EqualsIgnoreAsciiCase(h.first, "allow");
        })) {
      r.headers.emplace_back("Allow", base::Join(options.methods, ", "));
    }
    return r;
  }

  std::string Serialize(const ServerResponse& r, bool head, bool close) const {
    std::string out;
    out.reserve(256 + r.body.size());
    const int status = r.status >= 200 && r.status <= 599 ? r.status : 500;
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += ReasonPhrase(status);
    out += "\r\n";
    bool has_date = false;
    for (const auto& [name, value] : r.headers) {
      if (!IsToken(name) || !IsFieldValue(value) || IsFramingHeader(name)) continue;
      if (base::EqualsIgnoreAsciiCase(name, "date")) has_date = true;
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    }
    if (!has_date) out += "Date: " + HttpDate() + "\r\n";
    const bool body = BodyAllowed(status);
    if (body) out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    if (body && !head) out += r.body;
    return out;
  }

  // --- The event loop -------------------------------------------------------------------------

  void Loop() {
    std::vector<epoll_event> events(256);
    while (true) {
      if (stop_requested && !stopping) BeginStop();
      if (stopping && conns.empty()) break;
      const auto now = Clock::now();
      int timeout_ms = 1000;
      if (next_check != Clock::time_point::max()) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_check - now).count() + 1;
        timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 1000));
      }
      const int n =
          ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) {
        const uint64_t id = events[static_cast<size_t>(i)].data.u64;
        const uint32_t ev = events[static_cast<size_t>(i)].events;
        if (id == kListenId) {
          Accept();
        } else if (id == kWakeId) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &count, sizeof count);
          TakeDone();
        } else {
          OnEvent(id, ev);
        }
      }
      ProcessPipelined();
      if (Clock::now() >= next_check) CheckDeadlines();
    }
  }

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_fd, &one, sizeof one);
  }

  void BeginStop() {
    stopping = true;
    if (listen_fd >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
      ::close(listen_fd);
      listen_fd = -1;
    }
    std::vector<uint64_t> idle;
    for (auto& [id, c] : conns) {
      if (c->state == State::kHandling || c->state == State::kWriting) {
        c->close_after = true;
      } else if (c->state != State::kLinger) {
        idle.push_back(id);
      }
    }
    for (uint64_t id : idle) Close(id);
  }

  void SetDeadline(Conn& c, Deadline kind, std::chrono::milliseconds after) {
    c.deadline_kind = kind;
    c.deadline = Clock::now() + after;
    next_check = std::min(next_check, c.deadline);
  }

  void Watch(Conn& c, uint32_t events) {
    if (c.events == events) return;
    epoll_event e{};
    e.events = events;
    e.data.u64 = c.id;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &e);
    c.events = events;
  }

  void Accept() {
    for (size_t i = 0; i < kAcceptsPerEvent; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: take the connection with the spare one and close it, so that
          // it does not stay in the queue and wake the loop forever.
          if (spare_fd >= 0) {
            ::close(spare_fd);
            fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) ::close(fd);
            spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            continue;
          }
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      std::string peer = PeerAddress(addr);
      size_t& from_peer = per_client[peer];
      if (conns.size() >= max_conns || from_peer >= options.max_connections_per_client) {
        if (from_peer == 0) per_client.erase(peer);
        [[maybe_unused]] ssize_t w =
            ::send(fd, canned_503.data(), canned_503.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        if (observer) observer(ServerRequest{}, 503);
        continue;
      }
      ++from_peer;
      const int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      auto c = std::make_unique<Conn>(options);
      c->id = next_id++;
      c->fd = fd;
      c->peer = std::move(peer);
      c->events = EPOLLIN;
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = c->id;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &e) != 0) {
        if (--per_client[c->peer] == 0) per_client.erase(c->peer);
        ::close(fd);
        continue;
      }
      SetDeadline(*c, Deadline::kIdle, options.idle_timeout);
      conns.emplace(c->id, std::move(c));
      open_count = conns.size();
    }
  }

  void Close(uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    auto peer = per_client.find(c.peer);
    if (peer != per_client.end() && --peer->second == 0) per_client.erase(peer);
    conns.erase(it);
    open_count = conns.size();
  }

  Conn* Find(uint64_t id) {
    auto it = conns.find(id);
    return it == conns.end() ? nullptr : it->second.get();
  }

  void OnEvent(uint64_t id, uint32_t ev) {
    Conn* c = Find(id);
    if (c == nullptr) return;
    if (c->state == State::kWriting) {
      Write(id);  // writable, or an error that the write reports
      return;
    }
    if (c->state == State::kHandling) {
      // Nothing is read while a request is handled (epoll reports only errors and hang-ups
      // then): the client is gone. Its answer, when it comes, finds no connection.
      if ((ev & (EPOLLHUP | EPOLLERR)) != 0) Close(id);
      return;
    }
    if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) Read(id);
  }

  void Read(uint64_t id) {
    for (int i = 0; i < kReadsPerEvent; ++i) {
      Conn* c = Find(id);
      if (c == nullptr) return;
      if (c->state != State::kHead && c->state != State::kBody && c->state != State::kLinger) {
        return;
      }
      const ssize_t n = ::recv(c->fd, read_buf.data(), read_buf.size(), 0);
      if (n == 0) {
        Close(id);  // the client is done (between requests) or gave up on one
        return;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        Close(id);
        return;
      }
      const size_t got = static_cast<size_t>(n);
      if (c->state == State::kLinger) {
        c->lingered += got;
        if (c->lingered > options.max_linger_bytes) {
          Close(id);
          return;
        }
        continue;
      }
      c->in.append(read_buf.data(), got);
      Process(*c);
      if (got < read_buf.size()) return;  // drained for now
    }
  }

  // Advances the request being read with the bytes in `in`.
  void Process(Conn& c) {
    if (c.state == State::kHead) {
      if (c.deadline_kind == Deadline::kIdle && !c.in.empty()) {
        SetDeadline(c, Deadline::kHead, options.header_timeout);
      }
      const RequestHead& head = c.reader.Read(c.in);
      if (head.outcome == RequestHead::Outcome::kIncomplete) return;  // more to come
      if (head.outcome == RequestHead::Outcome::kRefused) return Refuse(c, head.status);
      const size_t head_bytes = head.head_bytes;
      *c.req = std::move(c.reader.head().request);
      c.in.erase(0, head_bytes);
      HeadComplete(c);
    }
    if (c.state == State::kBody) {
      if (c.in.size() < c.content_length) return;
      c.req->body.assign(c.in, 0, c.content_length);
      c.in.erase(0, c.content_length);
      Dispatch(c);
    }
  }

  // The head is complete and acceptable: sets up reading the body.
  void HeadComplete(Conn& c) {
    const RequestHead& head = c.reader.head();
    c.content_length = head.content_length;
    c.expect_continue = head.expect_continue;
    if (head.close) c.close_after = true;
    if (c.answered + 1 >= options.max_requests_per_connection) c.close_after = true;
    c.req->peer_address = c.peer;
    c.state = State::kBody;
    SetDeadline(c, Deadline::kBody, options.body_timeout);
    if (c.content_length > 0 && c.expect_continue && c.in.size() < c.content_length) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
          static_cast<ssize_t>(kContinue.size())) {
        c.close_after = true;  // the client may wait for it in vain; it sends the body anyway
      }
    }
  }

  void Dispatch(Conn& c) {
    c.state = State::kHandling;
    c.deadline_kind = Deadline::kNone;
    if (quick) {
      std::optional<ServerResponse> r;
      try {
        r = quick(*c.req);
      } catch (...) {
        r = RenderError(500);
      }
      if (r) return Respond(c, *r);
    }
    Watch(c, 0);  // nothing more is read until the answer is written
    {
      std::lock_guard<std::mutex> lock(queue_mu);
      jobs.push_back(Job{c.id, c.req});
    }
    queue_cv.notify_one();
  }

  void TakeDone() {
    std::vector<Done> ready;
    {
      std::lock_guard<std::mutex> lock(done_mu);
      ready.swap(done);
    }
    for (Done& d : ready) {
      Conn* c = Find(d.conn);
      if (c != nullptr && c->state == State::kHandling) Respond(*c, d.response);
    }
  }

  void Refuse(Conn& c, int status) {
    // What was read of the head, for the observer (and HEAD's answer without a body).
    if (c.state == State::kHead) *c.req = std::move(c.reader.head().request);
    c.close_after = true;
    Respond(c, RenderError(status));
  }

  void Respond(Conn& c, const ServerResponse& response) {
    if (stopping) c.close_after = true;
    c.out = Serialize(response, c.req->method == "HEAD", c.close_after);
    c.out_off = 0;
    c.state = State::kWriting;
    SetDeadline(c, Deadline::kWrite, options.write_timeout);
    if (observer)
      observer(*c.req, response.status >= 200 && response.status <= 599 ? response.status : 500);
    Write(c.id);
  }

  void Write(uint64_t id) {
    Conn* c = Find(id);
    if (c == nullptr) return;
    while (c->out_off < c->out.size()) {
      const ssize_t n = ::send(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c->out_off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        Watch(*c, EPOLLOUT);
        return;
      }
      Close(id);
      return;
    }
    c->out.clear();
    c->out.shrink_to_fit();
    Answered(*c);
  }

  // After an answer was written: the next request, or the end of the connection.
  void Answered(Conn& c) {
    ++c.answered;
    if (c.close_after) {
      // Half-close, then read and drop what the client still sends until it closes too, so
      // that the answer is not lost to a reset.
      ::shutdown(c.fd, SHUT_WR);
      c.state = State::kLinger;
      c.in.clear();
      SetDeadline(c, Deadline::kLinger, options.linger_timeout);
      Watch(c, EPOLLIN);
      return;
    }
    c.state = State::kHead;
    c.req = std::make_shared<ServerRequest>();
    c.reader.Reset();
    c.content_length = 0;
    c.expect_continue = false;
    SetDeadline(c, Deadline::kIdle, options.idle_timeout);
    Watch(c, EPOLLIN);
    // A pipelined request: taken up by the loop, not from here, so that a long pipeline of
    // quick answers does not recurse.
    if (!c.in.empty()) pipelined.push_back(c.id);
  }

  void ProcessPipelined() {
    while (!pipelined.empty()) {
      std::vector<uint64_t> ids;
      ids.swap(pipelined);
      for (uint64_t id : ids) {
        Conn* c = Find(id);
        if (c != nullptr && c->state == State::kHead) Process(*c);
      }
    }
  }

  void CheckDeadlines() {
    const auto now = Clock::now();
    next_check = Clock::time_point::max();
    std::vector<uint64_t> due;
    for (auto& [id, c] : conns) {
      if (c->deadline_kind == Deadline::kNone) continue;
      if (c->deadline <= now) {
        due.push_back(id);
      } else {
        next_check = std::min(next_check, c->deadline);
      }
    }
    for (uint64_t id : due) {
      Conn* c = Find(id);
      if (c == nullptr) continue;
      switch (c->deadline_kind) {
        case Deadline::kHead:
        case Deadline::kBody:
          Refuse(*c, 408);
          break;
        case Deadline::kNone:
          break;
        default:
          Close(id);
      }
    }
  }

  // --- Workers --------------------------------------------------------------------------------

  void Work() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(queue_mu);
        queue_cv.wait(lock, [&] { return workers_stop || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      ServerResponse response;
      try {
        response = handler(*job.req);
      } catch (...) {
        response = RenderError(500);
      }
      job.req.reset();
      {
        std::lock_guard<std::mutex> lock(done_mu);
        done.push_back(Done{job.conn, std::move(response)});
      }
      Wake();
    }
  }
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::set_quick_handler(QuickHandler h) { impl_->quick = std::move(h); }
void HttpServer::set_error_renderer(ErrorRenderer r) { impl_->render_error = std::move(r); }
void HttpServer::set_observer(AnswerObserver o) { impl_->observer = std::move(o); }

Status HttpServer::Start() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.start_mu);
  if (s.started) return Status::FailedPrecondition("the HTTP server was already started");
  s.max_conns = s.FitConnectionLimit();
  if (Status st = s.Bind(); !st.ok()) return st;
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  s.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (s.epoll_fd < 0 || s.wake_fd < 0) {
    return Status::Unavailable(std::string("cannot start the HTTP server: ") +
                               std::strerror(errno));
  }
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = kListenId;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &e);
  e.data.u64 = kWakeId;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.wake_fd, &e);
  s.canned_503 = s.Serialize(s.RenderError(503), false, true);
  const size_t threads = std::max<size_t>(1, s.options.threads);
  for (size_t i = 0; i < threads; ++i) s.workers.emplace_back([&s] { s.Work(); });
  s.loop_thread = std::thread([&s] { s.Loop(); });
  s.started = true;
  return Status::Ok();
}

int HttpServer::port() const { return impl_->port; }
size_t HttpServer::max_connections() const { return impl_->max_conns; }
size_t HttpServer::open_connections() const { return impl_->open_count.load(); }

void HttpServer::Stop() {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.start_mu);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stop_requested = true;
  s.Wake();
  if (s.loop_thread.joinable()) s.loop_thread.join();
  {
    std::lock_guard<std::mutex> q(s.queue_mu);
    s.workers_stop = true;
  }
  s.queue_cv.notify_all();
  for (std::thread& t : s.workers) t.join();
  s.workers.clear();
  for (auto& [id, c] : s.conns) ::close(c->fd);
  s.conns.clear();
  if (s.listen_fd >= 0) ::close(s.listen_fd);
  ::close(s.epoll_fd);
  ::close(s.wake_fd);
  if (s.spare_fd >= 0) ::close(s.spare_fd);
  s.listen_fd = s.epoll_fd = s.wake_fd = s.spare_fd = -1;
}

}  // namespace raincheck::local
