#include "providers/caching.h"

#include <cmath>
#include <cstdio>

#include "base/strings.h"

namespace raincheck::providers {

namespace {

std::string NormaliseQuery(std::string_view query) {
  return base::CollapseWhitespace(base::AsciiLower(query));
}

// Moves a found entry to the front, or erases it when expired; returns whether it is usable.
template <typename List, typename Index>
bool Touch(List& lru, Index& index, typename Index::iterator it, base::TimePoint now) {
  if (it->second->expires <= now) {
    lru.erase(it->second);
    index.erase(it);
    return false;
  }
  lru.splice(lru.begin(), lru, it->second);
  return true;
}

template <typename List, typename Index, typename Entry>
void Insert(List& lru, Index& index, size_t capacity, Entry entry) {
  if (capacity == 0) return;
  if (auto it = index.find(entry.key); it != index.end()) {
    lru.erase(it->second);
    index.erase(it);
  }
  lru.push_front(std::move(entry));
  index[lru.front().key] = lru.begin();
  while (lru.size() > capacity) {
    index.erase(lru.back().key);
    lru.pop_back();
  }
}

}  // namespace

CachingGeocoder::CachingGeocoder(std::unique_ptr<Geocoder> inner, size_t capacity,
                                 const base::Clock& clock, base::Millis ttl)
    : inner_(std::move(inner)), capacity_(capacity), clock_(clock), ttl_(ttl) {}

Result<Place> CachingGeocoder::Geocode(std::string_view query, const base::CallContext& ctx) {
  const std::string key = NormaliseQuery(query);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end() && Touch(lru_, index_, it, clock_.Now())) {
      return lru_.front().value;
    }
  }
  Result<Place> result = inner_->Geocode(query, ctx);
  if (result.ok() || result.status().code() == StatusCode::kNotFound) {
    std::lock_guard<std::mutex> lock(mu_);
    Insert(lru_, index_, capacity_, Entry{key, result, clock_.Now() + ttl_});
  }
  return result;
}

CachingWeatherSource::CachingWeatherSource(std::unique_ptr<WeatherSource> inner, base::Millis ttl,
                                           const base::Clock& clock, size_t capacity)
    : inner_(std::move(inner)), ttl_(ttl), clock_(clock), capacity_(capacity) {}

Result<Observation> CachingWeatherSource::Current(const Place& place,
                                                  const base::CallContext& ctx) {
  if (ttl_.count() <= 0) return inner_->Current(place, ctx);
  char key[64];
  std::snprintf(key, sizeof key, "%.2f,%.2f", std::round(place.latitude * 100) / 100,
                std::round(place.longitude * 100) / 100);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = index_.find(key); it != index_.end() && Touch(lru_, index_, it, clock_.Now())) {
      return lru_.front().value;
    }
  }
  Result<Observation> result = inner_->Current(place, ctx);
  if (result.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    Insert(lru_, index_, capacity_, Entry{key, *result, clock_.Now() + ttl_});
  }
  return result;
}

}  // namespace raincheck::providers
