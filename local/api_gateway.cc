#include "local/api_gateway.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/env.h"
#include "base/strings.h"
#include "lambda/event_builder.h"
#include "local/sam_template.h"

namespace raincheck::local {

namespace {

using lambda::HttpResponse;
using lambda::PayloadVersion;

constexpr std::string_view kHealthPath = "/health";

// How specific a route path is: exact paths first, then {param} paths, then greedy ones.
int Specificity(std::string_view path) {
  if (path.find("+}") != std::string_view::npos) return 0;
  if (path.find('{') != std::string_view::npos) return 1;
  return 2;
}

HttpResponse JsonMessage(int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json");
  r.body = nlohmann::json{{"message", message}}.dump();
  return r;
}

// Headers the gateway owns: a function cannot set them.
bool IsHopByHop(std::string_view name) {
  static constexpr std::string_view kNames[] = {"connection",
                                                "keep-alive",
                                                "transfer-encoding",
                                                "content-length",
                                                "upgrade",
                                                "proxy-connection",
                                                "te",
                                                "trailer"};
  for (std::string_view n : kNames) {
    if (base::EqualsIgnoreAsciiCase(n, name)) return true;
  }
  return false;
}

void WriteResponse(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  bool has_type = false;
  for (const auto& [name, value] : from.headers) {
    if (IsHopByHop(name)) continue;
    if (base::EqualsIgnoreAsciiCase(name, "content-type")) has_type = true;
    to.set_header(name.c_str(), value);  // dropped by httplib when it holds CR or LF
  }
  for (const std::string& cookie : from.cookies) to.set_header("Set-Cookie", cookie);
  if (!has_type && !from.body.empty()) to.set_header("Content-Type", "application/json");
  to.body = from.body;
}

// Splits "/path?query" as it came on the request line.
void SplitTarget(const std::string& target, std::string* path, std::string* query) {
  const size_t q = target.find('?');
  *path = target.substr(0, q);
  *query = q == std::string::npos ? std::string() : target.substr(q + 1);
}

std::string_view ReasonFor(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal server error";
    default:
      return status >= 500 ? "Internal server error" : "Bad Request";
  }
}

}  // namespace

HttpResponse MapFunctionResult(const Result<FunctionResult>& result, PayloadVersion version) {
  if (!result.ok()) {
    switch (result.status().code()) {
      case StatusCode::kResourceExhausted:
        return JsonMessage(413, "Request Entity Too Large");
      case StatusCode::kDeadlineExceeded:
        return JsonMessage(504, "Endpoint request timed out");
      default:
        return JsonMessage(502, "Internal server error");
    }
  }
  if (result->function_error) {
    if (result->error_type == "Sandbox.Timedout") {
      return JsonMessage(504, "Endpoint request timed out");
    }
    return JsonMessage(502, "Internal server error");
  }
  Result<HttpResponse> response = lambda::ParseResponse(result->payload, version);
  if (!response.ok()) return JsonMessage(502, "Internal server error");
  return std::move(response).value();
}

struct ApiGateway::Impl {
  ApiGatewayOptions options;
  FunctionInvoker* invoker = nullptr;
  httplib::Server server;
  std::thread thread;
  std::mutex mu;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> loop_ended{false};
  socket_t listen_socket = INVALID_SOCKET;

  // Invokes the function for `route` (the event's resource and route key).
  void Function(const httplib::Request& req, httplib::Response& res, const GatewayRoute& route) {
    lambda::IncomingRequest in;
    in.method = req.method;
    SplitTarget(req.target, &in.raw_path, &in.raw_query);
    in.protocol = req.version;
    for (const auto& [name, value] : req.headers) {
      // httplib adds these for its own bookkeeping; they did not come from the client.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      in.headers.emplace_back(name, value);
    }
    in.body = req.body;
    in.source_ip = req.remote_addr;

    lambda::EventOptions ev;
    ev.version = route.payload.value_or(options.payload_version);
    ev.request_id = base::NewUuid();
    ev.time = options.clock->Now();
    ev.stage = options.stage;
    if (!route.path.empty()) {
      ev.resource = route.path;
      ev.route_key = route.method + " " + route.path;
    }
    const std::string event = lambda::BuildEvent(in, ev);

    Result<FunctionResult> result = invoker->Invoke(event, ev.request_id);
    HttpResponse response = MapFunctionResult(result, ev.version);
    response.headers.emplace_back(
        ev.version == PayloadVersion::kV1 ? "x-amzn-RequestId" : "Apigw-Requestid", ev.request_id);
    WriteResponse(response, res);
    if (!result.ok() || result->function_error || res.status >= 500) {
      options.logger->ForRequest(ev.request_id)
          .Warn("function failed",
                {{"status", res.status},
                 {"reason", result.ok() ? result->error_type
                                        : std::string(StatusCodeName(result.status().code()))}});
    }
  }

