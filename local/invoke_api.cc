#include "local/invoke_api.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/env.h"
#include "base/strings.h"

namespace raincheck::local {
namespace {

constexpr size_t kServerThreads = 16;
// Anything above the sync limit is refused; this bounds what the HTTP layer buffers first.
constexpr size_t kMaxBodyBytes = kMaxSyncRequestBytes + (1u << 20);

void AwsError(httplib::Response& res, int status, std::string_view type, std::string_view message) {
  res.status = status;
  res.set_header("X-Amzn-ErrorType", std::string(type));
  const nlohmann::json body = {{"Type", "User"}, {"message", message}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
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
    : emulator_(emulator),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {}

InvokeApiServer::~InvokeApiServer() { Stop(); }

Status InvokeApiServer::Start() {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server_->set_payload_max_length(kMaxBodyBytes);
  // stop() waits for idle keep-alive connections (SDKs keep them): bound that wait.
  server_->set_keep_alive_timeout(1);
  server_->set_tcp_nodelay(true);  // no 40 ms Nagle / delayed-ACK stall per answer
  InstallRoutes();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + " (address in use or not local)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs (cpp-httplib 0.11): wait for it.
  for (int i = 0; i < 100000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  if (!server_->is_running()) return Status::Unavailable("the HTTP server did not start");
  return Status::Ok();
}

void InvokeApiServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
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

void InvokeApiServer::InstallRoutes() {
  server_->Post(R"(/2015-03-31/functions/([^/]+)/invocations)", [this](const httplib::Request& req,
                                                                       httplib::Response& res) {
    const EmulatorOptions& function = emulator_.options();
    const std::string requested = base::UrlDecode(req.matches[1].str(), false);
    if (!NamesFunction(requested, req.get_param_value("Qualifier"), function)) {
      AwsError(res, 404, "ResourceNotFoundException",
               "Function not found: " + FunctionArn(function, requested));
      return;
    }
    std::string type = req.get_header_value("X-Amz-Invocation-Type");
    if (type.empty()) type = "RequestResponse";
    if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
      AwsError(res, 400, "InvalidParameterValueException",
               "X-Amz-Invocation-Type must be RequestResponse, Event or DryRun");
      return;
    }
    std::string log_type = req.get_header_value("X-Amz-Log-Type");
    if (!log_type.empty() && log_type != "None" && log_type != "Tail") {
      AwsError(res, 400, "InvalidParameterValueException", "X-Amz-Log-Type must be None or Tail");
      return;
    }
    const size_t limit = type == "Event" ? kMaxAsyncRequestBytes : kMaxSyncRequestBytes;
    if (req.body.size() > limit) {
      AwsError(res, 413, "RequestEntityTooLargeException",
               "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                   (type == "Event" ? "InvokeAsync" : "InvokeFunction") + " operation");
      return;
    }
    std::string payload = req.body.empty() ? "{}" : req.body;
    if (!nlohmann::json::accept(payload)) {
      AwsError(res, 400, "InvalidRequestContentException",
               "Could not parse request body into json");
      return;
    }
    InvokeOptions options;
    options.request_id = base::NewUuid();
    if (const std::string context = req.get_header_value("X-Amz-Client-Context");
        !context.empty()) {
      auto decoded = base::Base64Decode(context);
      if (!decoded.ok()) {
        AwsError(res, 400, "InvalidParameterValueException",
                 "X-Amz-Client-Context must be base64-encoded JSON");
        return;
      }
      options.client_context = std::move(decoded).value();
    }
    res.set_header("X-Amzn-RequestId", options.request_id);
    if (type == "DryRun") {
      res.status = 204;
      return;
    }
    if (type == "Event") {
      Async(std::move(payload), std::move(options));
      res.status = 202;
      return;
    }
    Result<InvokeResult> result = emulator_.Invoke(std::move(payload), options);
    if (!result.ok()) {
      switch (result.status().code()) {
        case StatusCode::kResourceExhausted:
          AwsError(res, 413, "RequestEntityTooLargeException", result.status().message());
          break;
        case StatusCode::kUnavailable:
          AwsError(res, 503, "ServiceException", result.status().message());
          break;
        default:
          AwsError(res, 500, "ServiceException", result.status().message());
      }
      return;
    }
    res.status = 200;
    res.set_header("X-Amz-Executed-Version", function.function_version);
    if (!result->function_error.empty()) {
      res.set_header("X-Amz-Function-Error", result->function_error);
    }
    if (log_type == "Tail")
      res.set_header("X-Amz-Log-Result", base::Base64Encode(result->log_tail));
    res.set_content(result->payload, "application/json");
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      AwsError(res, 413, "RequestEntityTooLargeException",
               "Request must be smaller than " + std::to_string(kMaxSyncRequestBytes) +
                   " bytes for the InvokeFunction operation");
    } else if (res.status == 404) {
      AwsError(res, 404, "UnknownOperationException", "Unknown operation");
    }
  });
}

}  // namespace raincheck::local
