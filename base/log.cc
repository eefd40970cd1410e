#include "base/log.h"

#include <chrono>
#include <mutex>

#include "base/clock.h"
#include "base/strings.h"

namespace raincheck::base {

struct Logger::Shared {
  std::mutex mu;
  Sink sink;
};

Result<LogLevel> ParseLogLevel(std::string_view text) {
  const std::string t = AsciiLower(Trim(text));
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warn" || t == "warning") return LogLevel::kWarn;
  if (t == "error") return LogLevel::kError;
  if (t == "off" || t == "none") return LogLevel::kOff;
  return Status::InvalidArgument("unknown log level (use debug, info, warn, error or off)");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "info";
}

Logger::Logger(LogLevel level)
    : Logger(level, [](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
      }) {}

Logger::Logger(LogLevel level, Sink sink) : level_(level), shared_(std::make_shared<Shared>()) {
  shared_->sink = std::move(sink);
}

Logger Logger::ForRequest(std::string request_id) const {
  Logger copy = *this;
  copy.request_id_ = std::move(request_id);
  return copy;
}

void Logger::Log(LogLevel level, std::string_view message, const nlohmann::json& fields) const {
  if (!Enabled(level)) return;
  nlohmann::json line = nlohmann::json::object();
  line["time"] = FormatIso8601Utc(std::chrono::system_clock::now());
  line["level"] = LogLevelName(level);
  if (!request_id_.empty()) line["request_id"] = request_id_;
  line["message"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (!line.contains(key)) line[key] = value;
    }
  }
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->sink(text);
}

}  // namespace raincheck::base
