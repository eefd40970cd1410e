#include "app/handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "app/forecast.h"
#include "app/test_support.h"
#include "forest/model.h"

namespace raincheck::app {
namespace {

using nlohmann::json;
using testing::HttpApiEvent;

const forest::Model& DefaultModel() {
  static const forest::Model model = [] {
    auto m = forest::Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return std::move(m).value();
  }();
  return model;
}

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : clock_(base::FromUnixMillis(1'700'000'000'000)),
        logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_.emplace_back(l); }) {
    services_.clock = &clock_;
    services_.logger = &logger_;
    services_.geocoder = &geocoder_;
    services_.weather = &weather_;
    services_.models = &catalog_;
    services_.records = &sink_;
    context_.request_id = "req-42";
    context_.deadline = clock_.Now() + std::chrono::seconds(10);
  }

  json Invoke(const std::string& event) {
    auto out = HandleEvent(event, context_, services_);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return json::parse(*out);
  }

  json Body(const json& response) { return json::parse(response["body"].get<std::string>()); }

  base::ManualClock clock_;
  testing::FakeGeocoder geocoder_;
  testing::FakeWeather weather_;
  testing::FakeSink sink_;
  std::vector<std::string> log_;
  base::Logger logger_;
  ModelCatalog catalog_{std::vector<forest::Model>{DefaultModel()}};
  Services services_;
  lambda::InvocationContext context_;
};

TEST_F(HandlerTest, HtmlPageNamesTheCity) {
  const json r = Invoke(HttpApiEvent({{"city", "Hong Kong"}}));
  EXPECT_EQ(r["statusCode"], 200);
  EXPECT_EQ(r["headers"]["Content-Type"], "text/html; charset=utf-8");
  const std::string body = r["body"];
  EXPECT_NE(body.find("<h1>City: Hong Kong</h1>"), std::string::npos) << body;
  EXPECT_NE(body.find("req-42"), std::string::npos);
}

TEST_F(HandlerTest, DefaultCityWhenMissing) {
  services_.settings.default_city = "Z\xC3\xBCrich";
  const json r = Invoke(HttpApiEvent({{"format", "json"}}));
  const json body = json::parse(r["body"].get<std::string>());
  EXPECT_EQ(body["city"], "Z\xC3\xBCrich");
  EXPECT_EQ(body["city_defaulted"], true);
}

TEST_F(HandlerTest, JsonKeepsUnicodeUnchanged) {
  for (const std::string city : {"S\xC3\xA3o Paulo", "\xE6\x9D\xB1\xE4\xBA\xAC", "N'Djamena"}) {
    const json r = Invoke(HttpApiEvent({{"city", city}}, "application/json"));
    EXPECT_EQ(r["statusCode"], 200);
    EXPECT_EQ(r["headers"]["Content-Type"], "application/json; charset=utf-8");
    const std::string raw = r["body"];
    EXPECT_NE(raw.find(city), std::string::npos) << "not escaped to \\u sequences: " << raw;
    EXPECT_EQ(json::parse(raw)["city"], city);
    EXPECT_EQ(json::parse(raw)["request_id"], "req-42");
  }
}

TEST_F(HandlerTest, EscapesScriptAndAttributePayloads) {
  const std::vector<std::string> payloads = {
      "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)",
      "</title><script>x</script>", "&lt;already&gt;"};
  for (const std::string& p : payloads) {
    const json r = Invoke(HttpApiEvent({{"city", p}}));
    ASSERT_EQ(r["statusCode"], 200) << p;
    const std::string body = r["body"];
    EXPECT_EQ(body.find("<script>"), std::string::npos) << body;
    EXPECT_EQ(body.find("<img"), std::string::npos) << body;
    EXPECT_EQ(body.find("' onmouseover"), std::string::npos) << body;
    EXPECT_EQ(body.find(p), std::string::npos) << "raw payload in page: " << body;
    EXPECT_NE(body.find(base::HtmlEscape(p)), std::string::npos) << body;
  }
}

