// Fuzz target: a Nominatim search answer (format=jsonv2) read by NominatimGeocoder.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/clock.h"
#include "fuzz/fake_http.h"
#include "fuzz/provider_checks.h"
#include "providers/osm_geocoders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  // One request per geocoder: its first slot is free, so nothing waits.
  const base::ManualClock clock(std::chrono::system_clock::now());
  providers::NominatimGeocoder geocoder("http://127.0.0.1:9", client, clock, fuzz::QuietLogger());
  fuzz::CheckPlace(geocoder.Geocode("Cape Town", fuzz::FarDeadline()));
  return 0;
}
