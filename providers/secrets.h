// API keys: from the environment, or fetched through the AWS Parameters and Secrets Lambda
// Extension (SSM Parameter Store or Secrets Manager) on first use and cached.
// A key's value is never logged, put in a message or returned anywhere but Get().
#ifndef RAINCHECK_PROVIDERS_SECRETS_H_
#define RAINCHECK_PROVIDERS_SECRETS_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/deadline.h"
#include "base/log.h"
#include "base/status.h"
#include "http/client.h"

namespace raincheck::providers {

// Thread-safe.
class ApiKeySource {
 public:
  virtual ~ApiKeySource() = default;
  // The key. Errors: Unavailable (extension unreachable or refused), DeadlineExceeded,
  // PermissionDenied (the extension refused our session token).
  virtual Result<std::string> Get(const base::CallContext& ctx) = 0;
};

// A key known up front (LOCATIONIQ_KEY, DARKSKY_KEY).
class StaticApiKey final : public ApiKeySource {
 public:
  explicit StaticApiKey(std::string key) : key_(std::move(key)) {}
  Result<std::string> Get(const base::CallContext&) override { return key_; }

 private:
  std::string key_;
};

// Where the extension finds the key.
struct ExtensionKeySpec {
  enum class Store { kSsmParameter, kSecretsManager };
  std::string label;  // "LOCATIONIQ_KEY", for messages and for JSON secrets (below)
  Store store = Store::kSsmParameter;
  std::string id;  // parameter name/ARN, or secret id/ARN
  std::string base_url = "http://localhost:2773";
  std::string session_token;  // AWS_SESSION_TOKEN, sent as X-Aws-Parameters-Secrets-Token
};

// GET {base}/systemsmanager/parameters/get?name=ID&withDecryption=true -> Parameter.Value, or
// GET {base}/secretsmanager/get?secretId=ID -> SecretString (when SecretString is a JSON
// object, its member named `label` is the key). The first success is cached for the life
// of the process; failures are not cached.
class ExtensionApiKey final : public ApiKeySource {
 public:
  ExtensionApiKey(ExtensionKeySpec spec, http::Client& client, const base::Logger& logger);
  Result<std::string> Get(const base::CallContext& ctx) override;

 private:
  Result<std::string> Fetch(const base::CallContext& ctx);

  ExtensionKeySpec spec_;
  http::Client& client_;
  base::Logger logger_;
  std::mutex mu_;
  std::optional<std::string> cached_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_SECRETS_H_