  static bool MethodMatches(const GatewayRoute& route, const std::string& method) {
    return route.method == "ANY" || route.method == method ||
           (route.method == "GET" && method == "HEAD");
  }

  // The most specific route whose path matches; `allowed` gets the methods of the routes of
  // that path. Null when no route's path matches.
  const GatewayRoute* FindRoute(const httplib::Request& req, std::string* allowed) const {
    const GatewayRoute* best = nullptr;
    const GatewayRoute* path_match = nullptr;
    for (const GatewayRoute& route : options.routes) {
      if (route.path.empty() || !RoutePathMatches(route.path, req.path)) continue;
      if (path_match == nullptr || Specificity(route.path) > Specificity(path_match->path)) {
        path_match = &route;
      }
      if (!MethodMatches(route, req.method)) continue;
      if (best == nullptr || Specificity(route.path) > Specificity(best->path)) best = &route;
    }
    if (best != nullptr) return best;
    if (path_match == nullptr) return nullptr;
    for (const GatewayRoute& route : options.routes) {
      if (route.path != path_match->path) continue;
      if (!allowed->empty()) *allowed += ", ";
      *allowed += route.method == "GET" ? "GET, HEAD" : route.method;
    }
    return path_match;
  }

  bool IsKnownPath(const std::string& path) const {
    return path == kHealthPath ||
           std::any_of(options.routes.begin(), options.routes.end(),
                       [&](const GatewayRoute& r) {
                         return !r.path.empty() && RoutePathMatches(r.path, path);
                       }) ||
           std::any_of(options.assets.begin(), options.assets.end(),
                       [&](const StaticAsset& a) { return a.path == path; });
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    t_routed = true;
    const bool get = req.method == "GET" || req.method == "HEAD";
    auto not_allowed = [&](const std::string& allow) {
      WriteResponse(JsonMessage(405, "Method Not Allowed"), res);
      res.set_header("Allow", allow);
    };
    std::string allowed;
    if (const GatewayRoute* route = FindRoute(req, &allowed)) {
      if (!allowed.empty()) return not_allowed(allowed);
      return Function(req, res, *route);
    }
    if (req.path == kHealthPath) {
      if (!get) return not_allowed("GET, HEAD");
      HttpResponse r;
      r.SetHeader("Content-Type", "application/json");
      r.SetHeader("Cache-Control", "no-store");
      r.body = R"({"status":"ok"})";
      return WriteResponse(r, res);
    }
    for (const StaticAsset& asset : options.assets) {
      if (req.path != asset.path) continue;
      if (!get) return not_allowed("GET, HEAD");
      HttpResponse r;
      r.SetHeader("Content-Type", asset.content_type);
      r.SetHeader("Cache-Control", "no-cache");
      r.SetHeader("X-Content-Type-Options", "nosniff");
      r.SetHeader("Referrer-Policy", "no-referrer");
      r.SetHeader("Content-Security-Policy",
                  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                  "connect-src 'self'; form-action 'self'; base-uri 'none'; "
                  "frame-ancestors 'none'");
      r.body = std::string(asset.body);
      return WriteResponse(r, res);
    }
    for (const GatewayRoute& route : options.routes) {
      if (route.path.empty()) return Function(req, res, route);
    }
    WriteResponse(JsonMessage(404, "Not Found"), res);
  }

  // Answers what httplib refused before routing (400, 413, 414, ...) and the methods it has
  // no handler slot for (TRACE, CONNECT), in API Gateway's JSON. Responses of Dispatch (the
  // function's 4xx included) are left alone.
  httplib::Server::HandlerResponse Error(const httplib::Request& req, httplib::Response& res) {
    if (t_routed) return httplib::Server::HandlerResponse::Unhandled;
    int status = res.status;
    if ((status == 400 || status == 404) && (req.method == "TRACE" || req.method == "CONNECT")) {
      status = 405;
    }
    WriteResponse(JsonMessage(status, ReasonFor(status)), res);
    if (status == 405) res.set_header("Allow", "GET, HEAD");
    return httplib::Server::HandlerResponse::Handled;
  }

  // Whether Dispatch answered the request being served by this worker thread. httplib calls
  // the pre-routing handler, Dispatch, the error handler and the logger of one request on one
  // thread, one request at a time.
  static thread_local bool t_routed;
};

