#include "local/api_gateway.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/env.h"
#include "base/strings.h"
#include "lambda/event_builder.h"
#include "local/http_server.h"
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

ServerResponse ToServer(const HttpResponse& from) {
  ServerResponse to;
  to.status = from.status;
  bool has_type = false;
  for (const auto& [name, value] : from.headers) {
    if (IsHopByHop(name)) continue;
    if (base::EqualsIgnoreAsciiCase(name, "content-type")) has_type = true;
    to.headers.emplace_back(name, value);  // dropped by the server when it holds CR or LF
  }
  for (const std::string& cookie : from.cookies) to.headers.emplace_back("Set-Cookie", cookie);
  if (!has_type && !from.body.empty()) to.headers.emplace_back("Content-Type", "application/json");
  to.body = from.body;
  return to;
}

// API Gateway's wording where it has one (413, 500); the standard reason phrase otherwise.
std::string_view ReasonFor(int status) {
  switch (status) {
    case 413:
      return "Request Entity Too Large";
    case 500:
      return "Internal server error";
    default:
      return ReasonPhrase(status);
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
  std::unique_ptr<HttpServer> server;
  std::mutex mu;
  bool started = false;
  bool stopped = false;

  // Invokes the function for `route` (the event's resource and route key). On a worker thread.
  ServerResponse Function(const ServerRequest& req, const GatewayRoute& route) {
    lambda::IncomingRequest in;
    in.method = req.method;
    in.raw_path = req.path;
    in.raw_query = req.query;
    in.protocol = req.version;
    in.headers = req.headers;
    in.body = req.body;
    in.source_ip = req.peer_address;

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
    if (!result.ok() || result->function_error || response.status >= 500) {
      options.logger->ForRequest(ev.request_id)
          .Warn("function failed",
                {{"status", response.status},
                 {"reason", result.ok() ? result->error_type
                                        : std::string(StatusCodeName(result.status().code()))}});
    }
    return ToServer(response);
  }

  static bool MethodMatches(const GatewayRoute& route, const std::string& method) {
    // As in API Gateway, a route is a method and a path: HEAD takes no GET route, so a HEAD
    // never invokes the function (nor spends an upstream call) unless a route says HEAD or ANY.
    return route.method == "ANY" || route.method == method;
  }

  // The most specific route whose path matches; `allowed` gets the methods of the routes of
  // that path when none of them takes `method`. Null when no route's path matches.
  const GatewayRoute* FindRoute(const ServerRequest& req, std::string* allowed) const {
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
      *allowed += route.method;
    }
    return path_match;
  }

  const GatewayRoute* DefaultRoute() const {
    for (const GatewayRoute& route : options.routes) {
      if (route.path.empty()) return &route;
    }
    return nullptr;
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

  // On the server's event thread: everything but the function (which may take seconds) is
  // answered here, so /health answers however busy the function is. nullopt: the function.
  std::optional<ServerResponse> Quick(const ServerRequest& req) const {
    const bool get = req.method == "GET" || req.method == "HEAD";
    auto not_allowed = [&](const std::string& allow) {
      ServerResponse r = ToServer(JsonMessage(405, "Method Not Allowed"));
      r.headers.emplace_back("Allow", allow);
      return r;
    };
    std::string allowed;
    if (FindRoute(req, &allowed) != nullptr) {
      if (!allowed.empty()) return not_allowed(allowed);
      return std::nullopt;
    }
    if (req.path == kHealthPath) {
      if (!get) return not_allowed("GET, HEAD");
      HttpResponse r;
      r.SetHeader("Content-Type", "application/json");
      r.SetHeader("Cache-Control", "no-store");
      r.body = R"({"status":"ok"})";
      return ToServer(r);
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
      return ToServer(r);
    }
    if (DefaultRoute() != nullptr) return std::nullopt;
    return ToServer(JsonMessage(404, "Not Found"));
  }

  // On a worker thread: the requests Quick passed on.
  ServerResponse Slow(const ServerRequest& req) {
    std::string allowed;
    if (const GatewayRoute* route = FindRoute(req, &allowed); route != nullptr && allowed.empty()) {
      return Function(req, *route);
    }
    if (const GatewayRoute* route = DefaultRoute()) return Function(req, *route);
    return ToServer(JsonMessage(404, "Not Found"));
  }

  // The server's refusals (400, 405, 408, 413, 414, 431, ...) in API Gateway's JSON.
  static ServerResponse Error(int status) {
    return ToServer(JsonMessage(status, ReasonFor(status)));
  }

  void Log(const ServerRequest& req, int status) const {
    if (!options.logger->Enabled(base::LogLevel::kDebug)) return;
    // The path only for known routes: other paths and every query may carry user data.
    const bool known = !req.path.empty() && IsKnownPath(req.path);
    options.logger->Debug(
        "http request",
        {{"method", req.method}, {"route", known ? req.path : "(other)"}, {"status", status}});
  }
};

HttpServerOptions GatewayHttpOptions() {
  HttpServerOptions h;
  h.port = 3000;
  h.max_body_bytes = size_t{4} * 1024 * 1024;
  h.threads = 64;
  return h;
}

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
  const ApiGatewayOptions& o = impl->options;
  HttpServerOptions h = o.http;
  // The methods API Gateway takes (ANY is these); others are 405 before routing.
  h.methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  h.threads = std::max<size_t>(h.threads, 1);
  impl->server = std::make_unique<HttpServer>(
      std::move(h), [impl](const ServerRequest& req) { return impl->Slow(req); });
  impl->server->set_quick_handler([impl](const ServerRequest& req) { return impl->Quick(req); });
  impl->server->set_error_renderer(&Impl::Error);
  impl->server->set_observer(
      [impl](const ServerRequest& req, int status) { impl->Log(req, status); });
  if (Status s = impl->server->Start(); !s.ok()) {
    impl->server.reset();
    return s;
  }
  port_ = impl->server->port();
  impl->started = true;
  return Status::Ok();
}

std::string ApiGateway::Url() const {
  std::string host = impl_->options.http.host;
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
  // Closes the listening socket, lets the requests in flight finish and be answered, and
  // closes the idle keep-alive connections.
  impl_->server->Stop();
}

}  // namespace raincheck::local
