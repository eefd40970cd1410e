#include "providers/secrets.h"

#include "base/strings.h"
#include "providers/internal/upstream.h"

namespace raincheck::providers {

ExtensionApiKey::ExtensionApiKey(ExtensionKeySpec spec, http::Client& client,
                                 const base::Logger& logger)
    : spec_(std::move(spec)), client_(client), logger_(logger) {}

Result<std::string> ExtensionApiKey::Get(const base::CallContext& ctx) {
  std::lock_guard<std::mutex> lock(mu_);  // one fetch at a time; later callers hit the cache
  if (cached_) return *cached_;
  RC_ASSIGN_OR_RETURN(std::string key, Fetch(ctx));
  cached_ = key;
  return key;
}

Result<std::string> ExtensionApiKey::Fetch(const base::CallContext& ctx) {
  const bool ssm = spec_.store == ExtensionKeySpec::Store::kSsmParameter;
  const std::string what = spec_.label + (ssm ? " (SSM parameter)" : " (Secrets Manager secret)");
  const internal::Upstream up{"secrets-extension", client_, logger_.ForRequest(ctx.request_id)};
  const std::string url =
      ssm ? spec_.base_url + "/systemsmanager/parameters/get?name=" + base::UrlEncode(spec_.id) +
                "&withDecryption=true"
          : spec_.base_url + "/secretsmanager/get?secretId=" + base::UrlEncode(spec_.id);
  auto res = internal::Get(up, url, ctx, {{"X-Aws-Parameters-Secrets-Token", spec_.session_token}});
  if (!res.ok()) return res.status().WithContext("fetching " + what);
  if (res->status != 200) {
    logger_.Warn("key fetch refused", {{"key", spec_.label}, {"status", res->status}});
    if (res->status == 401 || res->status == 403) {
      return Status::PermissionDenied("the secrets extension refused to return " + what);
    }
    return Status::Unavailable("could not fetch " + what + " (HTTP " + std::to_string(res->status) +
                               ")");
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  std::optional<std::string> value;
  if (body.is_object() && ssm) {
    const auto p = body.find("Parameter");
    if (p != body.end()) value = internal::StringAt(*p, "Value");
  } else if (body.is_object()) {
    value = internal::StringAt(body, "SecretString");
    if (value) {
      auto inner = nlohmann::json::parse(*value, nullptr, false);
      if (inner.is_object()) value = internal::StringAt(inner, spec_.label);
    }
  }
  if (!value || value->empty()) {
    return Status::Unavailable("the secrets extension returned no usable value for " + what);
  }
  return *value;
}

}  // namespace raincheck::providers