TEST_F(HandlerTest, BadCityIs400InTheRequestedFormat) {
  const json html = Invoke(HttpApiEvent({{"city", "   "}}));
  EXPECT_EQ(html["statusCode"], 400);
  EXPECT_NE(html["body"].get<std::string>().find("city is empty"), std::string::npos);

  const json j = Invoke(HttpApiEvent({{"city", std::string(150, 'x')}, {"format", "json"}}));
  EXPECT_EQ(j["statusCode"], 400);
  const json body = json::parse(j["body"].get<std::string>());
  EXPECT_EQ(body["error"]["status"], 400);
  EXPECT_EQ(body["error"]["request_id"], "req-42");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("100"), std::string::npos);

  const json ctl = Invoke(HttpApiEvent({{"city",
                                         "a\x01"
                                         "b"},
                                        {"format", "json"}}));
  EXPECT_EQ(ctl["statusCode"], 400);
}

TEST_F(HandlerTest, OtherMethodsAre405) {
  const json r = Invoke(HttpApiEvent({{"city", "Paris"}}, "*/*", "POST"));
  EXPECT_EQ(r["statusCode"], 405);
  EXPECT_EQ(r["headers"]["Allow"], "GET, HEAD");
}

// HEAD answers what GET would (status and headers) without a body, and stores no record: it
// asks about the page, it is not a query of the weather to keep.
TEST_F(HandlerTest, HeadAnswersLikeGetWithoutBodyAndStoresNothing) {
  for (const std::string accept : {"text/html", "application/json"}) {
    for (const std::string city : {"Hong Kong", "   "}) {
      SCOPED_TRACE(::testing::Message() << accept << " " << city);
      const size_t before = sink_.records().size();
      const json head = Invoke(HttpApiEvent({{"city", city}}, accept, "HEAD"));
      EXPECT_EQ(sink_.records().size(), before) << "HEAD stored a record";
      const json get = Invoke(HttpApiEvent({{"city", city}}, accept, "GET"));
      EXPECT_EQ(head["statusCode"], get["statusCode"]);
      EXPECT_EQ(head["headers"], get["headers"]);
      EXPECT_EQ(head["body"], "");
      EXPECT_NE(get["body"], "");
    }
  }
  EXPECT_EQ(sink_.records().size(), 2u) << "each GET of a valid city stores one record";
}

TEST_F(HandlerTest, RestEventGetsARestResponse) {
  json e = json::parse(R"({"httpMethod": "GET", "path": "/", "headers": null,
    "queryStringParameters": null, "multiValueQueryStringParameters": null,
    "requestContext": {"requestId": "r"}, "body": null, "isBase64Encoded": false})");
  const json r = Invoke(e.dump());
  EXPECT_EQ(r["statusCode"], 200);
  EXPECT_TRUE(r.contains("multiValueHeaders"));
}

TEST_F(HandlerTest, NonEventsAreErrorsNotResponses) {
  EXPECT_FALSE(HandleEvent("{\"hello\": 1}", context_, services_).ok());
  EXPECT_FALSE(HandleEvent("nope", context_, services_).ok());
}

TEST_F(HandlerTest, LogsNeverCarryTheCity) {
  Invoke(HttpApiEvent({{"city", "Secretville"}}));
  Invoke(HttpApiEvent({{"city", "Secretville\n"}}));
  ASSERT_FALSE(log_.empty());
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find("Secretville"), std::string::npos) << line;
    EXPECT_EQ(json::parse(line)["request_id"], "req-42");
  }
}

TEST_F(HandlerTest, JsonCarriesPlaceObservationPredictionModelAndRecord) {
  const json r = Invoke(HttpApiEvent({{"city", "Cape Town"}, {"format", "json"}}));
  ASSERT_EQ(r["statusCode"], 200) << r.dump();
  const json b = Body(r);
  EXPECT_EQ(b["place"]["name"], "Cape Town");
  EXPECT_EQ(b["place"]["source"], "fake");
  EXPECT_DOUBLE_EQ(b["place"]["lat"].get<double>(), -33.92);
  EXPECT_EQ(b["observation"]["source"], "fake");
  EXPECT_EQ(b["observation"]["local_date"], "2026-11-28");
  EXPECT_EQ(b["observation"]["quantities"].size(), 4u);
  const double p = b["prediction"]["probability"];
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  EXPECT_EQ(b["prediction"]["rain"], p >= 0.5);
  EXPECT_EQ(b["model"]["name"], DefaultModel().name());
  EXPECT_EQ(b["model"]["version"], DefaultModel().version());
  EXPECT_EQ(b["record"]["stored"], true);
  EXPECT_EQ(b["record"]["state"], "stored");
  EXPECT_EQ(geocoder_.queries(), (std::vector<std::string>{"Cape Town"}));
}

