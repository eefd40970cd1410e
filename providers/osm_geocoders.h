// Geocoders over OpenStreetMap search APIs: LocationIQ (the original's, keyed) and Nominatim.
#ifndef RAINCHECK_PROVIDERS_OSM_GEOCODERS_H_
#define RAINCHECK_PROVIDERS_OSM_GEOCODERS_H_

#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "http/client.h"
#include "providers/interfaces.h"
#include "providers/secrets.h"

namespace raincheck::providers {

// GET {base_url}/v1/search?key=&q=&format=json&limit=5&addressdetails=1&normalizeaddress=1.
// lat/lon arrive as strings. 401 -> PermissionDenied, 404 "Unable to geocode" -> NotFound,
// 429 -> ResourceExhausted. The key is fetched from `key` on each call (sources cache it).
class LocationIqGeocoder final : public Geocoder {
 public:
  // `base_url`: default https://us1.locationiq.com.
  LocationIqGeocoder(std::string base_url, std::shared_ptr<ApiKeySource> key, http::Client& client,
                     const base::Logger& logger);
  Result<Place> Geocode(std::string_view query, const base::CallContext& ctx) override;

 private:
  std::string base_url_;
  std::shared_ptr<ApiKeySource> key_;
  http::Client& client_;
  base::Logger logger_;
};

// GET {base_url}/search?q=&format=jsonv2&limit=5&addressdetails=1 with a User-Agent naming
// the application, as the usage policy asks; at most one request per second per process
// (a call waits for its slot when the wait fits the deadline, else ResourceExhausted).
// 200 with [] -> NotFound.
class NominatimGeocoder final : public Geocoder {
 public:
  // `base_url`: default https://nominatim.openstreetmap.org.
  NominatimGeocoder(std::string base_url, http::Client& client, const base::Clock& clock,
                    const base::Logger& logger);
  Result<Place> Geocode(std::string_view query, const base::CallContext& ctx) override;

 private:
  Status WaitForSlot(const base::CallContext& ctx);

  std::string base_url_;
  http::Client& client_;
  const base::Clock& clock_;
  base::Logger logger_;
  std::mutex mu_;
  base::TimePoint next_slot_{};
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_OSM_GEOCODERS_H_
