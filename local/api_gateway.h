// A local API Gateway: an HTTP/1.1 server (local/http_server.h) that turns requests into API
// Gateway events, invokes the function through a FunctionInvoker and maps its proxy response back,
// as API Gateway does. It also serves the web page and a health check. See docs/start_api.md.
#ifndef RAINCHECK_LOCAL_API_GATEWAY_H_
#define RAINCHECK_LOCAL_API_GATEWAY_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "lambda/event.h"
#include "local/http_server.h"

namespace raincheck::local {

// What one invocation of the function produced.
struct FunctionResult {
  std::string payload;  // the function's response, or Lambda's error document
  // Empty when the function returned normally; otherwise Lambda's errorType, e.g.
  // "Sandbox.Timedout" (the function ran out of time), "Runtime.ExitError", or the handler's.
  std::string error_type;
  bool function_error = false;
};

// Runs the function. Implementations: the Lambda emulator (local/emulator_invoker.h) and
// in-process invokers for tests.
class FunctionInvoker {
 public:
  virtual ~FunctionInvoker() = default;
  // Thread-safe; called concurrently from the server's threads. `request_id` is the id the
  // invocation should carry. Errors mean the function could not be invoked at all:
  // ResourceExhausted (event over the payload limit), DeadlineExceeded (no answer in time),
  // Unavailable (shut down, cannot start).
  virtual Result<FunctionResult> Invoke(std::string event, const std::string& request_id) = 0;
};

// A file of the web page served as is.
struct StaticAsset {
  std::string path;          // "/", "/app.js"
  std::string content_type;  // "text/html; charset=utf-8"
  std::string_view body;     // must outlive the gateway
};

// A route to the function, as a SAM template's HttpApi / Api event declares it.
struct GatewayRoute {
  std::string method;  // "GET", "POST", ... or "ANY" (HEAD takes only a HEAD or ANY route)
  // "/forecast", "/items/{id}", "/{proxy+}"; empty: the $default route (every request no
  // other route, /health or page file takes).
  std::string path;
  // The route's payload format; unset: ApiGatewayOptions::payload_version.
  std::optional<lambda::PayloadVersion> payload;
};

// The function's routes when no template names them, as `raincheck package`'s template does
// less its `GET /` (which the web page takes locally without a template):
// GET /forecast, POST /predict, GET /models.
std::vector<GatewayRoute> DefaultFunctionRoutes();

// The HTTP server's options as start-api uses them by default: port 3000; 4 MiB bodies of any
// method (a base64-encoded body stays inside Lambda's 6 MB synchronous payload limit; GET and
// HEAD bodies go into the event too); 64 worker threads for the function's requests.
// Connections hold no thread (one event thread reads and writes them all), and /health, the
// page's files, 404 and 405 are answered on the event thread, so a slow function or slow clients
// cannot hold them up.
HttpServerOptions GatewayHttpOptions();

struct ApiGatewayOptions {
  lambda::PayloadVersion payload_version = lambda::PayloadVersion::kV2;
  std::string stage;  // empty: "Prod" (1.0) / "$default" (2.0)
  // Address, HTTP limits and worker threads (local/http_server.h; the table in docs/start_api.md,
  // "HTTP limits"), with the gateway's defaults (GatewayHttpOptions). The methods are always
  // those API Gateway takes.
  HttpServerOptions http = GatewayHttpOptions();
  std::vector<GatewayRoute> routes = DefaultFunctionRoutes();
  std::vector<StaticAsset> assets;       // GET-able paths besides the function's and /health
  const base::Clock* clock = nullptr;    // event times; required
  const base::Logger* logger = nullptr;  // access log at debug level; required
};

// Routing, most specific first:
//   a function route whose path matches   the function, when the method matches (ANY: every
//                                         method), else 405 with Allow;
//                                         exact paths beat {param} paths, which beat {proxy+}
//   GET|HEAD /health                      200 {"status":"ok"}
//   GET|HEAD <asset path>                 the asset
//   the $default route, when there is one the function
//   anything else                         404 {"message":"Not Found"}
// The event carries the route's path as resource and "METHOD /path" as routeKey.
// Errors as API Gateway words them: 502 {"message":"Internal server error"} for a function
// error or a malformed response, 504 {"message":"Endpoint request timed out"} for a timeout,
// 413 for bodies over max_body_bytes; the HTTP server's refusals (400, 405 for methods API
// Gateway does not take, 408, 411, 413, 414, 431, ...) as {"message":"<reason>"} with
// Connection: close. Range is not interpreted: the function's response goes out whole.
class ApiGateway {
 public:
  // `invoker` must outlive the gateway.
  ApiGateway(ApiGatewayOptions options, FunctionInvoker* invoker);
  ~ApiGateway();  // Stop()
  ApiGateway(const ApiGateway&) = delete;
  ApiGateway& operator=(const ApiGateway&) = delete;

  // Binds and listens, then serves on background threads: the port accepts connections when
  // this returns. Unavailable when the address cannot be bound; FailedPrecondition when called
  // twice or without a clock and a logger.
  Status Start();
  // The bound port (after Start).
  int port() const { return port_; }
  // "http://127.0.0.1:3000/" (IPv6 hosts in brackets; the loopback address when listening on
  // every interface).
  std::string Url() const;

  // Stops accepting, lets in-flight requests finish and closes idle connections, then returns.
  // Idempotent; thread-safe.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Maps a function's result to the HTTP response API Gateway would send (exposed for tests).
lambda::HttpResponse MapFunctionResult(const Result<FunctionResult>& result,
                                       lambda::PayloadVersion version);

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_API_GATEWAY_H_
