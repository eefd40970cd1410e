#include "app/render.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "base/strings.h"

namespace raincheck::app {

namespace {

using base::HtmlEscape;
using nlohmann::json;

constexpr const char* kPageStyle =
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1f24}table{border-collapse:collapse}td,th{padding:.2rem .8rem;text-align:left;"
    "border-bottom:1px solid #ddd}.answer{font-size:1.6rem}.error{color:#a40000}"
    ".bar{background:#dde3ea;height:1rem;width:12rem}.bar span{display:block;height:1rem;"
    "background:#2f6fab}.note{color:#555}";

std::string PageHead(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         HtmlEscape(title) + "</title><style>" + kPageStyle + "</style></head><body>\n";
}

void CommonHeaders(lambda::HttpResponse* r, Format format) {
  r->SetHeader("Content-Type", format == Format::kJson ? "application/json; charset=utf-8"
                                                       : "text/html; charset=utf-8");
  r->SetHeader("Cache-Control", "no-store");
  r->SetHeader("X-Content-Type-Options", "nosniff");
  if (format == Format::kHtml) {
    r->SetHeader("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  }
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string Percent(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * std::clamp(p, 0.0, 1.0));
  return buf;
}

json OptionalNumber(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

json PlaceJson(const ForecastResult& f) {
  const providers::Place& p = f.place;
  json out = json::object();
  out["name"] = p.name;
  out["display_name"] = f.place_display_name;
  out["admin_area"] = p.admin_area;
  out["country"] = p.country;
  out["country_code"] = p.country_code;
  out["lat"] = p.latitude;
  out["lon"] = p.longitude;
  out["population"] = p.population;
  out["source"] = p.source;
  return out;
}

json ObservationJson(const ForecastResult& f) {
  const providers::Observation& o = f.observation;
  json quantities = json::array();
  for (const auto& q : o.quantities) {
    json quantity = json::object();
    quantity["name"] = q.name;
    quantity["value"] = q.value;
    quantity["unit"] = q.unit;
    quantity["used_by_model"] = UsedByModel(f, q.name);
    quantities.push_back(std::move(quantity));
  }
  json out = json::object();
  out["source"] = o.source;
  out["time"] = base::FormatIso8601Utc(o.time);
  out["local_date"] = base::FormatIsoDate(o.local_date);
  out["timezone"] = o.timezone;
  out["quantities"] = std::move(quantities);
  return out;
}

json FeaturesJson(const std::vector<FeatureValue>& features) {
  json out = json::array();
  for (const FeatureValue& f : features) {
    json feature = json::object();
    feature["name"] = f.name;
    feature["unit"] = f.unit;
    feature["value"] = OptionalNumber(f.value);
    out.push_back(std::move(feature));
  }
  return out;
}

// The gazetteer's NotFound message lists its suggestions after this.
constexpr std::string_view kDidYouMean = "; did you mean: ";

json SuggestionJson(const providers::Place& p) {
  json out = json::object();
  out["name"] = p.name;
  if (!p.admin_area.empty()) out["admin"] = p.admin_area;
  out["country"] = p.country;
  out["country_code"] = p.country_code;
  out["latitude"] = p.latitude;
  out["longitude"] = p.longitude;
  out["display_name"] = DisplayName(p);
  out["query"] = PlaceQuery(p);
  return out;
}

const char* MethodName(Prediction::Method m) {
  return m == Prediction::Method::kClimatology ? "climatology" : "model";
}

json ModelJson(const ModelUse& m) {
  json out = json::object();
  out["name"] = m.name;
  out["version"] = m.version;
  out["home"] = m.home ? forest::HomeToJson(*m.home) : json(nullptr);
  out["distance_km"] = OptionalNumber(m.distance_km);
  out["applies"] = m.applies;
  if (m.skill) {
    json skill = json::object();
    skill["roc_auc"] = m.skill->roc_auc;
    skill["brier_skill_score"] = m.skill->brier_skill_score;
    skill["rows"] = m.skill->rows;
    skill["evaluated_on"] = m.skill->rows_kind;  // "held-out" or "out-of-bag"
    out["skill"] = std::move(skill);
  } else {
    out["skill"] = nullptr;
  }
  out["skill_here"] = m.applies && m.skill ? "measured" : "unknown";
  out["summary"] = m.summary;
  return out;
}

json RecordJson(const RecordOutcome& r) {
  json out = json::object();
  out["stored"] = r.stored;
  out["state"] = r.state;
  if (r.kind == RecordOutcome::Kind::kWritten) out["key"] = r.key;
  if (!r.stored) out["message"] = r.message;
  return out;
}

// One labelled bar of the three probabilities; "not known" when absent.
std::string BarRow(const std::string& label, const std::optional<double>& p) {
  std::string h = "<tr><td>" + HtmlEscape(label) + "</td><td>";
  if (p && std::isfinite(*p)) {
    h += "<div class=\"bar\"><span style=\"width:" + Percent(*p) + "\"></span></div></td><td>" +
         Percent(*p);
  } else {
    h += "</td><td>not known";
  }
  return h + "</td></tr>\n";
}

std::string RenderHtml(const ForecastView& view) {
  const ForecastResult& f = view.result;
  std::string h = PageHead("Will it rain tomorrow in " + view.query.city + "?");
  h += "<main>\n<h1>City: " + HtmlEscape(view.query.city) + "</h1>\n";
  h += "<p>Resolved to <strong>" + HtmlEscape(f.place_display_name) + "</strong> (" +
       Fixed(f.place.latitude) + ", " + Fixed(f.place.longitude) + ") by " +
       HtmlEscape(f.place.source) + ".</p>\n";
  h += "<h2>Will it rain tomorrow?</h2>\n<p class=\"answer\">" +
       std::string(f.prediction.rain ? "Yes" : "No") + " &mdash; probability " +
       Percent(f.prediction.probability) + "</p>\n";
  h += "<p class=\"note\">" + HtmlEscape(f.model.summary) + "</p>\n";
  h += "<table><tbody>\n";
  h +=
      BarRow(f.prediction.method == Prediction::Method::kClimatology ? "Climatology (nearest model)"
                                                                     : "This model",
             f.prediction.probability);
  h += BarRow("Climatology here", f.baselines.climatology);
  h += BarRow("Forecast (" + f.baselines.forecast_source + ")", f.baselines.forecast_probability);
  h += "</tbody></table>\n";
  if (!f.features.empty()) {
    h += "<h2>What the model used</h2>\n<p class=\"note\">" + std::to_string(f.features.size()) +
         (f.features.size() == 1 ? " input" : " inputs") + ", in the units it was trained in" +
         (f.prediction.method == Prediction::Method::kClimatology
              ? " (the answer from climatology does not use them)"
              : "") +
         ".</p>\n<table><thead><tr><th>Feature</th><th>Value</th><th>Unit</th></tr></thead>"
         "<tbody>\n";
    for (const FeatureValue& v : f.features) {
      h += "<tr><td>" + HtmlEscape(v.name) + "</td><td>" + (v.value ? Fixed(*v.value) : "-") +
           "</td><td>" + HtmlEscape(v.unit) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  // The rest of what the weather source said, folded: the model did not use it.
  std::string others;
  size_t other_count = 0;
  for (const auto& q : f.observation.quantities) {
    if (UsedByModel(f, q.name)) continue;
    ++other_count;
    others += "<tr><td>" + HtmlEscape(q.name) + "</td><td>" + Fixed(q.value) + "</td><td>" +
              HtmlEscape(q.unit) + "</td></tr>\n";
  }
  if (other_count > 0) {
    h += "<details><summary>Other current conditions (" + std::to_string(other_count) +
         ", not used by the model)</summary>\n<table><thead><tr><th>Quantity</th>"
         "<th>Value</th><th>Unit</th></tr></thead><tbody>\n" +
         others +
         "</tbody></table>\n"
         "</details>\n";
  }
  h += "<p>Model: " + HtmlEscape(f.model.name) + " " + HtmlEscape(f.model.version);
  if (f.model.home) {
    const forest::ModelHome& home = *f.model.home;
    h += "; home " + HtmlEscape(home.name);
    if (!home.from.empty() && !home.to.empty()) {
      h += "; trained on " + HtmlEscape(home.from) + " to " + HtmlEscape(home.to);
    }
    if (!home.source.empty()) h += " from " + HtmlEscape(home.source);
  }
  h += ".</p>\n";
  h += "<p>Record " + std::string(f.record.stored ? "stored." : "NOT stored: ") +
       (f.record.stored ? "" : HtmlEscape(f.record.message)) + "</p>\n";
  h += "<footer><small>Request id " + HtmlEscape(view.request_id) +
       "</small></footer>\n</main></body></html>\n";
  return h;
}

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kOutOfRange:
      return 422;
    case StatusCode::kUnavailable:
    case StatusCode::kPermissionDenied:
      return 502;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;  // kFailedPrecondition among them: the model and the source do not fit
  }
}

json ForecastJson(const ForecastView& view) {
  const ForecastResult& f = view.result;
  json body = json::object();
  body["request_id"] = view.request_id;
  body["city"] = view.query.city;
  body["city_defaulted"] = view.query.city_defaulted;
  body["place"] = PlaceJson(f);
  body["observation"] = ObservationJson(f);
  body["features"] = FeaturesJson(f.features);
  body["probability"] = f.prediction.probability;
  json prediction = json::object();
  prediction["probability"] = f.prediction.probability;
  prediction["rain"] = f.prediction.rain;
  prediction["threshold"] = f.prediction.threshold;
  prediction["method"] = MethodName(f.prediction.method);
  body["prediction"] = std::move(prediction);
  body["model"] = ModelJson(f.model);
  json baselines = json::object();
  baselines["climatology"] = OptionalNumber(f.baselines.climatology);
  baselines["forecast_probability"] = OptionalNumber(f.baselines.forecast_probability);
  baselines["forecast_source"] = f.baselines.forecast_source;
  body["baselines"] = std::move(baselines);
  body["record"] = RecordJson(f.record);
  return body;
}

lambda::HttpResponse RenderForecast(const ForecastView& view, Format format) {
  lambda::HttpResponse r;
  r.status = 200;
  CommonHeaders(&r, format);
  r.body = format == Format::kJson
               ? ForecastJson(view).dump(-1, ' ', false, json::error_handler_t::replace)
               : RenderHtml(view);
  return r;
}

lambda::HttpResponse RenderError(const Status& status, const std::string& request_id, Format format,
                                 const std::vector<providers::Place>& suggestions) {
  lambda::HttpResponse r;
  r.status = HttpStatusFor(status);
  CommonHeaders(&r, format);
  // Unexpected errors carry no detail: it could reveal configuration.
  const bool hide = r.status == 500 && status.code() != StatusCode::kFailedPrecondition;
  std::string message = hide ? "internal error" : status.message();
  // The suggestions come as data: the geocoder's prose list of them would say it twice.
  if (!suggestions.empty()) {
    if (const size_t cut = message.find(kDidYouMean); cut != std::string::npos) message.resize(cut);
  }
  if (format == Format::kJson) {
    json body = {{"error",
                  {{"status", r.status},
                   {"code", StatusCodeName(status.code())},
                   {"message", message},
                   {"request_id", request_id}}}};
    if (!suggestions.empty()) {
      json list = json::array();
      for (const providers::Place& p : suggestions) list.push_back(SuggestionJson(p));
      body["error"]["suggestions"] = std::move(list);
    }
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    std::string links;
    if (!suggestions.empty()) {
      links = "<p>Did you mean:</p>\n<ul class=\"suggestions\">\n";
      for (const providers::Place& p : suggestions) {
        links += "<li><a href=\"?city=" + HtmlEscape(base::UrlEncode(PlaceQuery(p))) + "\">" +
                 HtmlEscape(DisplayName(p)) + "</a></li>\n";
      }
      links += "</ul>\n";
    }
    r.body = PageHead("Error " + std::to_string(r.status)) + "<main>\n<h1 class=\"error\">Error " +
             std::to_string(r.status) + "</h1>\n<p class=\"error\">" + HtmlEscape(message) +
             "</p>\n" + links + "<footer><small>Request id " + HtmlEscape(request_id) +
             "</small></footer>\n</main></body></html>\n";
  }
  return r;
}

}  // namespace raincheck::app
