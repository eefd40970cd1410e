#include "providers/config.h"

#include <charconv>
#include <filesystem>
#include <vector>

#include "base/strings.h"
#include "providers/caching.h"
#include "providers/darksky.h"
#include "providers/gazetteer.h"
#include "providers/openmeteo.h"
#include "providers/osm_geocoders.h"
#include "providers/secrets.h"

#ifndef RAINCHECK_DEFAULT_GAZETTEER_PATH
#define RAINCHECK_DEFAULT_GAZETTEER_PATH ""
#endif

namespace raincheck::providers {

std::string_view GeocoderKindName(GeocoderKind kind) {
  switch (kind) {
    case GeocoderKind::kOffline:
      return "offline";
    case GeocoderKind::kLocationIq:
      return "locationiq";
    case GeocoderKind::kOpenMeteo:
      return "openmeteo";
    case GeocoderKind::kNominatim:
      return "nominatim";
  }
  return "?";
}

std::string_view WeatherKindName(WeatherKind kind) {
  switch (kind) {
    case WeatherKind::kOpenMeteo:
      return "openmeteo";
    case WeatherKind::kDarkSky:
      return "darksky";
  }
  return "?";
}

namespace {

std::optional<std::string> Read(const EnvLookup& env, std::string_view name) {
  auto v = env(name);
  if (!v || base::Trim(*v).empty()) return std::nullopt;
  return std::string(base::Trim(*v));
}

Status ReadUrl(const EnvLookup& env, std::string_view name, std::string* out) {
  auto v = Read(env, name);
  if (!v) return Status::Ok();
  std::string url = *v;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string lower = base::AsciiLower(url);
  const bool scheme_ok = base::StartsWith(lower, "http://") || base::StartsWith(lower, "https://");
  const size_t host = url.find("://") + 3;
  if (!scheme_ok || url.size() <= host || url.find_first_of("?#@ ") != std::string::npos ||
      base::HasControlCharacters(url)) {
    return Status::InvalidArgument(std::string(name) +
                                   " must be an http(s) base URL such as https://host:port");
  }
  *out = url;
  return Status::Ok();
}

Status ReadUnsigned(const EnvLookup& env, std::string_view name, uint64_t max, uint64_t* out) {
  auto v = Read(env, name);
  if (!v) return Status::Ok();
  uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || n > max) {
    return Status::InvalidArgument(std::string(name) + " must be a whole number from 0 to " +
                                   std::to_string(max));
  }
  *out = n;
  return Status::Ok();
}

Status ReadKey(const EnvLookup& env, const std::string& name, KeyConfig* out) {
  out->value = Read(env, name);
  out->ssm_parameter = Read(env, name + "_SSM_PARAMETER");
  out->secret_id = Read(env, name + "_SECRET_ID");
  const int set = (out->value ? 1 : 0) + (out->ssm_parameter ? 1 : 0) + (out->secret_id ? 1 : 0);
  if (set > 1) {
    return Status::InvalidArgument("set only one of " + name + ", " + name + "_SSM_PARAMETER and " +
                                   name + "_SECRET_ID");
  }
  if (out->value && base::HasControlCharacters(*out->value)) {
    return Status::InvalidArgument(name + " contains control characters");
  }
  return Status::Ok();
}

Status RequireKey(const ProvidersConfig& c, const KeyConfig& key, const std::string& name,
                  std::string_view user) {
  if (!key.configured()) {
    return Status::InvalidArgument(std::string(user) + " needs " + name + ", " + name +
                                   "_SSM_PARAMETER or " + name + "_SECRET_ID");
  }
  if (!key.value && c.session_token.empty()) {
    return Status::InvalidArgument(name + "_SSM_PARAMETER / " + name +
                                   "_SECRET_ID need AWS_SESSION_TOKEN (set by Lambda)");
  }
  return Status::Ok();
}

std::shared_ptr<ApiKeySource> MakeKeySource(const ProvidersConfig& c, const KeyConfig& key,
                                            const std::string& name, http::Client& client,
                                            const base::Logger& logger) {
  if (key.value) return std::make_shared<StaticApiKey>(*key.value);
  ExtensionKeySpec spec;
  spec.label = name;
  spec.store = key.ssm_parameter ? ExtensionKeySpec::Store::kSsmParameter
                                 : ExtensionKeySpec::Store::kSecretsManager;
  spec.id = key.ssm_parameter ? *key.ssm_parameter : *key.secret_id;
  spec.base_url = c.secrets_extension_url;
  spec.session_token = c.session_token;
  return std::make_shared<ExtensionApiKey>(std::move(spec), client, logger);
}

std::vector<std::string> GazetteerCandidates(const ProvidersConfig& c) {
  if (!c.gazetteer_path.empty()) return {c.gazetteer_path};
  std::vector<std::string> out;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / "gazetteer.bin").string());
    out.push_back((exe.parent_path().parent_path() / "data" / "gazetteer.bin").string());
  }
  if (std::string_view(RAINCHECK_DEFAULT_GAZETTEER_PATH).size() > 0) {
    out.emplace_back(RAINCHECK_DEFAULT_GAZETTEER_PATH);
  }
  return out;
}

