#include "providers/gazetteer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <type_traits>
#include <unordered_map>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "providers/internal/fold.h"
#include "providers/query.h"

namespace raincheck::providers {

namespace {

constexpr char kMagic[4] = {'R', 'C', 'G', 'Z'};
// 3: the checksum is XXH64 (base/checksum.h), a u64 at offset 32; 2 had a 32-bit FNV-1a.
constexpr uint16_t kMajor = 3;
constexpr uint16_t kMinor = 0;
constexpr size_t kHeaderSize = 40;
constexpr size_t kCountrySize = 16;
constexpr size_t kCitySize = 32;
constexpr size_t kAliasSize = 8;
constexpr uint16_t kNoCountry = 0xFFFF;
constexpr size_t kMaxSuggestions = 5;

// A field of the index at a byte offset that Init() has checked lies inside it.
template <typename T>
T Get(std::string_view bytes, size_t offset) {
  if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(base::DecodeFixed<std::make_unsigned_t<T>>(bytes.data() + offset));
  } else {
    return base::DecodeFixed<T>(bytes.data() + offset);
  }
}

struct CountryRecord {
  char code[2];
  uint32_t name;
  uint32_t aliases;  // folded names, '|'-separated, including the lower-case code
};

CountryRecord ReadCountry(std::string_view bytes, size_t offset) {
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
    base::PutFixed16(country_bytes, 0);
    base::PutFixed32(country_bytes, intern(c.name));
    base::PutFixed32(country_bytes, intern(aliases));
    base::PutFixed32(country_bytes, 0);
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

  // Alternate names: (folded name, city row), except those that fold to the city's own key.
  struct Alias {
    std::string key;
    uint32_t row;
    int64_t population;
  };
  std::vector<Alias> aliases;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::string> keys;
    for (const std::string& alternate : rows[i].city->alternate_names) {
      std::string key = internal::FoldForMatch(alternate);
      if (key.empty() || key == rows[i].key) continue;
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      keys.push_back(key);
      aliases.push_back({std::move(key), static_cast<uint32_t>(i), rows[i].city->population});
    }
  }
  std::sort(aliases.begin(), aliases.end(), [](const Alias& a, const Alias& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.population != b.population) return a.population > b.population;
    return a.row < b.row;
  });

  std::string city_bytes;
  city_bytes.reserve(rows.size() * kCitySize);
  for (const auto& r : rows) {
    const auto& c = *r.city;
    const auto it = country_index.find(c.country_code);
    base::PutFixed32(city_bytes, intern(r.key));
    base::PutFixed32(city_bytes, intern(c.name));
    base::PutFixed32(city_bytes, intern(c.admin_code));
    base::PutFixed32(city_bytes, intern(c.admin_name));
    base::PutInt32(city_bytes, static_cast<int32_t>(std::lround(c.latitude * 1e5)));
    base::PutInt32(city_bytes, static_cast<int32_t>(std::lround(c.longitude * 1e5)));
    base::PutFixed32(city_bytes, static_cast<uint32_t>(std::clamp<int64_t>(
                                     c.population, 0, std::numeric_limits<uint32_t>::max())));
    base::PutFixed16(city_bytes, it == country_index.end() ? kNoCountry : it->second);
    base::PutFixed16(city_bytes, 0);
  }

  std::string alias_bytes;
  alias_bytes.reserve(aliases.size() * kAliasSize);
  for (const Alias& a : aliases) {
    base::PutFixed32(alias_bytes, intern(a.key));
    base::PutFixed32(alias_bytes, a.row);
  }

  std::string body = country_bytes + city_bytes + alias_bytes + pool;
  std::string out(kMagic, 4);
  base::PutFixed16(out, kMajor);
  base::PutFixed16(out, kMinor);
  base::PutFixed32(out, static_cast<uint32_t>(rows.size()));
  base::PutFixed32(out, static_cast<uint32_t>(country_index.size()));
  base::PutFixed32(out, static_cast<uint32_t>(pool.size()));
  base::PutFixed32(out, static_cast<uint32_t>(kHeaderSize));
  base::PutFixed32(out, static_cast<uint32_t>(aliases.size()));
  base::PutFixed32(out, 0);  // flags
  base::PutFixed64(out, base::Xxh64(body));
  return out + body;
}

