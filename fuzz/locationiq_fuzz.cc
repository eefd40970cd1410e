// Fuzz target: a LocationIQ search answer read by LocationIqGeocoder.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz/fake_http.h"
#include "fuzz/provider_checks.h"
#include "providers/osm_geocoders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace raincheck;
  fuzz::CannedClient client(fuzz::Answer(fuzz::AsText(data, size)));
  providers::LocationIqGeocoder geocoder("http://127.0.0.1:9",
                                         std::make_shared<providers::StaticApiKey>("fuzz-key"),
                                         client, fuzz::QuietLogger());
  fuzz::CheckPlace(geocoder.Geocode("Cape Town", fuzz::FarDeadline()));
  return 0;
}
