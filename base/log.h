// Structured logging: one JSON object per line (level, time, request_id, message, fields), or
// the same rendered as human-readable text for a terminal (LogFormat).
// Never pass request bodies, query values, user locations or secrets as fields.
#ifndef RAINCHECK_BASE_LOG_H_
#define RAINCHECK_BASE_LOG_H_

#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace raincheck::base {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError, kOff };

// Parses "debug", "info", "warn"/"warning", "error", "off" (any case).
Result<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// How lines written to stderr look: JSON lines (for CloudWatch, files and pipes) or text.
enum class LogFormat { kJson, kText };

// Parses "json" or "text" (any case).
Result<LogFormat> ParseLogFormat(std::string_view text);

// The format of the loggers that write to stderr (Logger(LogLevel)): the one set by
// SetStderrLogFormat, else text when stderr is a terminal and JSON lines otherwise.
LogFormat StderrLogFormat();
// Process-wide; set it once at start-up (the `--log-format` flag), before logging.
void SetStderrLogFormat(LogFormat format);

// One JSON line as a Logger writes it, as text: "12:04:05.123 WARN  [request id] message
// key=value ...", with a trailing newline when `line` had one. Anything else (not a JSON
// object) is returned unchanged.
std::string RenderLogLineAsText(std::string_view line);
// The same for a line the local emulator prefixed with "[request id] ": the rest rendered, the
// prefix kept unless the rendered line names that request already.
std::string RenderPrefixedLogLineAsText(std::string_view line);

// Thread-safe: lines from concurrent callers never interleave. Copies share the sink.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;

  // Writes to stderr, in StderrLogFormat().
  explicit Logger(LogLevel level = LogLevel::kInfo);
  // Writes each finished line (with its trailing newline) to `sink`; for tests and emulators.
  Logger(LogLevel level, Sink sink);

  // A logger whose lines carry `request_id`.
  Logger ForRequest(std::string request_id) const;

  LogLevel level() const { return level_; }
  bool Enabled(LogLevel level) const { return level >= level_ && level_ != LogLevel::kOff; }

  // `fields` must be a JSON object (or null); its keys are added beside the standard ones.
  void Log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr) const;
  void Debug(std::string_view m, const nlohmann::json& f = nullptr) const {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, const nlohmann::json& f = nullptr) const {
    Log(LogLevel::kInfo, m, f);
  }
  void Warn(std::string_view m, const nlohmann::json& f = nullptr) const {
    Log(LogLevel::kWarn, m, f);
  }
  void Error(std::string_view m, const nlohmann::json& f = nullptr) const {
    Log(LogLevel::kError, m, f);
  }

 private:
  struct Shared;
  LogLevel level_;
  std::string request_id_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace raincheck::base

#endif  // RAINCHECK_BASE_LOG_H_
