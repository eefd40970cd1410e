#include "providers/gazetteer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include "providers/internal/fold.h"
#include "providers/query.h"

namespace raincheck::providers {

static_assert(std::endian::native == std::endian::little, "the index is little-endian");

namespace {

constexpr char kMagic[4] = {'R', 'C', 'G', 'Z'};
constexpr uint16_t kMajor = 1;
constexpr uint16_t kMinor = 0;
constexpr size_t kHeaderSize = 32;
constexpr size_t kCountrySize = 16;
constexpr size_t kCitySize = 32;
constexpr uint16_t kNoCountry = 0xFFFF;
constexpr size_t kMaxSuggestions = 5;

uint32_t Fnv1a(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

template <typename T>
void Put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

template <typename T>
T Get(const std::string& bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

struct CountryRecord {
  char code[2];
  uint32_t name;
  uint32_t aliases;  // folded names, '|'-separated, including the lower-case code
};

CountryRecord ReadCountry(const std::string& bytes, size_t offset) {
  CountryRecord r{};
  r.code[0] = bytes[offset];
  r.code[1] = bytes[offset + 1];
  r.name = Get<uint32_t>(bytes, offset + 4);
  r.aliases = Get<uint32_t>(bytes, offset + 8);
  return r;
}

}  // namespace

struct Gazetteer::City {
  uint32_t key;
  uint32_t name;
  uint32_t admin_code;
  uint32_t admin_name;
  int32_t lat_e5;
  int32_t lon_e5;
  uint32_t population;
  uint16_t country;
};

std::string BuildGazetteerIndex(const std::vector<GazetteerCity>& cities,
                                const std::vector<GazetteerCountry>& countries) {
  std::string pool(1, '\0');  // offset 0 is ""
  std::unordered_map<std::string, uint32_t> interned;
  auto intern = [&](const std::string& s) -> uint32_t {
    if (s.empty()) return 0;
    if (auto it = interned.find(s); it != interned.end()) return it->second;
    const auto off = static_cast<uint32_t>(pool.size());
    pool += s;
    pool += '\0';
    interned.emplace(s, off);
    return off;
  };

  std::vector<GazetteerCountry> sorted_countries = countries;
  std::sort(sorted_countries.begin(), sorted_countries.end(),
            [](const auto& a, const auto& b) { return a.code < b.code; });
  std::map<std::string, uint16_t> country_index;
  std::string country_bytes;
  for (const auto& c : sorted_countries) {
    if (c.code.size() != 2 || country_index.count(c.code)) continue;
    country_index[c.code] = static_cast<uint16_t>(country_index.size());
    std::string aliases = internal::FoldForMatch(c.code);
    for (const auto& a : c.aliases) aliases += "|" + internal::FoldForMatch(a);
    aliases += "|" + internal::FoldForMatch(c.name);
    country_bytes.append(c.code.data(), 2);
    Put<uint16_t>(country_bytes, 0);
    Put<uint32_t>(country_bytes, intern(c.name));
    Put<uint32_t>(country_bytes, intern(aliases));
    Put<uint32_t>(country_bytes, 0);
  }

  struct Row {
    std::string key;
    const GazetteerCity* city;
  };
  std::vector<Row> rows;
  rows.reserve(cities.size());
  for (const auto& c : cities) {
    std::string key = internal::FoldForMatch(c.name);
    if (key.empty() || !std::isfinite(c.latitude) || !std::isfinite(c.longitude)) continue;
    rows.push_back({std::move(key), &c});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.city->population != b.city->population) return a.city->population > b.city->population;
    return a.city->name < b.city->name;
  });

  std::string city_bytes;
  city_bytes.reserve(rows.size() * kCitySize);
  for (const auto& r : rows) {
    const auto& c = *r.city;
    const auto it = country_index.find(c.country_code);
    Put<uint32_t>(city_bytes, intern(r.key));
    Put<uint32_t>(city_bytes, intern(c.name));
    Put<uint32_t>(city_bytes, intern(c.admin_code));
    Put<uint32_t>(city_bytes, intern(c.admin_name));
    Put<int32_t>(city_bytes, static_cast<int32_t>(std::lround(c.latitude * 1e5)));
    Put<int32_t>(city_bytes, static_cast<int32_t>(std::lround(c.longitude * 1e5)));
    Put<uint32_t>(city_bytes, static_cast<uint32_t>(std::clamp<int64_t>(
                                  c.population, 0, std::numeric_limits<uint32_t>::max())));
    Put<uint16_t>(city_bytes, it == country_index.end() ? kNoCountry : it->second);
    Put<uint16_t>(city_bytes, 0);
  }

