// Warm-instance caches in front of a geocoder and a weather source, so repeated queries spare
// rate-limited upstreams.
#ifndef RAINCHECK_PROVIDERS_CACHING_H_
#define RAINCHECK_PROVIDERS_CACHING_H_

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "providers/interfaces.h"

namespace raincheck::providers {

// A bounded LRU of geocoding answers keyed by the normalised query (trimmed, ASCII-lowercased,
// inner whitespace collapsed). Places and NotFound answers are cached; other errors are not.
// Entries expire after `ttl` (geocodes rarely change; default one day). Thread-safe; the
// inner geocoder is called without the lock held.
class CachingGeocoder final : public Geocoder {
 public:
  CachingGeocoder(std::unique_ptr<Geocoder> inner, size_t capacity, const base::Clock& clock,
                  base::Millis ttl = std::chrono::hours(24));
  Result<Place> Geocode(std::string_view query, const base::CallContext& ctx) override;
  std::vector<Place> Suggest(std::string_view query, const base::CallContext& ctx) override {
    return inner_->Suggest(query, ctx);  // asked only after a miss: not cached
  }

 private:
  struct Entry {
    std::string key;
    Result<Place> value;
    base::TimePoint expires;
  };
  std::unique_ptr<Geocoder> inner_;
  size_t capacity_;
  const base::Clock& clock_;
  base::Millis ttl_;
  std::mutex mu_;
  std::list<Entry> lru_;  // front: most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

// Observations per location (coordinates rounded to 0.01 degree, about 1 km) for `ttl`
// (RAINCHECK_WEATHER_TTL, default 600 s); at most `capacity` locations, least recently used
// evicted first. Only successes are cached. ttl 0 disables caching. Thread-safe.
class CachingWeatherSource final : public WeatherSource {
 public:
  CachingWeatherSource(std::unique_ptr<WeatherSource> inner, base::Millis ttl,
                       const base::Clock& clock, size_t capacity = 256);
  Result<Observation> Current(const Place& place, const base::CallContext& ctx) override;

 private:
  struct Entry {
    std::string key;
    Observation value;
    base::TimePoint expires;
  };
  std::unique_ptr<WeatherSource> inner_;
  base::Millis ttl_;
  const base::Clock& clock_;
  size_t capacity_;
  std::mutex mu_;
  std::list<Entry> lru_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_CACHING_H_
