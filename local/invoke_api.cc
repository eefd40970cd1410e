#include "local/invoke_api.h"

#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "base/env.h"
#include "base/strings.h"

namespace raincheck::local {
namespace {

constexpr size_t kServerThreads = 16;
// Anything above the sync limit is refused; this bounds what the HTTP layer buffers first.
constexpr size_t kMaxBodyBytes = kMaxSyncRequestBytes + (1u << 20);

constexpr std::string_view kInvocationsPrefix = "/2015-03-31/functions/";
constexpr std::string_view kInvocationsSuffix = "/invocations";

ServerResponse AwsError(int status, std::string_view type, std::string_view message) {
  ServerResponse res;
  res.status = status;
  res.headers.emplace_back("X-Amzn-ErrorType", std::string(type));
  res.headers.emplace_back("Content-Type", "application/json");
  const nlohmann::json body = {{"Type", status >= 500 ? "Service" : "User"}, {"message", message}};
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

// The HTTP server's refusals as Lambda error documents.
ServerResponse HttpError(int status) {
  switch (status) {
    case 413:
      return AwsError(413, "RequestEntityTooLargeException",
                      "Request must be smaller than " + std::to_string(kMaxSyncRequestBytes) +
                          " bytes for the InvokeFunction operation");
    case 404:
    case 405:
      return AwsError(status, "UnknownOperationException", "Unknown operation");
    default:
      return AwsError(status, status >= 500 ? "ServiceException" : "InvalidRequestContentException",
                      ReasonPhrase(status));
  }
}

std::string Header(const ServerRequest& req, std::string_view name) {
  const std::string* v = req.Header(name);
  return v == nullptr ? std::string() : *v;
}

// "raincheck", "raincheck:$LATEST", "arn:aws:lambda:REGION:ACCOUNT:function:raincheck[:$LATEST]"
// or "ACCOUNT:function:raincheck" name this function; `qualifier` must be empty or $LATEST.
bool NamesFunction(std::string_view requested, std::string_view qualifier,
                   const EmulatorOptions& function) {
  std::vector<std::string> parts = base::Split(requested, ':');
  std::string name;
  std::string version;
  if (parts.size() >= 7 && parts[0] == "arn" && parts[5] == "function") {
    name = parts[6];
    if (parts.size() == 8) version = parts[7];
    if (parts.size() > 8) return false;
  } else if (parts.size() >= 3 && parts[1] == "function") {
    name = parts[2];
    if (parts.size() == 4) version = parts[3];
    if (parts.size() > 4) return false;
  } else if (parts.size() <= 2) {
    name = parts[0];
    if (parts.size() == 2) version = parts[1];
  } else {
    return false;
  }
  if (name != function.function_name) return false;
  for (std::string_view q : {std::string_view(version), qualifier}) {
    if (!q.empty() && q != function.function_version) return false;
  }
  return true;
}

std::string FunctionArn(const EmulatorOptions& function, std::string_view requested) {
  return "arn:aws:lambda:" + function.region + ":000000000000:function:" + std::string(requested);
}

}  // namespace

InvokeApiServer::InvokeApiServer(Emulator& emulator, InvokeApiOptions options)
    : emulator_(emulator), options_(std::move(options)) {}

InvokeApiServer::~InvokeApiServer() { Stop(); }

Status InvokeApiServer::Start() {
  HttpServerOptions h;
  h.host = options_.host;
  h.port = options_.port;
  h.threads = kServerThreads;
  h.max_body_bytes = kMaxBodyBytes;
  server_ = std::make_unique<HttpServer>(std::move(h),
                                         [this](const ServerRequest& req) { return Handle(req); });
  server_->set_error_renderer(&HttpError);
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return s;
  }
  port_ = server_->port();
  return Status::Ok();
}

void InvokeApiServer::Stop() {
  if (server_ != nullptr) server_->Stop();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return background_ == 0; });
}