  std::string body = country_bytes + city_bytes + pool;
  std::string out(kMagic, 4);
  Put<uint16_t>(out, kMajor);
  Put<uint16_t>(out, kMinor);
  Put<uint32_t>(out, static_cast<uint32_t>(rows.size()));
  Put<uint32_t>(out, static_cast<uint32_t>(country_index.size()));
  Put<uint32_t>(out, static_cast<uint32_t>(pool.size()));
  Put<uint32_t>(out, Fnv1a(body));
  Put<uint32_t>(out, static_cast<uint32_t>(kHeaderSize));
  Put<uint32_t>(out, 0);
  return out + body;
}

Result<std::unique_ptr<Gazetteer>> Gazetteer::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open the gazetteer index " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read the gazetteer index " + path);
  auto g = FromBytes(std::move(buf).str());
  if (!g.ok()) return g.status().WithContext(path);
  return g;
}

Result<std::unique_ptr<Gazetteer>> Gazetteer::FromBytes(std::string bytes) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::Corruption("not a gazetteer index");
  }
  const auto major = Get<uint16_t>(bytes, 4);
  if (major != kMajor) {
    return Status::Corruption("gazetteer index version " + std::to_string(major) +
                              " is not supported (expected " + std::to_string(kMajor) + ")");
  }
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  g->city_count_ = Get<uint32_t>(bytes, 8);
  g->country_count_ = Get<uint32_t>(bytes, 12);
  g->strings_size_ = Get<uint32_t>(bytes, 16);
  const uint32_t checksum = Get<uint32_t>(bytes, 20);
  const size_t header = Get<uint32_t>(bytes, 24);
  if (header < kHeaderSize || header > bytes.size()) return Status::Corruption("bad header size");
  g->countries_offset_ = header;
  g->cities_offset_ = header + g->country_count_ * kCountrySize;
  g->strings_offset_ = g->cities_offset_ + g->city_count_ * kCitySize;
  if (g->strings_offset_ + g->strings_size_ != bytes.size() || g->strings_size_ == 0) {
    return Status::Corruption("gazetteer index is truncated or has trailing bytes");
  }
  if (Fnv1a(std::string_view(bytes).substr(header)) != checksum) {
    return Status::Corruption("gazetteer index checksum mismatch");
  }
  if (bytes.back() != '\0' || bytes[g->strings_offset_] != '\0') {
    return Status::Corruption("gazetteer string pool is not terminated");
  }
  g->bytes_ = std::move(bytes);
  auto valid_offset = [&](uint32_t off) { return off < g->strings_size_; };
  for (size_t i = 0; i < g->country_count_; ++i) {
    const auto c = ReadCountry(g->bytes_, g->countries_offset_ + i * kCountrySize);
    if (!valid_offset(c.name) || !valid_offset(c.aliases)) {
      return Status::Corruption("gazetteer country record out of range");
    }
  }
  std::string_view previous;
  for (size_t i = 0; i < g->city_count_; ++i) {
    const City c = g->CityAt(i);
    if (!valid_offset(c.key) || !valid_offset(c.name) || !valid_offset(c.admin_code) ||
        !valid_offset(c.admin_name) ||
        (c.country != kNoCountry && c.country >= g->country_count_) ||
        std::abs(c.lat_e5) > 9000000 || std::abs(c.lon_e5) > 18000000) {
      return Status::Corruption("gazetteer city record " + std::to_string(i) + " out of range");
    }
    const std::string_view key = g->Str(c.key);
    if (key < previous) return Status::Corruption("gazetteer index is not sorted");
    previous = key;
  }
  return g;
}

Gazetteer::City Gazetteer::CityAt(size_t i) const {
  const size_t off = cities_offset_ + i * kCitySize;
  City c{};
  c.key = Get<uint32_t>(bytes_, off);
  c.name = Get<uint32_t>(bytes_, off + 4);
  c.admin_code = Get<uint32_t>(bytes_, off + 8);
  c.admin_name = Get<uint32_t>(bytes_, off + 12);
  c.lat_e5 = Get<int32_t>(bytes_, off + 16);
  c.lon_e5 = Get<int32_t>(bytes_, off + 20);
  c.population = Get<uint32_t>(bytes_, off + 24);
  c.country = Get<uint16_t>(bytes_, off + 28);
  return c;
}

std::string_view Gazetteer::Str(uint32_t offset) const {
  return std::string_view(bytes_.data() + strings_offset_ + offset);
}

Place Gazetteer::ToPlace(const City& c) const {
  Place p;
  p.name = std::string(Str(c.name));
  p.admin_area = std::string(Str(c.admin_name));
  if (c.country != kNoCountry) {
    const auto country = ReadCountry(bytes_, countries_offset_ + c.country * kCountrySize);
    p.country_code = std::string(country.code, 2);
    p.country = std::string(Str(country.name));
  }
  p.latitude = c.lat_e5 / 1e5;
  p.longitude = c.lon_e5 / 1e5;
  p.population = c.population;
  p.source = "offline";
  return p;
}

