#include "base/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
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
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "info";
}

namespace {

// -1: not set (decided by whether stderr is a terminal), else a LogFormat.
std::atomic<int> stderr_format{-1};

// A JSON value as it reads in text: strings bare unless they need quotes, the rest as JSON.
std::string TextValue(const nlohmann::json& value) {
  if (!value.is_string()) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  const std::string& s = value.get_ref<const std::string&>();
  const bool plain = !s.empty() && s.find_first_of(" \t\"=") == std::string::npos;
  return plain ? s : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<LogFormat> ParseLogFormat(std::string_view text) {
  const std::string t = AsciiLower(Trim(text));
  if (t == "json") return LogFormat::kJson;
  if (t == "text") return LogFormat::kText;
  return Status::InvalidArgument("unknown log format (use text or json)");
}

LogFormat StderrLogFormat() {
  const int set = stderr_format.load(std::memory_order_relaxed);
  if (set >= 0) return static_cast<LogFormat>(set);
  return isatty(STDERR_FILENO) == 1 ? LogFormat::kText : LogFormat::kJson;
}

void SetStderrLogFormat(LogFormat format) {
  stderr_format.store(static_cast<int>(format), std::memory_order_relaxed);
}

std::string RenderPrefixedLogLineAsText(std::string_view line) {
  if (line.starts_with('[')) {
    const size_t end = line.find("] ");
    if (end != std::string_view::npos) {
      const std::string prefix(line.substr(0, end + 2));
      std::string rest = RenderLogLineAsText(line.substr(end + 2));
      // The function's own line names the same request: once is enough.
      return rest.find(prefix) != std::string::npos ? rest : prefix + rest;
    }
  }
  return RenderLogLineAsText(line);
}

std::string RenderLogLineAsText(std::string_view line) {
  const bool newline = !line.empty() && line.back() == '\n';
  const nlohmann::json j =
      nlohmann::json::parse(newline ? line.substr(0, line.size() - 1) : line, nullptr,
                            /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("message")) return std::string(line);
  std::string out;
  // "2026-12-03T10:54:57.123Z" -> "10:54:57.123": the date is noise on a terminal.
  if (const auto t = j.find("time"); t != j.end() && t->is_string()) {
    const std::string& time = t->get_ref<const std::string&>();
    const size_t at = time.find('T');
    out += at == std::string::npos ? time : time.substr(at + 1, time.size() - at - 2);
    out += ' ';
  }
  if (const auto l = j.find("level"); l != j.end() && l->is_string()) {
    std::string level = l->get<std::string>();
    for (char& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    level.resize(std::max<size_t>(level.size(), 5), ' ');
    out += level + ' ';
  }
  if (const auto r = j.find("request_id"); r != j.end() && r->is_string()) {
    out += '[' + r->get<std::string>() + "] ";
  }
  const nlohmann::json& message = j["message"];
  out += message.is_string() ? message.get<std::string>() : message.dump();
  for (const auto& [key, value] : j.items()) {
    if (key == "time" || key == "level" || key == "request_id" || key == "message") continue;
    out += ' ' + key + '=' + TextValue(value);
  }
  if (newline) out += '\n';
  return out;
}

Logger::Logger(LogLevel level)
    : Logger(level, [](std::string_view line) {
        if (StderrLogFormat() == LogFormat::kText) {
          const std::string text = RenderLogLineAsText(line);
          std::fwrite(text.data(), 1, text.size(), stderr);
        } else {
          std::fwrite(line.data(), 1, line.size(), stderr);
        }
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
