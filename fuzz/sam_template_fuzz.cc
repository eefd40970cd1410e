// Fuzz target: a SAM template (YAML with CloudFormation's short-form tags, or JSON) read by
// local::ParseSamTemplate, as `start-api` and `start-lambda` read --template.
#include <cstddef>
#include <cstdint>

#include "fuzz/fake_http.h"
#include "local/sam_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  const auto tmpl = local::ParseSamTemplate(fuzz::AsText(data, size));
  if (!tmpl.ok()) {
    if (tmpl.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (tmpl->functions.empty()) __builtin_trap();  // a template has at least one function
  (void)local::SelectFunction(*tmpl, "");
  for (const auto& function : tmpl->functions) {
    (void)local::SelectFunction(*tmpl, function.logical_id);
    for (const auto& route : function.routes) {
      (void)route.RouteKey();
      (void)local::RoutePathMatches(route.path, "/forecast");
      (void)local::RoutePathMatches(route.path, "/items/42/parts");
    }
  }
  return 0;
}