std::string Gazetteer::Describe(const City& c) const {
  const Place p = ToPlace(c);
  std::string out = p.name;
  if (!p.admin_area.empty()) out += ", " + p.admin_area;
  if (!p.country.empty()) out += ", " + p.country;
  return out;
}

bool Gazetteer::QualifierMatches(const City& c, std::string_view folded_qualifier) const {
  // Every comma-separated part must name the country or the first-level division.
  size_t start = 0;
  while (start <= folded_qualifier.size()) {
    size_t end = folded_qualifier.find(',', start);
    if (end == std::string_view::npos) end = folded_qualifier.size();
    std::string_view part = folded_qualifier.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    bool ok = part.empty();
    if (!ok && c.country != kNoCountry) {
      const auto country = ReadCountry(bytes_, countries_offset_ + c.country * kCountrySize);
      std::string_view aliases = Str(country.aliases);
      while (!ok && !aliases.empty()) {
        const size_t bar = aliases.find('|');
        ok = aliases.substr(0, bar) == part;
        aliases = bar == std::string_view::npos ? std::string_view() : aliases.substr(bar + 1);
      }
    }
    if (!ok && !part.empty()) {
      ok = internal::FoldForMatch(Str(c.admin_code)) == part ||
           (c.admin_name != 0 && internal::FoldForMatch(Str(c.admin_name)) == part);
    }
    if (!ok) return false;
    start = end + 1;
  }
  return true;
}

std::vector<size_t> Gazetteer::Suggest(std::string_view key) const {
  struct Candidate {
    size_t score;  // edit distance; prefix matches score 1
    uint32_t population;
    size_t index;
  };
  std::vector<Candidate> found;
  const size_t limit = key.size() <= 4 ? 1 : 2;
  std::string_view last;
  for (size_t i = 0; i < city_count_; ++i) {
    const City c = CityAt(i);
    const std::string_view k = Str(c.key);
    if (k == last) continue;  // the first row of a key is its most populous city
    last = k;
    if (k.size() > key.size() && k.substr(0, key.size()) == key && key.size() >= 3) {
      found.push_back({1, c.population, i});
      continue;
    }
    const size_t d = internal::BoundedEditDistance(key, k, limit);
    if (d <= limit) found.push_back({d, c.population, i});
  }
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.population > b.population;
  });
  std::vector<size_t> out;
  for (size_t i = 0; i < found.size() && out.size() < kMaxSuggestions; ++i) {
    out.push_back(found[i].index);
  }
  return out;
}

Result<Place> Gazetteer::Lookup(std::string_view query) const {
  RC_ASSIGN_OR_RETURN(const std::string valid, ValidateQuery(query));
  const SplitQuery split = SplitCityQuery(valid);
  const std::string key = internal::FoldForMatch(split.city);
  if (key.empty()) return Status::InvalidArgument("the city has no letters or digits");
  // The qualifier keeps its commas ("Oregon, US"): fold each part.
  std::string qualifier;
  for (const auto& part : [&] {
         std::vector<std::string> parts;
         size_t s = 0;
         while (s <= split.qualifier.size()) {
           size_t e = split.qualifier.find(',', s);
           if (e == std::string::npos) e = split.qualifier.size();
           parts.push_back(internal::FoldForMatch(split.qualifier.substr(s, e - s)));
           s = e + 1;
         }
         return parts;
       }()) {
    if (!qualifier.empty()) qualifier += ',';
    qualifier += part;
  }

  // Binary search for the rows whose key equals `key`.
  size_t lo = 0, hi = city_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Str(CityAt(mid).key) < key) lo = mid + 1; else hi = mid;
  }
  const size_t first = lo;
  size_t last = first;
  while (last < city_count_ && Str(CityAt(last).key) == key) ++last;

  std::vector<size_t> suggestions;
  if (first == last) {
    suggestions = Suggest(key);
  } else {
    for (size_t i = first; i < last; ++i) {  // most populous first
      const City c = CityAt(i);
      if (split.qualifier.empty() || QualifierMatches(c, qualifier)) return ToPlace(c);
    }
    for (size_t i = first; i < last && suggestions.size() < kMaxSuggestions; ++i) {
      suggestions.push_back(i);
    }
  }
  std::string message = first == last ? "no known city has that name"
                                      : "no city of that name in that country or region";
  if (!suggestions.empty()) {
    message += "; did you mean: ";
    for (size_t i = 0; i < suggestions.size(); ++i) {
      if (i) message += "; ";
      message += Describe(CityAt(suggestions[i]));
    }
    message += "?";
  }
  return Status::NotFound(message);
}

}  // namespace raincheck::providers
