#include "app/render.h"

#include <cstdio>
#include <utility>

#include "base/strings.h"

namespace raincheck::app {

namespace {

using nlohmann::json;
using base::HtmlEscape;

constexpr const char* kPageStyle =
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1f24}table{border-collapse:collapse}td,th{padding:.2rem .8rem;text-align:left;"
    "border-bottom:1px solid #ddd}.answer{font-size:1.6rem}.error{color:#a40000}";

std::string Text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string PageHead(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + HtmlEscape(title) + "</title><style>" + kPageStyle +
         "</style></head><body>\n";
}

void CommonHeaders(lambda::HttpResponse* r, Format format) {
  r->SetHeader("Content-Type", format == Format::kJson ? "application/json; charset=utf-8"
                                                       : "text/html; charset=utf-8");
  r->SetHeader("Cache-Control", "no-store");
  r->SetHeader("X-Content-Type-Options", "nosniff");
  if (format == Format::kHtml) {
    r->SetHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  }
}

std::string RenderHtml(const ForecastView& view) {
  const json& f = view.facts;
  std::string h = PageHead("Will it rain tomorrow in " + view.query.city + "?");
  h += "<main>\n<h1>City: " + HtmlEscape(view.query.city) + "</h1>\n";
  if (f.contains("place")) {
    const json& p = f["place"];
    h += "<p>Resolved to <strong>" + HtmlEscape(Text(p.value("display_name", json(""))));
    h += "</strong> (" + HtmlEscape(Text(p.value("lat", json(0.0)))) + ", " +
         HtmlEscape(Text(p.value("lon", json(0.0)))) + ") by " +
         HtmlEscape(Text(p.value("source", json("")))) + ".</p>\n";
  }
  if (f.contains("observation")) {
    const json& o = f["observation"];
    h += "<h2>Current weather</h2>\n<table><thead><tr><th>Quantity</th><th>Value</th>"
         "<th>Unit</th></tr></thead><tbody>\n";
    for (const json& q : o.value("quantities", json::array())) {
      h += "<tr><td>" + HtmlEscape(Text(q.value("name", json("")))) + "</td><td>" +
           HtmlEscape(Text(q.value("value", json(nullptr)))) + "</td><td>" +
           HtmlEscape(Text(q.value("unit", json("")))) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  if (f.contains("prediction")) {
    const json& p = f["prediction"];
    const bool rain = p.value("rain", false);
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.0f%%", 100.0 * p.value("probability", 0.0));
    h += "<h2>Will it rain tomorrow?</h2>\n<p class=\"answer\">" +
         std::string(rain ? "Yes" : "No") + " &mdash; probability " + pct + "</p>\n";
  }
  if (f.contains("model")) {
    h += "<p>Model: " + HtmlEscape(Text(f["model"].value("name", json("")))) + " " +
         HtmlEscape(Text(f["model"].value("version", json("")))) + "</p>\n";
  }
  if (f.contains("record")) {
    const json& r = f["record"];
    h += "<p>Record " +
         std::string(r.value("stored", false) ? "stored." : "NOT stored: ") +
         (r.value("stored", false) ? "" : HtmlEscape(Text(r.value("message", json(""))))) +
         "</p>\n";
  }
  h += "<footer><small>Request id " + HtmlEscape(view.request_id) +
       "</small></footer>\n</main></body></html>\n";
  return h;
}

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kUnavailable:
    case StatusCode::kPermissionDenied: return 502;
    case StatusCode::kResourceExhausted: return 503;
    case StatusCode::kDeadlineExceeded: return 504;
    default: return 500;  // kFailedPrecondition among them: the model and the source do not fit
  }
}

lambda::HttpResponse RenderForecast(ForecastView view, Format format) {
  lambda::HttpResponse r;
  r.status = 200;
  CommonHeaders(&r, format);
  if (format == Format::kJson) {
    json body = std::move(view.facts);
    body["request_id"] = view.request_id;
    body["city"] = view.query.city;
    body["city_defaulted"] = view.query.city_defaulted;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    r.body = RenderHtml(view);
  }
  return r;
}

lambda::HttpResponse RenderError(const Status& status, const std::string& request_id,
                                 Format format) {
  lambda::HttpResponse r;
  r.status = HttpStatusFor(status);
  CommonHeaders(&r, format);
  // Unexpected errors carry no detail: it could reveal configuration.
  const bool hide = r.status == 500 && status.code() != StatusCode::kFailedPrecondition;
  const std::string message = hide ? "internal error" : status.message();
  if (format == Format::kJson) {
    json body = {{"error", {{"status", r.status}, {"code", StatusCodeName(status.code())},
                            {"message", message}, {"request_id", request_id}}}};
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    r.body = PageHead("Error " + std::to_string(r.status)) + "<main>\n<h1 class=\"error\">Error " +
             std::to_string(r.status) + "</h1>\n<p class=\"error\">" + HtmlEscape(message) +
             "</p>\n<footer><small>Request id " + HtmlEscape(request_id) +
             "</small></footer>\n</main></body></html>\n";
  }
  return r;
}

}  // namespace raincheck::app