TEST_F(HandlerTest, FeaturesAreConvertedToTheModelsUnitsAndPredictionMatchesTheModel) {
  const json b = Body(Invoke(HttpApiEvent({{"city", "Cape Town"}, {"format", "json"}})));
  std::vector<float> row;
  for (const json& f : b["features"]) {
    if (f["name"] == "wind") {
      EXPECT_EQ(f["unit"], "m/s");
      EXPECT_NEAR(f["value"].get<double>(), 5.0, 1e-5);  // 18 km/h
    }
    row.push_back(f["value"].get<float>());
  }
  ASSERT_EQ(row.size(), DefaultModel().schema().size());
  // season_cos is +1 at midwinter; Cape Town (south) in late November is early summer,
  // like late May in the north: cos of the phase is negative there.
  EXPECT_LT(b["features"][4]["value"].get<double>(), -0.5) << b["features"].dump();
  EXPECT_DOUBLE_EQ(b["prediction"]["probability"].get<double>(), DefaultModel().PredictProba(row));
}

TEST_F(HandlerTest, HemisphereChangesTheSeasonFeature) {
  const json south = Body(Invoke(HttpApiEvent({{"city", "A"}, {"format", "json"}})));
  geocoder_.set_latitude(47.6);
  const json north = Body(Invoke(HttpApiEvent({{"city", "B"}, {"format", "json"}})));
  EXPECT_DOUBLE_EQ(south["features"][4]["value"].get<double>(),
                   -north["features"][4]["value"].get<double>());
}

TEST_F(HandlerTest, RecordHasTheOriginalsColumnsAndOurs) {
  Invoke(HttpApiEvent({{"city", "S\xC3\xA3o Paulo"}}));
  const auto records = sink_.records();
  ASSERT_EQ(records.size(), 1u);
  const store::Record& r = records[0];
  EXPECT_EQ(r.city, "S\xC3\xA3o Paulo");
  EXPECT_EQ(r.request_id, "req-42");
  for (const char* column :
       {"precipitation", "temp_max", "temp_min", "wind", "datetime", "prob_rain", "pred_rain",
        "request_id", "city", "place", "place_source", "model", "model_version"}) {
    EXPECT_NE(r.Find(column), nullptr) << column;
  }
  EXPECT_EQ(*r.Find("place_source"), "fake");
}

TEST_F(HandlerTest, StoreDownStillAnswersAndSaysSo) {
  sink_.set_down(true);
  const json r = Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  ASSERT_EQ(r["statusCode"], 200);
  const json b = Body(r);
  EXPECT_EQ(b["record"]["stored"], false);
  EXPECT_EQ(b["record"]["state"], "spooled");
  EXPECT_TRUE(b.contains("prediction"));
  bool warned = false;
  for (const std::string& line : log_) {
    const json l = json::parse(line);
    if (l["level"] == "warn" && l["message"] == "record not stored")
      warned = l["request_id"] == "req-42";
  }
  EXPECT_TRUE(warned);

  const json html = Invoke(HttpApiEvent({{"city", "Lima"}}));
  EXPECT_NE(html["body"].get<std::string>().find("NOT stored"), std::string::npos);
}

TEST_F(HandlerTest, RecordsOffIsSaid) {
  services_.records = nullptr;
  const json b = Body(Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}})));
  EXPECT_EQ(b["record"]["state"], "off");
}

TEST_F(HandlerTest, HtmlShowsPlaceWeatherAndAnswer) {
  const std::string body = Invoke(HttpApiEvent({{"city", "Cape Town"}}))["body"];
  EXPECT_NE(body.find("Cape Town, Testland"), std::string::npos) << body;
  EXPECT_NE(body.find("<td>temp_max</td><td>14</td><td>degC</td>"), std::string::npos) << body;
  EXPECT_NE(body.find("Will it rain tomorrow?"), std::string::npos);
  EXPECT_NE(body.find("Record stored."), std::string::npos);
  EXPECT_NE(body.find(DefaultModel().name()), std::string::npos);
}

