// Fuzz target: an API Gateway event (REST payload 1.0, HTTP API 2.0, Function URL) read by
// lambda::ParseEvent. An event that parses is answered as the function would answer it (the
// request's body echoed with a header) and that proxy response must read back the same.
#include <cstddef>
#include <cstdint>

#include "fuzz/fake_http.h"
#include "lambda/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const auto request = lambda::ParseEvent(fuzz::AsText(data, size));
  if (!request.ok()) {
    if (request.status().message().empty()) __builtin_trap();
    return 0;
  }
  (void)request->Header("Content-Type");
  (void)request->Query("city");
  lambda::HttpResponse response;
  response.status = 200;
  response.SetHeader("Content-Type", "application/octet-stream");
  response.body = request->body;
  const auto again = lambda::ParseResponse(lambda::SerializeResponse(response, request->version),
                                           request->version);
  if (!again.ok() || again->status != 200 || again->body != request->body) __builtin_trap();
  return 0;
}
