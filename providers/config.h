// Configuration of the providers from environment variables, and the factory that builds the
// configured geocoder and weather source. The only place in providers/ that reads settings;
// it reads them through an injected lookup, never getenv.
#ifndef RAINCHECK_PROVIDERS_CONFIG_H_
#define RAINCHECK_PROVIDERS_CONFIG_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "base/status.h"
#include "http/client.h"
#include "providers/interfaces.h"

namespace raincheck::providers {

enum class GeocoderKind { kOffline, kLocationIq, kOpenMeteo, kNominatim };
enum class WeatherKind { kOpenMeteo, kDarkSky };
std::string_view GeocoderKindName(GeocoderKind kind);
std::string_view WeatherKindName(WeatherKind kind);

// Where an API key comes from: exactly one of the three when the provider needs a key.
struct KeyConfig {
  std::optional<std::string> value;          // NAME            (e.g. LOCATIONIQ_KEY)
  std::optional<std::string> ssm_parameter;  // NAME_SSM_PARAMETER (a parameter name or ARN)
  std::optional<std::string> secret_id;      // NAME_SECRET_ID  (a secret name or ARN)
  bool configured() const { return value || ssm_parameter || secret_id; }
};

struct ProvidersConfig {
  GeocoderKind geocoder = GeocoderKind::kOffline;  // RAINCHECK_GEOCODER
  WeatherKind weather = WeatherKind::kOpenMeteo;   // RAINCHECK_WEATHER
  // Base URLs (scheme://host[:port], no trailing slash).
  std::string locationiq_url = "https://us1.locationiq.com";  // RAINCHECK_LOCATIONIQ_URL
  std::string openmeteo_url = "https://api.open-meteo.com";   // RAINCHECK_OPENMETEO_URL
  std::string openmeteo_geocoding_url =
      "https://geocoding-api.open-meteo.com";  // RAINCHECK_OPENMETEO_GEOCODING_URL
  std::string nominatim_url = "https://nominatim.openstreetmap.org";  // RAINCHECK_NOMINATIM_URL
  std::string darksky_url = "https://api.pirateweather.net";          // RAINCHECK_DARKSKY_URL
  KeyConfig locationiq_key;  // LOCATIONIQ_KEY[_SSM_PARAMETER|_SECRET_ID]
  KeyConfig darksky_key;     // DARKSKY_KEY[_SSM_PARAMETER|_SECRET_ID]
  // The Parameters and Secrets Lambda Extension: http://localhost:<PARAMETERS_SECRETS_
  // EXTENSION_HTTP_PORT, default 2773>, authenticated with AWS_SESSION_TOKEN.
  std::string secrets_extension_url = "http://localhost:2773";
  std::string session_token;
  // RAINCHECK_GAZETTEER_PATH; empty: gazetteer.bin beside the executable, then
  // ../data/gazetteer.bin relative to it, then the build tree's index.
  std::string gazetteer_path;
  std::chrono::seconds weather_ttl{600};  // RAINCHECK_WEATHER_TTL (seconds, 0 disables)
  size_t geocode_cache_size = 1024;       // RAINCHECK_GEOCODE_CACHE_SIZE (entries, 0 disables)
};

using EnvLookup = base::EnvLookup;  // base/env.h: ProcessEnv(), OverlayEnv()

// Reads the variables above (unset or empty = default). InvalidArgument naming the variable
// for a bad value, an unknown provider, conflicting or missing key settings. Key values
// never appear in messages.
Result<ProvidersConfig> ParseProvidersConfig(const EnvLookup& env);

struct Providers {
  std::unique_ptr<Geocoder> geocoder;
  std::unique_ptr<WeatherSource> weather;
};

// Builds the configured providers with their caches. The offline gazetteer is loaded here
// (IOError / Corruption when its index is missing or damaged). `client`, `clock` and
// `logger` must outlive the result. Keys held in SSM / Secrets Manager are fetched on first
// use, not here.
Result<Providers> MakeProviders(const ProvidersConfig& config, http::Client& client,
                                const base::Clock& clock, const base::Logger& logger);

}  // namespace raincheck::providers

#endif  // RAINCHECK_PROVIDERS_CONFIG_H_