TEST_F(HandlerTest, UpstreamFailuresMapToStatusCodes) {
  const std::vector<std::pair<Status, int>> cases = {
      {Status::NotFound("no city called Atlantis; did you mean Atlanta?"), 404},
      {Status::Unavailable("geocoder answered 500"), 502},
      {Status::PermissionDenied("geocoder refused the key"), 502},
      {Status::ResourceExhausted("geocoder rate limit"), 503},
      {Status::DeadlineExceeded("geocoder timed out"), 504},
      {Status::Internal("boom /secret/path"), 500},
  };
  for (const auto& [status, code] : cases) {
    geocoder_.Fail(status);
    const json r = Invoke(HttpApiEvent({{"city", "Atlantis"}, {"format", "json"}}));
    EXPECT_EQ(r["statusCode"], code) << status.ToString();
    const json b = Body(r);
    EXPECT_EQ(b["error"]["request_id"], "req-42");
    if (code == 500) {
      EXPECT_EQ(b["error"]["message"], "internal error");
    } else {
      EXPECT_EQ(b["error"]["message"], status.message());
    }
  }
  EXPECT_TRUE(sink_.records().empty());
  geocoder_.Fail(Status::Ok());
  weather_.Fail(Status::ResourceExhausted("weather rate limit"));
  EXPECT_EQ(Invoke(HttpApiEvent({{"city", "Lima"}}))["statusCode"], 503);
}

providers::Place Atlanta() {
  providers::Place p;
  p.name = "Atlanta";
  p.admin_area = "Georgia";
  p.country = "United States";
  p.country_code = "US";
  p.latitude = 33.749;
  p.longitude = -84.38798;
  p.source = "offline";
  return p;
}

TEST_F(HandlerTest, UnknownCityCarriesSuggestionsAsData) {
  geocoder_.Fail(Status::NotFound(
      "no known city has that name; did you mean: Atlanta, Georgia, United States?"));
  providers::Place atlantic = Atlanta();
  atlantic.name = "Atlantic City";
  atlantic.admin_area = "";
  geocoder_.set_suggestions({Atlanta(), atlantic});
  const json r = Invoke(HttpApiEvent({{"city", "Atlantis"}, {"format", "json"}}));
  EXPECT_EQ(r["statusCode"], 404);
  const json e = Body(r)["error"];
  EXPECT_EQ(e["message"], "no known city has that name");  // the list is in suggestions
  ASSERT_TRUE(e["suggestions"].is_array()) << e.dump();
  ASSERT_EQ(e["suggestions"].size(), 2u);
  const json& first = e["suggestions"][0];
  EXPECT_EQ(first["name"], "Atlanta");
  EXPECT_EQ(first["admin"], "Georgia");
  EXPECT_EQ(first["country"], "United States");
  EXPECT_EQ(first["country_code"], "US");
  EXPECT_DOUBLE_EQ(first["latitude"].get<double>(), 33.749);
  EXPECT_DOUBLE_EQ(first["longitude"].get<double>(), -84.38798);
  EXPECT_EQ(first["display_name"], "Atlanta, Georgia, United States");
  EXPECT_EQ(first["query"], "Atlanta, Georgia, US");
  EXPECT_FALSE(e["suggestions"][1].contains("admin"));  // no division known: no key
  EXPECT_EQ(e["suggestions"][1]["query"], "Atlantic City, US");

  // The server-rendered page links each one to the same page for it.
  const std::string html = Invoke(HttpApiEvent({{"city", "Atlantis"}}))["body"];
  EXPECT_NE(html.find("<a href=\"?city=Atlanta%2C%20Georgia%2C%20US\">Atlanta, Georgia, United "
                      "States</a>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"?city=Atlantic%20City%2C%20US\">"), std::string::npos) << html;
  EXPECT_EQ(html.find("did you mean: Atlanta"), std::string::npos) << html;
}

TEST_F(HandlerTest, OtherErrorsCarryNoSuggestions) {
  geocoder_.set_suggestions({Atlanta()});
  geocoder_.Fail(Status::Unavailable("geocoder answered 500"));
  const json e = Body(Invoke(HttpApiEvent({{"city", "Atlantis"}, {"format", "json"}})))["error"];
  EXPECT_FALSE(e.contains("suggestions")) << e.dump();
  // NotFound without suggestions keeps its message whole and has no key either.
  geocoder_.set_suggestions({});
  geocoder_.Fail(Status::NotFound("no known city has that name"));
  const json nf = Body(Invoke(HttpApiEvent({{"city", "Zzyzzx"}, {"format", "json"}})))["error"];
  EXPECT_FALSE(nf.contains("suggestions"));
  EXPECT_EQ(nf["message"], "no known city has that name");
}

