#include "providers/osm_geocoders.h"

#include <thread>

#include "base/strings.h"
#include "providers/internal/upstream.h"
#include "providers/query.h"

namespace raincheck::providers {

using internal::NumberAt;
using internal::StringAt;

namespace {

// One element of a LocationIQ / Nominatim search answer.
std::optional<Place> ParseOsmPlace(const nlohmann::json& r, std::string_view source) {
  const auto lat = NumberAt(r, "lat", /*allow_string=*/true);
  const auto lon = NumberAt(r, "lon", /*allow_string=*/true);
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) return std::nullopt;
  Place p;
  p.latitude = *lat;
  p.longitude = *lon;
  p.source = std::string(source);
  const nlohmann::json address =
      r.is_object() ? r.value("address", nlohmann::json::object()) : nlohmann::json::object();
  for (const char* key : {"city", "town", "village", "municipality", "name"}) {
    if (auto v = StringAt(address, key)) {
      p.name = *v;
      break;
    }
  }
  if (p.name.empty()) p.name = StringAt(r, "name").value_or("");
  if (p.name.empty()) {
    const std::string display = StringAt(r, "display_name").value_or("");
    p.name = display.substr(0, display.find(','));
  }
  if (p.name.empty()) return std::nullopt;
  p.admin_area = StringAt(address, "state").value_or("");
  p.country = StringAt(address, "country").value_or("");
  std::string cc = StringAt(address, "country_code").value_or("");
  for (auto& c : cc) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  p.country_code = cc;
  return p;
}

// The first usable place of a JSON array answer; NotFound for [] (or Malformed).
Result<Place> FirstPlace(const internal::Upstream& up, const nlohmann::json& body,
                         std::string_view source) {
  if (!body.is_array()) return internal::Malformed(up, "not an array");
  if (body.empty()) return Status::NotFound("no place matches the city");
  for (const auto& r : body) {
    if (auto p = ParseOsmPlace(r, source)) return *p;
  }
  return internal::Malformed(up, "no result has a name and coordinates");
}

}  // namespace

LocationIqGeocoder::LocationIqGeocoder(std::string base_url, std::shared_ptr<ApiKeySource> key,
                                       http::Client& client, const base::Logger& logger)
    : base_url_(std::move(base_url)), key_(std::move(key)), client_(client), logger_(logger) {}

Result<Place> LocationIqGeocoder::Geocode(std::string_view query, const base::CallContext& ctx) {
  RC_ASSIGN_OR_RETURN(const std::string valid, ValidateQuery(query));
  RC_ASSIGN_OR_RETURN(const std::string key, key_->Get(ctx));
  const internal::Upstream up{"locationiq", client_, logger_.ForRequest(ctx.request_id)};
  const std::string url = base_url_ + "/v1/search?key=" + base::UrlEncode(key) +
                          "&q=" + base::UrlEncode(valid) +
                          "&format=json&limit=5&addressdetails=1&normalizeaddress=1";
  RC_ASSIGN_OR_RETURN(http::Response res, internal::Get(up, url, ctx));
  if (res.status == 404) {
    // {"error":"Unable to geocode"}: nothing matches. Any other 404 body is an upstream fault.
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    const auto error = StringAt(body, "error");
    if (error && error->find("Unable to geocode") != std::string::npos) {
      return Status::NotFound("no place matches the city");
    }
  }
  RC_ASSIGN_OR_RETURN(nlohmann::json body, internal::JsonBody(up, res));
  return FirstPlace(up, body, "locationiq");
}

NominatimGeocoder::NominatimGeocoder(std::string base_url, http::Client& client,
                                     const base::Clock& clock, const base::Logger& logger)
    : base_url_(std::move(base_url)), client_(client), clock_(clock), logger_(logger) {}

Status NominatimGeocoder::WaitForSlot(const base::CallContext& ctx) {
  base::TimePoint slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const base::TimePoint now = clock_.Now();
    slot = std::max(now, next_slot_);
    if (slot >= ctx.deadline.at()) {
      return Status::ResourceExhausted(
          "nominatim allows one request per second; no slot before the deadline");
    }
    next_slot_ = slot + std::chrono::seconds(1);
  }
  const auto wait = slot - clock_.Now();
  if (wait > base::TimePoint::duration::zero()) std::this_thread::sleep_for(wait);
  return Status::Ok();
}

Result<Place> NominatimGeocoder::Geocode(std::string_view query, const base::CallContext& ctx) {
  RC_ASSIGN_OR_RETURN(const std::string valid, ValidateQuery(query));
  RC_RETURN_IF_ERROR(WaitForSlot(ctx));
  const internal::Upstream up{"nominatim", client_, logger_.ForRequest(ctx.request_id)};
  const std::string url =
      base_url_ + "/search?q=" + base::UrlEncode(valid) + "&format=jsonv2&limit=5&addressdetails=1";
  RC_ASSIGN_OR_RETURN(http::Response res,
                      internal::Get(up, url, ctx,
                                    {{"User-Agent", "raincheck/" RAINCHECK_VERSION
                                                    " (rain-check weather function)"}}));
  RC_ASSIGN_OR_RETURN(nlohmann::json body, internal::JsonBody(up, res));
  return FirstPlace(up, body, "nominatim");
}

}  // namespace raincheck::providers
