// Fuzz target: the Runtime API's answers as RuntimeClient reads them. The input is an answer
// written as text: the HTTP status on the first line, then "Name: value" header lines, an empty
// line and the body. GET /next reads the event and its context from it; the POSTs map its status.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz/fake_http.h"
#include "lambda/runtime_client.h"

namespace {

raincheck::http::Response ReadAnswer(std::string_view text) {
  raincheck::http::Response response;
  auto line = [&text]() {
    const size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
  };
  const std::string_view status = line();
  std::from_chars(status.data(), status.data() + status.size(), response.status);
  while (!text.empty()) {
    const std::string_view header = line();
    if (header.empty()) break;
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = header.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
  }
  response.body = std::string(text);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const http::Response answer = ReadAnswer(fuzz::AsText(data, size));
  fuzz::CannedClient http(answer, answer);
  lambda::RuntimeClient client("127.0.0.1:9001", http);
  const auto next = client.Next();
  if (next.ok()) {
    if (next->context.request_id.empty() || next->event != answer.body) __builtin_trap();
    // An error report about this event is always JSON, whatever bytes it quotes.
    lambda::ErrorReport report{"Runtime.Fuzz", next->event, {next->context.function_arn}};
    if (!nlohmann::json::accept(report.ToJson())) __builtin_trap();
    (void)client.PostError(next->context.request_id, report);
    (void)client.PostResponse(next->context.request_id, "{}");
  } else if (next.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
