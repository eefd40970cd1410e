// Fuzz target: what a function returns, read by lambda::ParseResponse as API Gateway reads it
// for payload 1.0 and 2.0. A response that parses must serialize and read back the same status,
// body and (2.0) cookies.
#include <cstddef>
#include <cstdint>

#include "fuzz/fake_http.h"
#include "lambda/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  for (const auto version : {lambda::PayloadVersion::kV1, lambda::PayloadVersion::kV2}) {
    const auto response = lambda::ParseResponse(fuzz::AsText(data, size), version);
    if (!response.ok()) {
      if (response.status().message().empty()) __builtin_trap();
      continue;
    }
    const auto again =
        lambda::ParseResponse(lambda::SerializeResponse(*response, version), version);
    if (!again.ok() || again->status != response->status || again->body != response->body) {
      __builtin_trap();
    }
    // 2.0 keeps cookies apart; 1.0 sends them as Set-Cookie headers.
    if (version == lambda::PayloadVersion::kV2 && again->cookies != response->cookies) {
      __builtin_trap();
    }
  }
  return 0;
}
