#include "providers/gazetteer_source.h"

#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "base/coding.h"

namespace raincheck::providers {

namespace {

// The signed value of a zigzag-encoded varint (protocol buffers' sint64).
int64_t ZigZag(uint64_t n) { return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1); }

}  // namespace

Result<std::vector<GazetteerCity>> ParseAllTheCitiesPbf(std::string_view bytes) {
  std::vector<GazetteerCity> out;
  base::ByteReader outer(bytes);
  int64_t lon = 0, lat = 0;
  while (!outer.done()) {
    uint64_t len = 0;
    std::string_view message;
    if (!outer.Varint64(len) || !outer.Bytes(len, message)) {
      return Status::Corruption("cities.pbf: truncated record at byte " +
                                std::to_string(outer.position()));
    }
    base::ByteReader r(message);
    GazetteerCity city;
    while (!r.done()) {
      uint64_t key = 0;
      if (!r.Varint64(key)) return Status::Corruption("cities.pbf: bad field key");
      const uint64_t tag = key >> 3;
      const uint64_t type = key & 7;
      if (type == 0) {
        uint64_t v = 0;
        if (!r.Varint64(v)) return Status::Corruption("cities.pbf: bad varint");
        if (tag == 1) city.geoname_id = ZigZag(v);
        if (tag == 9) city.population = static_cast<int64_t>(v);
        if (tag == 10) lon += ZigZag(v);
        if (tag == 11) lat += ZigZag(v);
      } else if (type == 2) {
        uint64_t n = 0;
        std::string_view s;
        if (!r.Varint64(n) || !r.Bytes(n, s)) return Status::Corruption("cities.pbf: bad string");
        if (tag == 2) city.name = std::string(s);
        if (tag == 3) city.country_code = std::string(s);
        if (tag == 8) city.admin_code = std::string(s);
      } else if (type == 1) {
        if (!r.Skip(8)) return Status::Corruption("cities.pbf: bad fixed64");
      } else if (type == 5) {
        if (!r.Skip(4)) return Status::Corruption("cities.pbf: bad fixed32");
      } else {
        return Status::Corruption("cities.pbf: unsupported wire type " + std::to_string(type));
      }
    }
    city.longitude = static_cast<double>(lon) / 1e5;
    city.latitude = static_cast<double>(lat) / 1e5;
    if (city.latitude < -90 || city.latitude > 90 || city.longitude < -180 ||
        city.longitude > 180) {
      return Status::Corruption("cities.pbf: coordinates out of range");
    }
    out.push_back(std::move(city));
  }
  return out;
}

Result<size_t> AddGeoNamesAlternateNames(std::vector<GazetteerCity>& cities,
                                         std::string_view geonames_tsv, int64_t min_population) {
  std::unordered_map<int64_t, GazetteerCity*> by_id;
  for (GazetteerCity& c : cities) {
    if (c.geoname_id > 0 && c.population >= min_population) by_id.emplace(c.geoname_id, &c);
  }
  size_t added = 0;
  size_t line_number = 0;
  while (!geonames_tsv.empty()) {
    ++line_number;
    const size_t eol = geonames_tsv.find('\n');
    std::string_view line = geonames_tsv.substr(0, eol);
    geonames_tsv =
        eol == std::string_view::npos ? std::string_view() : geonames_tsv.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // geonameid, name, asciiname, alternatenames, latitude, ... (19 columns)
    std::string_view fields[4];
    size_t start = 0;
    for (int f = 0; f < 4; ++f) {
      const size_t tab = line.find('\t', start);
      if (tab == std::string_view::npos) {
        return Status::Corruption("GeoNames table: line " + std::to_string(line_number) +
                                  " has fewer than 5 columns");
      }
      fields[f] = line.substr(start, tab - start);
      start = tab + 1;
    }
    int64_t id = 0;
    for (char ch : fields[0]) {
      if (ch < '0' || ch > '9' || id > (int64_t{1} << 40)) {
        return Status::Corruption("GeoNames table: line " + std::to_string(line_number) +
                                  " has no numeric geonameid");
      }
      id = id * 10 + (ch - '0');
    }
    const auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    GazetteerCity& city = *it->second;
    std::string_view names = fields[3];
    auto add = [&](std::string_view name) {
      // Bot-made compounds ("Toquio - 東京", "Lungsod ng München") and overlong names are no
      // one's way of typing a city.
      if (name.empty() || name.size() > 60 || name.find(" - ") != std::string_view::npos ||
          name.substr(0, 11) == "Lungsod ng ") {
        return;
      }
      city.alternate_names.emplace_back(name);
      ++added;
    };
    add(fields[1]);
    add(fields[2]);
    while (!names.empty()) {
      const size_t comma = names.find(',');
      add(names.substr(0, comma));
      names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
    }
  }
  return added;
}

Result<std::vector<GazetteerCountry>> ParseIso3166Countries(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("3166-1") || !j["3166-1"].is_array()) {
    return Status::Corruption("iso_3166-1.json: unexpected structure");
  }
  std::vector<GazetteerCountry> out;
  for (const auto& e : j["3166-1"]) {
    if (!e.is_object() || !e.contains("alpha_2") || !e["alpha_2"].is_string() ||
        !e.contains("name") || !e["name"].is_string()) {
      continue;
    }
    GazetteerCountry c;
    c.code = e["alpha_2"].get<std::string>();
    const std::string name = e["name"].get<std::string>();
    c.name = e.value("common_name", name);
    c.aliases.push_back(name);
    for (const char* k : {"alpha_3", "official_name", "common_name"}) {
      if (e.contains(k) && e[k].is_string()) c.aliases.push_back(e[k].get<std::string>());
    }
    out.push_back(std::move(c));
  }
  // Everyday names the standard does not carry.
  for (auto& c : out) {
    if (c.code == "GB") c.aliases.insert(c.aliases.end(), {"UK", "Great Britain", "Britain"});
    if (c.code == "US") c.aliases.insert(c.aliases.end(), {"America", "United States of America"});
    if (c.code == "RU") c.aliases.push_back("Russia");
    if (c.code == "CZ") c.aliases.push_back("Czech Republic");
    if (c.code == "NL") c.aliases.push_back("Holland");
  }
  out.push_back({"XK", "Kosovo", {"XKX"}});  // used by GeoNames, not assigned by ISO
  return out;
}

Result<std::map<std::string, std::string>> ParseIso3166Subdivisions(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("3166-2") || !j["3166-2"].is_array()) {
    return Status::Corruption("iso_3166-2.json: unexpected structure");
  }
  std::map<std::string, std::string> out;
  for (const auto& e : j["3166-2"]) {
    if (e.is_object() && e.contains("code") && e["code"].is_string() && e.contains("name") &&
        e["name"].is_string()) {
      out[e["code"].get<std::string>()] = e["name"].get<std::string>();
    }
  }
  return out;
}

void FillAdminNames(std::vector<GazetteerCity>& cities,
                    const std::map<std::string, std::string>& subdivisions) {
  static const std::set<std::string> kIsoAdminCountries = {"US", "CH", "GB", "BE"};
  for (auto& c : cities) {
    if (!kIsoAdminCountries.count(c.country_code) || c.admin_code.empty()) continue;
    const auto it = subdivisions.find(c.country_code + "-" + c.admin_code);
    if (it != subdivisions.end()) c.admin_name = it->second;
  }
}

}  // namespace raincheck::providers
