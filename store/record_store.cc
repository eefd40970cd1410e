#include "store/record_store.h"

namespace raincheck::store {

std::string_view WriteStateName(WriteOutcome::State state) {
  switch (state) {
    case WriteOutcome::State::kStored:
      return "stored";
    case WriteOutcome::State::kSpooled:
      return "spooled";
    case WriteOutcome::State::kLost:
      return "lost";
  }
  return "lost";
}

std::string CollisionKey(std::string_view key, int n) {
  const size_t slash = key.rfind('/');
  const size_t dot = key.rfind('.');
  const bool has_ext =
      dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash);
  const size_t at = has_ext ? dot : key.size();
  return std::string(key.substr(0, at)) + "-" + std::to_string(n) + std::string(key.substr(at));
}

std::string ContentTypeForKey(std::string_view key) {
  const std::string_view jsonl = ".jsonl";
  const bool is_jsonl =
      key.size() >= jsonl.size() && key.substr(key.size() - jsonl.size()) == jsonl;
  return std::string(ContentType(is_jsonl ? RecordFormat::kJsonLines : RecordFormat::kCsv));
}

}  // namespace raincheck::store
