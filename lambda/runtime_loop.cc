#include "lambda/runtime_loop.h"

#include <cxxabi.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>
#include <utility>

namespace raincheck::lambda {
namespace {

constexpr const char* kTraceEnv = "_X_AMZN_TRACE_ID";

// "std::runtime_error" rather than "St13runtime_error".
std::string TypeName(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

// The type of the exception being handled; only valid inside a catch block.
std::string CurrentExceptionTypeName() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  return type != nullptr ? TypeName(*type) : "UnknownException";
}

// Runs the handler, turning every way it can fail into an ErrorReport.
Result<std::string> CallHandler(const Handler& handler, const NextInvocation& next,
                                ErrorReport* error) {
  try {
    Result<std::string> result = handler(next.event, next.context);
    if (!result.ok()) {
      error->type = std::string(StatusCodeName(result.status().code()));
      error->message = result.status().message();
    }
    return result;
  } catch (const std::exception& e) {
    error->type = CurrentExceptionTypeName();
    error->message = e.what();
  } catch (...) {
    error->type = CurrentExceptionTypeName();
    error->message = "the handler threw an exception that is not a std::exception";
  }
  return Status::Internal("handler threw");
}

}  // namespace

Status HandleInvocation(RuntimeClient& client, const Handler& handler, const NextInvocation& next,
                        const base::Logger& log, const LoopOptions& options) {
  const base::Logger request_log = log.ForRequest(next.context.request_id);
  if (next.context.trace_id.empty()) {
    ::unsetenv(kTraceEnv);
  } else {
    ::setenv(kTraceEnv, next.context.trace_id.c_str(), 1);
  }
  const auto start = std::chrono::steady_clock::now();
  ErrorReport error;
  Result<std::string> response = CallHandler(handler, next, &error);
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  const double duration_ms = static_cast<double>(elapsed.count()) / 1000.0;

  if (response.ok() && response->size() > options.max_response_bytes) {
    error.type = "Function.ResponseSizeTooLarge";
    error.message = "Response payload size (" + std::to_string(response->size()) +
                    " bytes) exceeded maximum allowed payload size (" +
                    std::to_string(options.max_response_bytes) + " bytes).";
    response = Status::ResourceExhausted(error.message);
  }
  if (response.ok()) {
    request_log.Debug("invocation answered",
                      {{"duration_ms", duration_ms}, {"response_bytes", response->size()}});
    return client.PostResponse(next.context.request_id, std::move(response).value());
  }
  // The error type only: messages can quote the event, and payloads are never logged.
  request_log.Warn("invocation failed", {{"duration_ms", duration_ms}, {"error_type", error.type}});
  return client.PostError(next.context.request_id, error);
}

Status RunLoop(RuntimeClient& client, const Handler& handler, const base::Logger& log,
               const LoopOptions& options) {
  for (uint64_t served = 0; options.max_invocations == 0 || served < options.max_invocations;
       ++served) {
    Result<NextInvocation> next = client.Next();
    if (!next.ok()) {
      if (next.status().code() == StatusCode::kInvalidArgument) {
        log.Warn("skipping an event the runtime API sent without a request id");
        continue;
      }
      return next.status();
    }
    Status posted = HandleInvocation(client, handler, *next, log, options);
    if (posted.code() == StatusCode::kUnavailable) return posted;
    if (!posted.ok()) {
      log.ForRequest(next->context.request_id)
          .Warn("the runtime API refused the result", {{"status", posted.ToString()}});
    }
  }
  return Status::Ok();
}

int RunRuntime(std::string_view endpoint, http::Client& http, const Initializer& init,
               const base::Logger& log, const LoopOptions& options) {
  if (endpoint.empty()) {
    log.Error(
        "AWS_LAMBDA_RUNTIME_API is not set: bootstrap runs under Lambda or an emulator "
        "(raincheck start-lambda, raincheck invoke)");
    return 1;
  }
  RuntimeClient client{std::string(endpoint), http};
  Result<Handler> handler = Status::Internal("not initialised");
  ErrorReport init_error;
  try {
    handler = init();
    if (!handler.ok()) {
      init_error.type = "Runtime.InitError";
      init_error.message = handler.status().ToString();
    }
  } catch (const std::exception& e) {
    init_error.type = "Runtime.InitError";
    init_error.message = CurrentExceptionTypeName() + ": " + e.what();
  } catch (...) {
    init_error.type = "Runtime.InitError";
    init_error.message = CurrentExceptionTypeName() +
                         ": initialisation threw an exception that is not a std::exception";
  }
  if (!init_error.type.empty()) {
    log.Error("initialisation failed",
              {{"error_type", init_error.type}, {"error", init_error.message}});
    Status posted = client.PostInitError(init_error);
    if (!posted.ok()) log.Error("could not report the init error", {{"status", posted.ToString()}});
    return 1;
  }
  Status ended = RunLoop(client, *handler, log, options);
  if (ended.ok()) return 0;
  log.Error("runtime API failed; exiting", {{"status", ended.ToString()}});
  return 1;
}

}  // namespace raincheck::lambda
