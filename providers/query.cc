#include "providers/query.h"

#include "base/strings.h"

namespace raincheck::providers {

Result<std::string> ValidateQuery(std::string_view query) {
  if (!base::IsValidUtf8(query)) return Status::InvalidArgument("the city is not valid UTF-8");
  const std::string_view trimmed = base::Trim(query);
  if (trimmed.empty()) return Status::InvalidArgument("the city is empty");
  if (trimmed.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("the city is longer than " + std::to_string(kMaxQueryBytes) +
                                   " bytes");
  }
  if (base::HasControlCharacters(trimmed)) {
    return Status::InvalidArgument("the city contains control characters");
  }
  return std::string(trimmed);
}

SplitQuery SplitCityQuery(std::string_view query) {
  const size_t comma = query.find(',');
  if (comma == std::string_view::npos) return {std::string(base::Trim(query)), ""};
  return {std::string(base::Trim(query.substr(0, comma))),
          std::string(base::Trim(query.substr(comma + 1)))};
}

}  // namespace raincheck::providers
