// Validation and splitting of the user's city query, shared by every geocoder.
#ifndef RAINCHECK_PROVIDERS_QUERY_H_
#define RAINCHECK_PROVIDERS_QUERY_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace raincheck::providers {

inline constexpr size_t kMaxQueryBytes = 200;

// The trimmed query, or InvalidArgument when it is empty, longer than kMaxQueryBytes, not
// UTF-8 or contains control characters. Messages never repeat the query.
Result<std::string> ValidateQuery(std::string_view query);

// "Paris, FR" -> {"Paris", "FR"}; "Portland, Oregon, US" -> {"Portland", "Oregon, US"};
// "Paris" -> {"Paris", ""}. Both parts trimmed.
struct SplitQuery {
  std::string city;
  std::string qualifier;
};
SplitQuery SplitCityQuery(std::string_view query);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_QUERY_H_
