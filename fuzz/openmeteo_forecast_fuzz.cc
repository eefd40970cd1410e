// Fuzz target: an Open-Meteo forecast answer (GET /v1/forecast) read by OpenMeteoWeather.
#include <cstddef>
#include <cstdint>

#include "fuzz/fake_http.h"
#include "fuzz/provider_checks.h"
#include "providers/openmeteo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  providers::OpenMeteoWeather weather("http://127.0.0.1:9", client, fuzz::QuietLogger());
  providers::Place place;
  place.name = "Cape Town";
  place.latitude = -33.92;
  place.longitude = 18.42;
  fuzz::CheckObservation(weather.Current(place, fuzz::FarDeadline()));
  return 0;
}