TEST_F(HandlerTest, ShowsWhatTheModelUsedAndFoldsTheRest) {
  weather_.Set({{"precipitation", 12.5, "mm"},
                {"temp_max", 14.0, "degC"},
                {"temp_min", 9.0, "degC"},
                {"wind", 18.0, "km/h"},
                {"cloud_cover", 80.0, "%"},
                {"pressure_msl", 1012.0, "hPa"}});
  const json b = Body(Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}})));
  std::set<std::string> features;
  for (const json& f : b["features"]) features.insert(f["name"].get<std::string>());
  ASSERT_FALSE(features.empty());
  for (const json& q : b["observation"]["quantities"]) {
    EXPECT_EQ(q["used_by_model"].get<bool>(), features.count(q["name"].get<std::string>()) == 1)
        << q.dump();
  }
  const std::string html = Invoke(HttpApiEvent({{"city", "Lima"}}))["body"];
  const size_t details = html.find(
      "<details><summary>Other current conditions (2, not used by "
      "the model)</summary>");
  ASSERT_NE(details, std::string::npos) << html;
  EXPECT_GT(html.find("<td>cloud_cover</td><td>80</td><td>%</td>"), details);
  EXPECT_GT(html.find("<td>pressure_msl</td><td>1012</td><td>hPa</td>"), details);
  EXPECT_LT(html.find("<td>temp_max</td><td>14</td><td>degC</td>"), details);  // a feature
  EXPECT_NE(html.find("What the model used"), std::string::npos);
}

TEST_F(HandlerTest, MissingFeatureIsNamed) {
  weather_.Set({{"precipitation", 1.0, "mm"}, {"temp_max", 14.0, "degC"}, {"wind", 3.0, "m/s"}});
  const json r = Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  EXPECT_EQ(r["statusCode"], 500);
  EXPECT_NE(Body(r)["error"]["message"].get<std::string>().find("temp_min"), std::string::npos)
      << r.dump();
}

TEST_F(HandlerTest, UpstreamCallsEndTheAnswerMarginBeforeTheDeadline) {
  // 10 s left: a tenth is over the cap, so the margin is kMaxAnswerMargin.
  const json ok = Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  ASSERT_EQ(ok["statusCode"], 200) << ok.dump();
  ASSERT_EQ(geocoder_.deadlines().size(), 1u);
  ASSERT_EQ(weather_.deadlines().size(), 1u);
  EXPECT_EQ(geocoder_.deadlines()[0], context_.deadline.at() - kMaxAnswerMargin);
  EXPECT_EQ(weather_.deadlines()[0], context_.deadline.at() - kMaxAnswerMargin);
  const auto records = sink_.deadlines();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_LE(records[0], context_.deadline.at() - kMaxAnswerMargin);

  // 2 s left: a tenth of it.
  context_.deadline = clock_.Now() + std::chrono::seconds(2);
  Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  ASSERT_EQ(weather_.deadlines().size(), 2u);
  EXPECT_EQ(geocoder_.deadlines()[1], context_.deadline.at() - std::chrono::milliseconds(200));
  EXPECT_EQ(weather_.deadlines()[1], context_.deadline.at() - std::chrono::milliseconds(200));

  // 300 ms left: never less than kMinAnswerMargin.
  context_.deadline = clock_.Now() + std::chrono::milliseconds(300);
  Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  ASSERT_EQ(weather_.deadlines().size(), 3u);
  EXPECT_EQ(weather_.deadlines()[2], context_.deadline.at() - kMinAnswerMargin);

  // An unknown city's suggestions are asked for with the same earlier deadline.
  context_.deadline = clock_.Now() + std::chrono::seconds(10);
  geocoder_.Fail(Status::NotFound("no such place"));
  const json nf = Invoke(HttpApiEvent({{"city", "Nowhere"}, {"format", "json"}}));
  EXPECT_EQ(nf["statusCode"], 404);
  const auto seen = geocoder_.deadlines();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[3], context_.deadline.at() - kMaxAnswerMargin);
  EXPECT_EQ(seen[4], context_.deadline.at() - kMaxAnswerMargin);
}

