// Fuzz target: an Open-Meteo geocoding answer (GET /v1/search) read by OpenMeteoGeocoder, for
// a plain query, a country-code qualifier and a country-name qualifier (three reading paths).
#include <cstddef>
#include <cstdint>

#include "fuzz/fake_http.h"
#include "fuzz/provider_checks.h"
#include "providers/openmeteo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  providers::OpenMeteoGeocoder geocoder("http://127.0.0.1:9", client, fuzz::QuietLogger());
  for (const char* query : {"Cape Town", "Paris, FR", "Springfield, United States"}) {
    fuzz::CheckPlace(geocoder.Geocode(query, fuzz::FarDeadline()));
  }
  return 0;
}
