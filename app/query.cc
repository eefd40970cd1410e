#include "app/query.h"

#include "base/strings.h"

namespace raincheck::app {

Format ChooseFormat(const lambda::HttpRequest& request) {
  if (const auto f = request.Query("format")) {
    const std::string v = base::AsciiLower(base::Trim(*f));
    if (v == "json") return Format::kJson;
    if (v == "html") return Format::kHtml;
  }
  const std::string accept = base::AsciiLower(request.Header("accept").value_or(""));
  if (accept.find("application/json") != std::string::npos &&
      accept.find("text/html") == std::string::npos) {
    return Format::kJson;
  }
  return Format::kHtml;
}

Result<ForecastQuery> ParseForecastQuery(const lambda::HttpRequest& request,
                                         const std::string& default_city) {
  if (const auto f = request.Query("format")) {
    const std::string v = base::AsciiLower(base::Trim(*f));
    if (v != "json" && v != "html") {
      return Status::InvalidArgument("format must be html or json");
    }
  }
  ForecastQuery q;
  const auto values = request.multi_query.find("city");
  if (values == request.multi_query.end() || values->second.empty()) {
    q.city = default_city;
    q.city_defaulted = true;
  } else if (values->second.size() > 1) {
    return Status::InvalidArgument("give one city, not several");
  } else {
    q.city = values->second.front();
  }
  if (!base::IsValidUtf8(q.city)) return Status::InvalidArgument("city is not valid UTF-8 text");
  q.city = std::string(base::Trim(q.city));
  if (base::HasControlCharacters(q.city)) {
    return Status::InvalidArgument("city must not contain control characters");
  }
  if (q.city.empty()) return Status::InvalidArgument("city is empty; try ?city=Cape%20Town");
  if (base::Utf8Length(q.city) > kMaxCityLength) {
    return Status::InvalidArgument("city is longer than 100 characters");
  }
  return q;
}

}  // namespace raincheck::app