thread_local bool ApiGateway::Impl::t_routed = false;

std::vector<GatewayRoute> DefaultFunctionRoutes() {
  return {{"GET", "/forecast", std::nullopt},
          {"POST", "/predict", std::nullopt},
          {"GET", "/models", std::nullopt}};
}

ApiGateway::ApiGateway(ApiGatewayOptions options, FunctionInvoker* invoker)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->invoker = invoker;
}

ApiGateway::~ApiGateway() { Stop(); }

Status ApiGateway::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) return Status::FailedPrecondition("the gateway was already started");
  if (impl_->options.clock == nullptr || impl_->options.logger == nullptr) {
    return Status::FailedPrecondition("the gateway needs a clock and a logger");
  }
  Impl* impl = impl_.get();
  httplib::Server& s = impl->server;
  const ApiGatewayOptions& o = impl->options;
  const size_t threads = std::max<size_t>(o.threads, 1);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto seconds = [](std::chrono::milliseconds ms, auto set) {
    set(static_cast<time_t>(ms.count() / 1000), static_cast<time_t>((ms.count() % 1000) * 1000));
  };
  seconds(o.read_timeout, [&](time_t sec, time_t usec) { s.set_read_timeout(sec, usec); });
  seconds(o.write_timeout, [&](time_t sec, time_t usec) { s.set_write_timeout(sec, usec); });
  s.set_keep_alive_timeout(
      static_cast<time_t>(std::max<int64_t>(1, o.idle_timeout.count() / 1000)));
  s.set_keep_alive_max_count(o.max_requests_per_connection);
  s.set_payload_max_length(o.max_body_bytes);
  s.set_tcp_nodelay(true);
  auto dispatch = [impl](const httplib::Request& req, httplib::Response& res) {
    impl->Dispatch(req, res);
  };
  s.Get(".*", dispatch);
  s.Post(".*", dispatch);
  s.Put(".*", dispatch);
  s.Patch(".*", dispatch);
  s.Delete(".*", dispatch);
  s.Options(".*", dispatch);
  // Requests without a body are answered here, before httplib matches its handlers' regular
  // expressions; requests with one go on to the handlers below, after httplib has read the
  // body (and refused it with 413 when it is too large).
  s.set_pre_routing_handler([impl](const httplib::Request& req, httplib::Response& res) {
    Impl::t_routed = false;
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    impl->Dispatch(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [impl](const httplib::Request& req, httplib::Response& res) {
        return impl->Error(req, res);
      }));
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which lets a second server bind
  // a port that is already serving.
  s.set_socket_options([impl](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listen_socket = sock;  // the last one tried is the one bound
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        WriteResponse(JsonMessage(500, "Internal server error"), res);
      });
  s.set_logger([impl](const httplib::Request& req, const httplib::Response& res) {
    Impl::t_routed = false;
    if (!impl->options.logger->Enabled(base::LogLevel::kDebug)) return;
    // The path only for known routes: other paths and every query may carry user data.
    const bool known = impl->IsKnownPath(req.path);
    impl->options.logger->Debug(
        "http request",
        {{"method", req.method}, {"route", known ? req.path : "(other)"}, {"status", res.status}});
  });

  int port = o.port;
  if (port == 0) {
    port = s.bind_to_any_port(o.host);
    if (port <= 0) return Status::Unavailable("cannot bind " + o.host + " to a free port");
  } else if (!s.bind_to_port(o.host, port)) {
    return Status::Unavailable("cannot listen on " + o.host + ":" + std::to_string(port) +
                               " (in use, or not an address of this machine)");
  }
  // Debian's cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into
  // the library): a burst of new connections overflowed it, and the kernel dropped the
  // handshakes it had no room for; those clients waited for a retransmission (1 s, then 3 s)
  // before their first request. listen(2) again on the bound socket raises the backlog.
  if (impl->listen_socket != INVALID_SOCKET) ::listen(impl->listen_socket, SOMAXCONN);
  port_ = port;
  impl->started = true;
  impl->thread = std::thread([impl] {
    impl->server.listen_after_bind();
    impl->loop_ended = true;
  });
  // stop() is a no-op until the loop runs: wait for it so that Stop() cannot be lost.
  while (!s.is_running() && !impl->loop_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

std::string ApiGateway::Url() const {
  std::string host = impl_->options.host;
  // Listening on every interface: name the loopback one, which a browser can open.
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port_) + "/";
}

void ApiGateway::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  // stop() closes the listening socket; listen_after_bind() then waits for the worker threads,
  // which finish the requests in flight and close idle keep-alive connections.
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace raincheck::local
