// The HTTP/1.1 server of the local verbs: `raincheck start-api` (local/api_gateway.h) and
// `raincheck start-lambda` (local/invoke_api.h). A strict RFC 9112 request reader over one
// epoll event loop, with the handlers on a bounded worker pool. Why not cpp-httplib or
// libmicrohttpd: docs/start_api.md, "Why a server of our own".
//
// Contract
//  - One event thread owns every socket: it accepts, reads, parses, writes and enforces the
//    timeouts. An idle or slow connection costs its buffers and a file descriptor, never a
//    thread, so idle and trickling clients cannot starve the others.
//  - `handler` runs on one of `threads` worker threads and may block (a function invocation);
//    `quick_handler`, when set, runs on the event thread first and answers what needs no wait
//    (a health check, a static file, a 404); it must not block.
//  - Requests of one connection are answered one at a time and in order, pipelined ones too:
//    the next request is not read before the answer to the one before is written.
//  - A body is read per Content-Length whatever the method (GET and HEAD too), so its bytes
//    are never taken for the next request. Transfer-Encoding is refused (411 for chunked,
//    501 for others), never guessed at. A request is handed over only once it is complete.
//  - Responses go out whole, with the server's Content-Length: Range and conditional headers
//    are not interpreted (they reach the handler as any header). HEAD answers carry the
//    headers and Content-Length of the handler's body but not the body.
//  - Header names and values are checked on the way out too: a header whose name is not a
//    token or whose value holds CR, LF or NUL is dropped, and the framing headers
//    (Content-Length, Transfer-Encoding, Connection, Keep-Alive, ...) are the server's.
//  - Every refusal below is written with `Connection: close`; the connection is then
//    half-closed and what the client still sends is read and dropped for `linger_timeout`
//    (at most `max_linger_bytes`), so that the refusal is not lost to a TCP reset.
//  - Start() binds and listens before it returns: the port accepts connections at once (no
//    wait loop). It raises the soft RLIMIT_NOFILE to the hard limit when `max_connections`
//    needs more descriptors, and lowers the effective connection limit to what fits.
//  - Thread-safe: Start, Stop and the accessors may be called from any thread.
//
// Refusals (the request never reaches a handler; the body comes from `error_response`):
//   status                               when
//   400 Bad Request                      a request line that is not METHOD SP target SP
//                                        HTTP/x.y; a target that is not origin-form (or
//                                        absolute-form, or * for OPTIONS) or holds a space,
//                                        control or non-ASCII byte; a header line with
//                                        whitespace before the colon, a folded line (obs-fold),
//                                        a name that is not a token, a value with NUL, a bare
//                                        CR or another control character; a bare LF; no Host
//                                        or more than one (HTTP/1.1); more than one
//                                        Content-Length or one that is not a decimal number;
//                                        Transfer-Encoding with Content-Length, or in HTTP/1.0
//   405 Method Not Allowed (+ Allow)     a method not in `methods`
//   408 Request Timeout                  the head not complete `header_timeout` after its
//                                        first byte, or the body `body_timeout` after the head
//   411 Length Required                  Transfer-Encoding: chunked
//   413 Content Too Large                Content-Length over the method's body limit (the
//                                        body is not read)
//   414 URI Too Long                     a request line over `max_request_line_bytes`
//   417 Expectation Failed               an Expect other than 100-continue
//   431 Request Header Fields Too Large  more than `max_header_count` fields, or a header
//                                        section over `max_header_bytes`
//   500 Internal Server Error            the handler threw
//   501 Not Implemented                  a Transfer-Encoding other than chunked
//   503 Service Unavailable              a connection over `max_connections` or over
//                                        `max_connections_per_client` (written at once, then
//                                        closed; no request is read)
//   505 HTTP Version Not Supported       HTTP/x.y other than 1.0 and 1.1
// Closed without an answer: a keep-alive connection idle for `idle_timeout` (a new one too,
// before its first byte), a response not written within `write_timeout`, a read error.
#ifndef RAINCHECK_LOCAL_HTTP_SERVER_H_
#define RAINCHECK_LOCAL_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace raincheck::local {

// A request as the server read it. Everything is as sent: nothing is percent-decoded.
struct ServerRequest {
  std::string method;   // "GET"
  std::string target;   // "/forecast?city=Lima" as on the request line
  std::string path;     // "/forecast" (the target up to '?'; of an absolute-form target, its path)
  std::string query;    // "city=Lima" (after '?', without it; empty when there is none)
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  // In arrival order, names as sent, values without the whitespace around them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer_address;  // "127.0.0.1", "::1"

  // The first value of `name` (any case), or null.
  const std::string* Header(std::string_view name) const;
  // The query's parameter `name`, percent-decoded ('+' a space); empty when absent.
  std::string QueryParameter(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  // Sent in this order; see the contract for what is dropped.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The standard reason phrase of `status` ("Not Found"); "Unknown" for others.
std::string_view ReasonPhrase(int status);

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see HttpServer::port())

  // Methods the server takes; any other is 405 before its headers are read to the end.
  std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