TEST_F(HandlerTest, OnlyTheAnswerMarginLeftIs504WithoutCallingTheWeather) {
  context_.deadline = clock_.Now() + kMinAnswerMargin - std::chrono::milliseconds(1);
  const json r = Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  EXPECT_EQ(r["statusCode"], 504) << r.dump();
  EXPECT_TRUE(weather_.deadlines().empty());
}

TEST_F(HandlerTest, NoTimeLeftIs504) {
  context_.deadline = clock_.Now() - std::chrono::milliseconds(1);
  weather_.Fail(Status::Ok());
  const json r = Invoke(HttpApiEvent({{"city", "Lima"}, {"format", "json"}}));
  EXPECT_EQ(r["statusCode"], 504);
}

// Choosing the model by place and saying how good the answer is there.
class PlaceModelsTest : public HandlerTest {
 protected:
  PlaceModelsTest() {
    seattle_json_ = testing::Home("Seattle", 47.6062, -122.3321);
    seattle_json_["from"] = "2012-01-01";
    seattle_json_["to"] = "2015-12-31";
    catalog_ = ModelCatalog({testing::WithHome(DefaultModel(), "seattle", seattle_json_),
                             testing::WithHome(DefaultModel(), "new-york",
                                               testing::Home("New York", 40.7128, -74.0060))});
  }
  void At(double lat, double lon) {
    geocoder_.set_latitude(lat);
    geocoder_.set_longitude(lon);
  }
  json AskJson(const std::string& city) {
    return Invoke(HttpApiEvent({{"city", city}, {"format", "json"}}));
  }
  json seattle_json_;
};

TEST_F(PlaceModelsTest, NearAHomeTheModelAppliesAndSaysItsSkill) {
  At(47.2529, -122.4443);  // Tacoma
  const json r = AskJson("Tacoma");
  ASSERT_EQ(r["statusCode"], 200) << r.dump();
  const json b = Body(r);
  const forest::ModelInfo& info = DefaultModel().info();
  EXPECT_EQ(b["model"]["name"], "seattle");
  EXPECT_EQ(b["model"]["version"], info.version);
  EXPECT_EQ(b["model"]["home"]["name"], "Seattle");
  EXPECT_DOUBLE_EQ(b["model"]["home"]["latitude"].get<double>(), 47.6062);
  EXPECT_DOUBLE_EQ(b["model"]["home"]["longitude"].get<double>(), -122.3321);
  EXPECT_EQ(b["model"]["home"]["to"], "2015-12-31");
  EXPECT_NEAR(b["model"]["distance_km"].get<double>(), 40.0, 3.0);
  EXPECT_EQ(b["model"]["applies"], true);
  ASSERT_TRUE(info.skill.has_value()) << "the default model's card has a held-out evaluation";
  EXPECT_DOUBLE_EQ(b["model"]["skill"]["roc_auc"].get<double>(), info.skill->roc_auc);
  EXPECT_DOUBLE_EQ(b["model"]["skill"]["brier_skill_score"].get<double>(),
                   info.skill->brier_skill_score);
  EXPECT_EQ(b["model"]["skill"]["evaluated_on"], "held-out");
  EXPECT_EQ(b["model"]["skill_here"], "measured");
  EXPECT_NE(b["model"]["summary"].get<std::string>().find("Trained for Seattle, 40 km away"),
            std::string::npos)
      << b["model"]["summary"];
  EXPECT_NE(b["model"]["summary"].get<std::string>().find("on its own held-out period"),
            std::string::npos)
      << b["model"]["summary"];
  // Climatology for the observation's month (November) from the model's training history.
  ASSERT_TRUE(info.monthly_climatology.has_value());
  EXPECT_DOUBLE_EQ(b["baselines"]["climatology"].get<double>(), (*info.monthly_climatology)[10]);
  EXPECT_DOUBLE_EQ(b["baselines"]["forecast_probability"].get<double>(), 0.7);
  EXPECT_EQ(b["baselines"]["forecast_source"], "fake");
  EXPECT_EQ(b["probability"], b["prediction"]["probability"]);
  EXPECT_EQ(b["prediction"]["method"], "model");
}

