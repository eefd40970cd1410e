// Reads what the local verbs need from an AWS SAM template: each AWS::Serverless::Function's
// HTTP routes (HttpApi and Api events), environment variables, timeout, memory size and
// architecture, with Globals.Function applied and the intrinsic functions of environment values
// resolved as far as the template alone allows. See docs/start_api.md.
#ifndef RAINCHECK_LOCAL_SAM_TEMPLATE_H_
#define RAINCHECK_LOCAL_SAM_TEMPLATE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace raincheck::local {

// One route of an HttpApi or Api event.
struct SamRoute {
  std::string event;   // the event's name in the template, e.g. "Forecast"
  std::string method;  // upper case: "GET", "POST", ..., or "ANY"
  // "/forecast", "/items/{id}", "/{proxy+}"; empty for an HttpApi event without a Path (the
  // $default route, which takes every request no other route takes).
  std::string path;
  std::string payload_format;  // "2.0" (HttpApi's default) or "1.0" (Api, REST)

  // "GET /forecast", "ANY /{proxy+}" or "$default", as API Gateway's routeKey.
  std::string RouteKey() const;
};

struct SamFunction {
  std::string logical_id;
  std::vector<SamRoute> routes;
  // Environment.Variables whose value is known, in template order. A variable set to
  // !Ref AWS::NoValue (directly or through !If) is absent, as in CloudFormation.
  std::vector<std::pair<std::string, std::string>> environment;
  // Variables whose value needs the deployed stack (!GetAtt, !ImportValue, a resource's !Ref,
  // a parameter without a Default): names only, never values.
  std::vector<std::string> unresolved;
  std::optional<int> timeout_s;
  std::optional<int> memory_mb;
  std::optional<std::string> architecture;  // "x86_64" or "arm64"
};

struct SamTemplate {
  std::vector<SamFunction> functions;  // in template order
};

// Values for what only a deployment knows. Parameters without a Default and pseudo parameters
// other than these stay unresolved.
struct SamResolveOptions {
  std::vector<std::pair<std::string, std::string>> parameter_overrides;  // beat the Defaults
  std::string region = "us-east-1";
  std::string account_id = "123456789012";  // SAM CLI's local account id
  std::string stack_name = "local";
};

// Parses YAML (CloudFormation's short-form tags such as !Sub and !Ref included) or JSON.
// InvalidArgument, with the line when the YAML is malformed, for text that is not a template
// with at least one AWS::Serverless::Function or AWS::Lambda::Function.
Result<SamTemplate> ParseSamTemplate(std::string_view text, const SamResolveOptions& options = {});

// The function `logical_id` names, or the only one when `logical_id` is empty. NotFound /
// InvalidArgument (several functions, none named) say which ids there are.
Result<const SamFunction*> SelectFunction(const SamTemplate& tmpl, const std::string& logical_id);

// Whether `path` (a request's path) matches a route path with {name} and {name+} segments.
bool RoutePathMatches(std::string_view route_path, std::string_view path);

}  // namespace raincheck::local

#endif  // RAINCHECK_LOCAL_SAM_TEMPLATE_H_