  size_t max_request_line_bytes = size_t{8} * 1024;  // 414
  size_t max_header_count = 100;                     // 431
  size_t max_header_bytes = size_t{32} * 1024;  // 431; the header section, request line excluded
  size_t max_body_bytes = size_t{1024} * 1024;  // 413, every method unless overridden below
  // Per-method limits that replace max_body_bytes, e.g. {{"GET", 0}}: a GET with a body is 413.
  std::vector<std::pair<std::string, size_t>> method_body_limits;

  // Until the head of a request (request line and headers) is complete, from its first byte.
  std::chrono::milliseconds header_timeout{10000};  // 408
  // Until the body is complete, from the end of the head.
  std::chrono::milliseconds body_timeout{30000};  // 408
  // A connection with no byte of a next request (a new one: of its first) is closed.
  std::chrono::milliseconds idle_timeout{5000};
  // A response not written completely within this is abandoned and the connection closed.
  std::chrono::milliseconds write_timeout{30000};
  // After a refusal: how long, and how much, the client's remaining bytes are read and dropped.
  std::chrono::milliseconds linger_timeout{2000};
  size_t max_linger_bytes = 64u << 20;

  size_t max_requests_per_connection = 10000;  // then `Connection: close` on the last answer
  // Open connections in all; lowered to fit RLIMIT_NOFILE (after raising it to its hard limit)
  // less 256 descriptors for the rest of the process.
  size_t max_connections = 10000;
  // Open connections from one peer address.
  size_t max_connections_per_client = 256;
  size_t threads = 16;  // worker threads for `handler`
};

// The server's request reader without the sockets: from the bytes a connection received,
// the head of its next request (with the framing of its body), more to wait for, or the status
// it is refused with. Pure (no I/O, no clock, no allocation beyond the request it builds); the
// server reads every request through it, and the unit tests and the fuzz target `http_request`
// call it with bytes.
struct RequestHead {
  enum class Outcome { kIncomplete, kComplete, kRefused };
  Outcome outcome = Outcome::kIncomplete;
  // kRefused: 400, 405, 411, 413, 414, 417, 431, 501 or 505, as the table above says (the
  // reader never answers 408, 500 or 503: those are the server's).
  int status = 0;
  // kComplete: the bytes of the head (empty lines before it, the request line, the header
  // lines and the empty line that ends them); the body's `content_length` bytes follow.
  size_t head_bytes = 0;
  size_t content_length = 0;
  bool expect_continue = false;  // Expect: 100-continue in HTTP/1.1
  bool close = false;            // Connection: close, or HTTP/1.0
  // method, target, path, query, version and headers as read: all of them when complete, what
  // was read before the refusal otherwise (body and peer_address stay empty).
  ServerRequest request;
};

class RequestHeadReader {
 public:
  // Takes the limits of `options` (methods, request line, header count and bytes, body per
  // method); `options` must outlive the reader.
  explicit RequestHeadReader(const HttpServerOptions& options) : options_(&options) {}

  // `received` holds the connection's bytes from the first byte of this request on: those of
  // the previous call, unchanged, and what came since. The reader resumes where the previous
  // call stopped, so a head that trickles in is scanned once. Once complete or refused, the
  // result stays until Reset().
  const RequestHead& Read(std::string_view received);
  const RequestHead& head() const { return head_; }
  RequestHead& head() { return head_; }
  // For the next request of the connection (its bytes start the next `received`).
  void Reset();

 private:
  int ScanHead(std::string_view in);
  int OnLine(std::string_view line);
  int ParseRequestLine(std::string_view line);
  int HeadComplete();

  const HttpServerOptions* options_;
  RequestHead head_;
  size_t scan_ = 0;        // the scanner's position in `received`
  size_t line_start_ = 0;  // where the current line starts
  int empty_lines_ = 0;
  bool got_request_line_ = false;
  size_t header_bytes_ = 0;
};

// RequestHeadReader in one call: the head of the request at the start of `received`.
RequestHead ReadRequestHead(std::string_view received, const HttpServerOptions& options);

class HttpServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;
  // nullopt: pass the request on to `handler` on a worker thread.
  using QuickHandler = std::function<std::optional<ServerResponse>(const ServerRequest&)>;
  // The response to a refusal of the server's own (`status` as in the table above); the
  // server adds `Connection: close` and, for 405, `Allow` unless the renderer sets it.
  // Default: the reason phrase as text/plain.
  using ErrorRenderer = std::function<ServerResponse(int status)>;
  // Called on the event thread once per answer, refusals included, after it is queued for
  // writing. `request` has what was read of it (a method and path unless the request line
  // itself was refused).
  using AnswerObserver = std::function<void(const ServerRequest& request, int status)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Before Start().
  void set_quick_handler(QuickHandler h);
  void set_error_renderer(ErrorRenderer r);
  void set_observer(AnswerObserver o);

  // Binds, listens (backlog SOMAXCONN) and starts the event thread and the workers; the port
  // accepts connections when this returns. Unavailable when the address cannot be bound;
  // FailedPrecondition when called twice.
  Status Start();
  int port() const;
  // The connection limit in force (max_connections, lowered to fit the descriptor limit).
  size_t max_connections() const;
  // Connections open now (for tests and the log).
  size_t open_connections() const;

  // Stops accepting (the listening socket is closed), closes the connections that have no
  // request in progress, lets the requests being handled finish and their answers be written,
  // then returns. Idempotent; thread-safe; returns at once when not started.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_HTTP_SERVER_H_