Result<std::unique_ptr<Gazetteer>> Gazetteer::Load(const std::string& path) {
  auto mapped = base::MapFile(path, /*populate=*/false);
  if (!mapped.ok()) {
    // Even a missing index is an installation fault, not a place that was not found.
    return Status::IOError("gazetteer index: " + mapped.status().message());
  }
  if (mapped->bytes.size() < kHeaderSize)
    return Status::Corruption(path + ": not a gazetteer index");
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  g->mapping_ = std::move(mapped->owner);
  g->bytes_ = mapped->bytes;
  RC_RETURN_IF_ERROR(g->Init().WithContext(path));
  return g;
}

Result<std::unique_ptr<Gazetteer>> Gazetteer::FromBytes(std::string bytes) {
  std::unique_ptr<Gazetteer> g(new Gazetteer());
  g->owned_ = std::move(bytes);
  g->bytes_ = g->owned_;
  RC_RETURN_IF_ERROR(g->Init());
  return g;
}

Status Gazetteer::Init() {
  const std::string_view bytes = bytes_;
  base::ByteReader header(bytes);
  std::string_view magic;
  uint16_t major = 0, minor = 0;
  if (!header.Bytes(4, magic) || magic != std::string_view(kMagic, 4) || !header.U16(major) ||
      !header.U16(minor)) {
    return Status::Corruption("not a gazetteer index");
  }
  if (major != kMajor) {
    return Status::Corruption("gazetteer index version " + std::to_string(major) +
                              " is not supported (this reader reads " + std::to_string(kMajor) +
                              "); rebuild it: ninja data/gazetteer.bin");
  }
  uint32_t cities = 0, countries = 0, strings = 0, header_size = 0, aliases = 0, flags = 0;
  uint64_t checksum = 0;
  if (!header.U32(cities) || !header.U32(countries) || !header.U32(strings) ||
      !header.U32(header_size) || !header.U32(aliases) || !header.U32(flags) ||
      !header.U64(checksum)) {
    return Status::Corruption("gazetteer index is truncated (" + std::to_string(bytes.size()) +
                              " bytes)");
  }
  if (header_size < kHeaderSize || header_size > bytes.size()) {
    return Status::Corruption("bad header size");
  }
  city_count_ = cities;
  country_count_ = countries;
  strings_size_ = strings;
  alias_count_ = aliases;
  // 64-bit sums of 32-bit counts times small sizes: no overflow.
  countries_offset_ = header_size;
  cities_offset_ = countries_offset_ + country_count_ * kCountrySize;
  aliases_offset_ = cities_offset_ + city_count_ * kCitySize;
  strings_offset_ = aliases_offset_ + alias_count_ * kAliasSize;
  if (country_count_ >= kNoCountry || strings_size_ == 0 ||
      strings_offset_ + strings_size_ != bytes.size()) {
    return Status::Corruption("gazetteer index is truncated or has trailing bytes");
  }
  if (base::Xxh64(bytes.substr(header_size)) != checksum) {
    return Status::Corruption("gazetteer index is corrupted (checksum mismatch)");
  }
  // Reads stay in bounds even for a file that passes the checksum by accident: every table
  // lies inside the file (checked above), Str() checks offsets against the pool, which ends
  // with a NUL, and country and city indexes are checked on use.
  if (bytes.back() != '\0' || bytes[strings_offset_] != '\0') {
    return Status::Corruption("gazetteer string pool is not terminated");
  }
  return Status::Ok();
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
  if (offset >= strings_size_) return {};
  return std::string_view(bytes_.data() + strings_offset_ + offset);
}