void InvokeApiServer::Async(std::string payload, InvokeOptions options) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++background_;
  }
  std::thread([this, payload = std::move(payload), options = std::move(options)]() mutable {
    // Lambda keeps the result of an Event invocation to itself; its logs still show.
    (void)emulator_.Invoke(std::move(payload), options);
    std::lock_guard<std::mutex> lock(mu_);
    --background_;
    cv_.notify_all();
  }).detach();
}

ServerResponse InvokeApiServer::Handle(const ServerRequest& req) {
  const std::string& path = req.path;
  if (req.method != "POST" || !path.starts_with(kInvocationsPrefix) ||
      !path.ends_with(kInvocationsSuffix) ||
      path.size() <= kInvocationsPrefix.size() + kInvocationsSuffix.size()) {
    return AwsError(404, "UnknownOperationException", "Unknown operation");
  }
  const std::string_view name_part = std::string_view(path).substr(
      kInvocationsPrefix.size(),
      path.size() - kInvocationsPrefix.size() - kInvocationsSuffix.size());
  if (name_part.find('/') != std::string_view::npos) {
    return AwsError(404, "UnknownOperationException", "Unknown operation");
  }
  const EmulatorOptions& function = emulator_.options();
  const std::string requested = base::UrlDecode(name_part, false);
  if (!NamesFunction(requested, req.QueryParameter("Qualifier"), function)) {
    return AwsError(404, "ResourceNotFoundException",
                    "Function not found: " + FunctionArn(function, requested));
  }
  std::string type = Header(req, "X-Amz-Invocation-Type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return AwsError(400, "InvalidParameterValueException",
                    "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun");
  }
  const std::string log_type = Header(req, "X-Amz-Log-Type");
  if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
    return AwsError(400, "InvalidParameterValueException", "X-Amz-Log-Type must be None or Tail");
  }
  const size_t limit = type == "Event" ? kMaxAsyncRequestBytes : kMaxSyncRequestBytes;
  if (req.body.size() > limit) {
    return AwsError(413, "RequestEntityTooLargeException",
                    "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                        (type == "Event" ? "InvokeAsync" : "InvokeFunction") + " operation");
  }
  std::string payload = req.body.empty() ? "{}" : req.body;
  if (!nlohmann::json::accept(payload)) {
    return AwsError(400, "InvalidRequestContentException",
                    "Could not parse request body into json");
  }
  InvokeOptions options;
  options.request_id = base::NewUuid();
  if (const std::string context = Header(req, "X-Amz-Client-Context"); !context.empty()) {
    auto decoded = base::Base64Decode(context);
    if (!decoded.ok()) {
      return AwsError(400, "InvalidParameterValueException",
                      "X-Amz-Client-Context must be base64-encoded JSON");
    }
    options.client_context = std::move(decoded).value();
  }
  ServerResponse res;
  res.headers.emplace_back("X-Amzn-RequestId", options.request_id);
  if (type == "DryRun") {
    res.status = 204;
    return res;
  }
  if (type == "Event") {
    Async(std::move(payload), std::move(options));
    res.status = 202;
    return res;
  }
  Result<InvokeResult> result = emulator_.Invoke(std::move(payload), options);
  if (!result.ok()) {
    switch (result.status().code()) {
      case StatusCode::kResourceExhausted:
        return AwsError(413, "RequestEntityTooLargeException", result.status().message());
      case StatusCode::kUnavailable:
        return AwsError(503, "ServiceException", result.status().message());
      default:
        return AwsError(500, "ServiceException", result.status().message());
    }
  }
  res.status = 200;
  res.headers.emplace_back("X-Amz-Executed-Version", function.function_version);
  if (!result->function_error.empty()) {
    res.headers.emplace_back("X-Amz-Function-Error", result->function_error);
  }
  if (log_type == "Tail") {
    res.headers.emplace_back("X-Amz-Log-Result", base::Base64Encode(result->log_tail));
  }
  res.headers.emplace_back("Content-Type", "application/json");
  res.body = std::move(result->payload);
  return res;
}

}  // namespace raincheck::local