Result<std::unique_ptr<Geocoder>> MakeOfflineGeocoder(const ProvidersConfig& c,
                                                      const base::Logger& logger) {
  const auto candidates = GazetteerCandidates(c);
  std::string tried;
  for (const auto& path : candidates) {
    std::error_code ec;
    if (c.gazetteer_path.empty() && !std::filesystem::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    RC_ASSIGN_OR_RETURN(std::unique_ptr<Gazetteer> g, Gazetteer::Load(path));
    logger.Info("gazetteer loaded", {{"path", path}, {"cities", g->size()}});
    return std::unique_ptr<Geocoder>(
        std::make_unique<GazetteerGeocoder>(std::shared_ptr<const Gazetteer>(std::move(g))));
  }
  return Status::IOError("the offline gazetteer index was not found (tried " + tried +
                         "); build it (scripts/setup.sh) or set RAINCHECK_GAZETTEER_PATH");
}

}  // namespace

Result<ProvidersConfig> ParseProvidersConfig(const EnvLookup& env) {
  ProvidersConfig c;
  if (auto g = Read(env, "RAINCHECK_GEOCODER")) {
    const std::string v = base::AsciiLower(*g);
    if (v == "offline")
      c.geocoder = GeocoderKind::kOffline;
    else if (v == "locationiq")
      c.geocoder = GeocoderKind::kLocationIq;
    else if (v == "openmeteo")
      c.geocoder = GeocoderKind::kOpenMeteo;
    else if (v == "nominatim")
      c.geocoder = GeocoderKind::kNominatim;
    else
      return Status::InvalidArgument(
          "RAINCHECK_GEOCODER must be offline, locationiq, openmeteo or nominatim");
  }
  if (auto w = Read(env, "RAINCHECK_WEATHER")) {
    const std::string v = base::AsciiLower(*w);
    if (v == "openmeteo")
      c.weather = WeatherKind::kOpenMeteo;
    else if (v == "darksky")
      c.weather = WeatherKind::kDarkSky;
    else
      return Status::InvalidArgument("RAINCHECK_WEATHER must be openmeteo or darksky");
  }
  RC_RETURN_IF_ERROR(ReadUrl(env, "RAINCHECK_LOCATIONIQ_URL", &c.locationiq_url));
  RC_RETURN_IF_ERROR(ReadUrl(env, "RAINCHECK_OPENMETEO_URL", &c.openmeteo_url));
  RC_RETURN_IF_ERROR(ReadUrl(env, "RAINCHECK_OPENMETEO_GEOCODING_URL", &c.openmeteo_geocoding_url));
  RC_RETURN_IF_ERROR(ReadUrl(env, "RAINCHECK_NOMINATIM_URL", &c.nominatim_url));
  RC_RETURN_IF_ERROR(ReadUrl(env, "RAINCHECK_DARKSKY_URL", &c.darksky_url));
  RC_RETURN_IF_ERROR(ReadKey(env, "LOCATIONIQ_KEY", &c.locationiq_key));
  RC_RETURN_IF_ERROR(ReadKey(env, "DARKSKY_KEY", &c.darksky_key));
  uint64_t port = 2773;
  RC_RETURN_IF_ERROR(ReadUnsigned(env, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", 65535, &port));
  if (port == 0)
    return Status::InvalidArgument("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT must not be 0");
  c.secrets_extension_url = "http://localhost:" + std::to_string(port);
  c.session_token = Read(env, "AWS_SESSION_TOKEN").value_or("");
  c.gazetteer_path = Read(env, "RAINCHECK_GAZETTEER_PATH").value_or("");
  uint64_t ttl = 600;
  RC_RETURN_IF_ERROR(ReadUnsigned(env, "RAINCHECK_WEATHER_TTL", uint64_t{7} * 86400, &ttl));
  c.weather_ttl = std::chrono::seconds(ttl);
  uint64_t cache = 1024;
  RC_RETURN_IF_ERROR(ReadUnsigned(env, "RAINCHECK_GEOCODE_CACHE_SIZE", 1000000, &cache));
  c.geocode_cache_size = static_cast<size_t>(cache);

  if (c.geocoder == GeocoderKind::kLocationIq) {
    RC_RETURN_IF_ERROR(
        RequireKey(c, c.locationiq_key, "LOCATIONIQ_KEY", "RAINCHECK_GEOCODER=locationiq"));
  }
  if (c.weather == WeatherKind::kDarkSky) {
    RC_RETURN_IF_ERROR(RequireKey(c, c.darksky_key, "DARKSKY_KEY", "RAINCHECK_WEATHER=darksky"));
  }
  return c;
}

Result<Providers> MakeProviders(const ProvidersConfig& config, http::Client& client,
                                const base::Clock& clock, const base::Logger& logger) {
  Providers p;
  switch (config.geocoder) {
    case GeocoderKind::kOffline: {
      RC_ASSIGN_OR_RETURN(p.geocoder, MakeOfflineGeocoder(config, logger));
      break;
    }
    case GeocoderKind::kLocationIq:
      p.geocoder = std::make_unique<LocationIqGeocoder>(
          config.locationiq_url,
          MakeKeySource(config, config.locationiq_key, "LOCATIONIQ_KEY", client, logger), client,
          logger);
      break;
    case GeocoderKind::kOpenMeteo:
      p.geocoder =
          std::make_unique<OpenMeteoGeocoder>(config.openmeteo_geocoding_url, client, logger);
      break;
    case GeocoderKind::kNominatim:
      p.geocoder = std::make_unique<NominatimGeocoder>(config.nominatim_url, client, clock, logger);
      break;
  }
  if (config.geocoder != GeocoderKind::kOffline && config.geocode_cache_size > 0) {
    p.geocoder =
        std::make_unique<CachingGeocoder>(std::move(p.geocoder), config.geocode_cache_size, clock);
  }
  switch (config.weather) {
    case WeatherKind::kOpenMeteo:
      p.weather = std::make_unique<OpenMeteoWeather>(config.openmeteo_url, client, logger);
      break;
    case WeatherKind::kDarkSky:
      p.weather = std::make_unique<DarkSkyWeather>(
          config.darksky_url,
          MakeKeySource(config, config.darksky_key, "DARKSKY_KEY", client, logger), client, logger);
      break;
  }
  if (config.weather_ttl.count() > 0) {
    p.weather = std::make_unique<CachingWeatherSource>(
        std::move(p.weather), std::chrono::duration_cast<base::Millis>(config.weather_ttl), clock);
  }
  logger.Info("providers configured", {{"geocoder", std::string(GeocoderKindName(config.geocoder))},
                                       {"weather", std::string(WeatherKindName(config.weather))},
                                       {"weather_ttl_s", config.weather_ttl.count()}});
  return p;
}

}  // namespace raincheck::providers