Place Gazetteer::ToPlace(const City& c) const {
  Place p;
  p.name = std::string(Str(c.name));
  p.admin_area = std::string(Str(c.admin_name));
  if (c.country < country_count_) {
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
    if (!ok && c.country < country_count_) {
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
  // Byte histograms give a cheap lower bound of the edit distance (half the L1 difference),
  // so the dynamic programme runs only for plausible names.
  std::array<int, 64> query_histogram{};
  for (char ch : key) ++query_histogram[static_cast<unsigned char>(ch) & 63u];
  uint32_t last_key = std::numeric_limits<uint32_t>::max();
  for (size_t i = 0; i < city_count_; ++i) {
    const size_t row = cities_offset_ + i * kCitySize;
    const auto key_offset = Get<uint32_t>(bytes_, row);
    if (key_offset == last_key) continue;  // interned: the first row of a key is its most populous
    last_key = key_offset;
    const std::string_view k = Str(key_offset);
    if (k.size() > key.size() && key.size() >= 3 && k.substr(0, key.size()) == key) {
      found.push_back({1, Get<uint32_t>(bytes_, row + 24), i});
      continue;
    }
    if ((k.size() > key.size() ? k.size() - key.size() : key.size() - k.size()) > limit) continue;
    std::array<int, 64> h = query_histogram;
    for (char ch : k) --h[static_cast<unsigned char>(ch) & 63u];
    size_t l1 = 0;
    for (int v : h) l1 += static_cast<size_t>(v < 0 ? -v : v);
    if ((l1 + 1) / 2 > limit) continue;
    const size_t d = internal::BoundedEditDistance(key, k, limit);
    if (d <= limit) found.push_back({d, Get<uint32_t>(bytes_, row + 24), i});
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

Result<Gazetteer::Resolution> Gazetteer::Resolve(std::string_view query) const {
  RC_ASSIGN_OR_RETURN(const std::string valid, ValidateQuery(query));
  const SplitQuery split = SplitCityQuery(valid);
  const std::string key = internal::FoldForMatch(split.city);
  if (key.empty()) return Status::InvalidArgument("the city has no letters or digits");
  // The qualifier keeps its commas ("Oregon, US"): fold each part.
  std::string qualifier;
  for (size_t s = 0; s <= split.qualifier.size();) {
    size_t e = split.qualifier.find(',', s);
    if (e == std::string::npos) e = split.qualifier.size();
    if (s > 0) qualifier += ',';
    qualifier += internal::FoldForMatch(split.qualifier.substr(s, e - s));
    s = e + 1;
  }

  // Binary search for the rows whose key equals `key`, then for the alternate names that do.
  size_t lo = 0, hi = city_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Str(CityAt(mid).key) < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  std::vector<size_t> matches;
  for (size_t i = lo; i < city_count_ && Str(CityAt(i).key) == key; ++i) matches.push_back(i);
  const size_t own_names = matches.size();
  auto alias_key = [&](size_t i) {
    return Str(Get<uint32_t>(bytes_, aliases_offset_ + i * kAliasSize));
  };
  lo = 0;
  hi = alias_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (alias_key(mid) < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < alias_count_ && alias_key(i) == key; ++i) {
    const auto row = Get<uint32_t>(bytes_, aliases_offset_ + i * kAliasSize + 4);
    if (row < city_count_ && std::find(matches.begin(), matches.end(), row) == matches.end()) {
      matches.push_back(row);
    }
  }
  if (matches.size() > own_names) {  // both lists are by population: merge them
    std::stable_sort(matches.begin(), matches.end(), [&](size_t a, size_t b) {
      return CityAt(a).population > CityAt(b).population;
    });
  }

  Resolution out;
  if (matches.empty()) {
    out.suggestions = Suggest(key);
    return out;
  }
  for (size_t i : matches) {  // most populous first
    if (split.qualifier.empty() || QualifierMatches(CityAt(i), qualifier)) {
      out.row = i;
      return out;
    }
  }
  out.name_known = true;
  matches.resize(std::min(matches.size(), kMaxSuggestions));
  out.suggestions = std::move(matches);
  return out;
}

Result<Place> Gazetteer::Lookup(std::string_view query) const {
  RC_ASSIGN_OR_RETURN(const Resolution found, Resolve(query));
  if (found.row) return ToPlace(CityAt(*found.row));
  const std::vector<size_t>& suggestions = found.suggestions;
  std::string message = found.name_known ? "no city of that name in that country or region"
                                         : "no known city has that name";
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

std::vector<Place> Gazetteer::Suggestions(std::string_view query) const {
  const Result<Resolution> found = Resolve(query);
  std::vector<Place> out;
  if (!found.ok() || found->row) return out;
  for (size_t i : found->suggestions) out.push_back(ToPlace(CityAt(i)));
  return out;
}

}  // namespace raincheck::providers