TEST_F(PlaceModelsTest, FarAwayTheNearestAnswersAndSaysItsSkillIsUnknown) {
  At(-33.9249, 18.4241);  // Cape Town
  const json b = Body(AskJson("Cape Town"));
  EXPECT_EQ(b["model"]["name"], "new-york");
  EXPECT_EQ(b["model"]["applies"], false);
  EXPECT_NEAR(b["model"]["distance_km"].get<double>(), 12550.0, 100.0);
  EXPECT_EQ(b["model"]["skill_here"], "unknown");
  EXPECT_TRUE(b["model"]["skill"].is_object());  // what it scored at home, still reported
  EXPECT_TRUE(b["baselines"]["climatology"].is_null());
  EXPECT_EQ(b["prediction"]["method"], "model");
  const std::string summary = b["model"]["summary"];
  EXPECT_NE(summary.find("Trained for New York"), std::string::npos) << summary;
  EXPECT_NE(summary.find("km away"), std::string::npos) << summary;
  EXPECT_NE(summary.find("its skill here is unknown"), std::string::npos) << summary;
}

TEST_F(PlaceModelsTest, ClimatologyPolicyAnswersWithTheNearestModelsMonthlyRate) {
  services_.settings.outside = OutsidePolicy::kClimatology;
  At(-33.9249, 18.4241);
  const json b = Body(AskJson("Cape Town"));
  EXPECT_EQ(b["prediction"]["method"], "climatology");
  EXPECT_DOUBLE_EQ(b["prediction"]["probability"].get<double>(),
                   (*DefaultModel().info().monthly_climatology)[10]);
  EXPECT_TRUE(b["features"].empty());
  EXPECT_EQ(b["model"]["applies"], false);
  EXPECT_NE(b["model"]["summary"].get<std::string>().find("climatology"), std::string::npos);
  // Where a model applies, the policy changes nothing.
  At(47.2529, -122.4443);
  EXPECT_EQ(Body(AskJson("Tacoma"))["prediction"]["method"], "model");
}

TEST_F(PlaceModelsTest, RefusePolicyAnswers422NamingTheNearestModel) {
  services_.settings.outside = OutsidePolicy::kRefuse;
  At(-33.9249, 18.4241);
  const json r = AskJson("Cape Town");
  ASSERT_EQ(r["statusCode"], 422) << r.dump();
  const std::string message = Body(r)["error"]["message"];
  EXPECT_NE(message.find("no model applies"), std::string::npos) << message;
  EXPECT_NE(message.find("New York"), std::string::npos) << message;
  EXPECT_NE(message.find("300 km"), std::string::npos) << message;
  EXPECT_TRUE(sink_.records().empty());  // refused before any weather or record
  const json html = Invoke(HttpApiEvent({{"city", "Cape Town"}}));
  EXPECT_EQ(html["statusCode"], 422);
  At(47.2529, -122.4443);
  EXPECT_EQ(AskJson("Tacoma")["statusCode"], 200);
}

TEST_F(PlaceModelsTest, HtmlSaysItInWordsAndDrawsTheThreeProbabilities) {
  At(-33.9249, 18.4241);
  weather_.set_tomorrow(std::nullopt);
  const std::string body = Invoke(HttpApiEvent({{"city", "Cape Town"}}))["body"];
  EXPECT_NE(body.find("Trained for New York"), std::string::npos);
  EXPECT_NE(body.find("its skill here is unknown"), std::string::npos);
  EXPECT_NE(body.find("This model"), std::string::npos);
  EXPECT_NE(body.find("Climatology here"), std::string::npos);
  EXPECT_NE(body.find("Forecast (fake)"), std::string::npos);
  EXPECT_NE(body.find("not known"), std::string::npos);  // no climatology here, no forecast
  EXPECT_NE(body.find("class=\"bar\""), std::string::npos);
}

TEST_F(PlaceModelsTest, AModelWithoutAHomeSaysSo) {
  catalog_ = ModelCatalog({testing::WithHome(DefaultModel(), "nowhere", nullptr)});
  const json b = Body(AskJson("Cape Town"));
  EXPECT_TRUE(b["model"]["home"].is_null());
  EXPECT_TRUE(b["model"]["distance_km"].is_null());
  EXPECT_EQ(b["model"]["applies"], false);
  EXPECT_NE(b["model"]["summary"].get<std::string>().find("does not say where"), std::string::npos);
}

}  // namespace
}  // namespace raincheck::app
