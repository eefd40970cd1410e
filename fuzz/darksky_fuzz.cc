// Fuzz target: a DarkSky-compatible forecast answer (Pirate Weather) read by DarkSkyWeather.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz/fake_http.h"
#include "fuzz/provider_checks.h"
#include "providers/darksky.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  providers::DarkSkyWeather weather("http://127.0.0.1:9",
                                    std::make_shared<providers::StaticApiKey>("fuzz-key"), client,
                                    fuzz::QuietLogger());
  providers::Place place;
  place.name = "Cape Town";
  place.latitude = -33.92;
  place.longitude = 18.42;
  fuzz::CheckObservation(weather.Current(place, fuzz::FarDeadline()));
  return 0;
}
