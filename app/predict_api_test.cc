#include "app/predict_api.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/handler.h"
#include "app/test_support.h"
#include "base/file.h"
#include "base/strings.h"
#include "forest/model.h"
#include "forest/test_models.h"

namespace raincheck::app {
namespace {

using nlohmann::json;

const std::string kSamples = RAINCHECK_SOURCE_DIR "/data/events/aws-samples/";

const forest::Model& DefaultModel() {
  static const forest::Model model = [] {
    auto m = forest::Model::Load(RAINCHECK_DEFAULT_MODEL_PATH);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return std::move(m).value();
  }();
  return model;
}

// Three rows of the default model's features (precipitation, temp_max, temp_min, wind,
// season_cos, season_sin), as rows and as columns/data.
const std::vector<std::vector<float>> kRows = {{0.0f, 12.5f, 4.0f, 3.2f, 0.9f, 0.1f},
                                               {8.4f, 9.0f, 6.5f, 7.7f, -0.4f, 0.9f},
                                               {22.0f, 15.0f, 11.0f, 1.5f, 0.0f, -1.0f}};

std::vector<std::string> FeatureNames() {
  std::vector<std::string> names;
  for (const auto& f : DefaultModel().schema().features()) names.push_back(f.name);
  return names;
}

json RowsBody(const std::vector<std::vector<float>>& rows) {
  const std::vector<std::string> names = FeatureNames();
  json out = json::array();
  for (const auto& row : rows) {
    json r = json::object();
    for (size_t i = 0; i < names.size(); ++i) r[names[i]] = row[i];
    out.push_back(r);
  }
  return {{"rows", out}};
}

json DataBody(const std::vector<std::vector<float>>& rows) {
  return {{"columns", FeatureNames()}, {"data", rows}};
}

class PredictApiTest : public ::testing::Test {
 protected:
  PredictApiTest()
      : logger_(base::LogLevel::kDebug, [this](std::string_view l) { log_.emplace_back(l); }) {
    context_.request_id = "req-7";
  }

  lambda::HttpResponse Post(const std::string& body, const ModelCatalog* models = nullptr,
                            const std::string& content_type = "application/json") {
    lambda::HttpRequest request;
    request.method = "POST";
    request.path = "/predict";
    if (!content_type.empty()) request.headers["content-type"] = content_type;
    request.body = body;
    return HandlePredict(request, context_, models ? *models : catalog_, limits_, logger_);
  }
  // The error message of a response that must have `status`.
  std::string ErrorOf(const lambda::HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    const json body = json::parse(r.body);
    EXPECT_EQ(body["error"]["status"], status);
    EXPECT_EQ(body["error"]["request_id"], "req-7");
    return body["error"]["message"];
  }
  std::string BadRequest(const std::string& body) { return ErrorOf(Post(body), 400); }

  std::vector<std::string> log_;
  base::Logger logger_;
  ModelCatalog catalog_{std::vector<forest::Model>{DefaultModel()}};
  PredictLimits limits_;
  lambda::InvocationContext context_;
};

TEST_F(PredictApiTest, RowsArePredictedAsTheModelPredictsThem) {
  const lambda::HttpResponse r = Post(RowsBody(kRows).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
  const json body = json::parse(r.body);
  ASSERT_EQ(body["predictions"].size(), kRows.size());
  for (size_t i = 0; i < kRows.size(); ++i) {
    const double p = DefaultModel().PredictProba(kRows[i]);
    const json& got = body["predictions"][i];
    EXPECT_EQ(got["probability"].get<double>(), p) << i;  // exact: shortest round-trip text
    EXPECT_EQ(got["class"], p > 0.5 ? 1 : 0);
    EXPECT_EQ(got["label"], DefaultModel().class_labels()[p > 0.5 ? 1 : 0]);
  }
  EXPECT_EQ(body["request_id"], "req-7");
}

TEST_F(PredictApiTest, ColumnsAndDataGiveTheSameAnswerAsRows) {
  const json rows = json::parse(Post(RowsBody(kRows).dump()).body);
  const lambda::HttpResponse r = Post(DataBody(kRows).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["predictions"], rows["predictions"]);
  // Columns in another order, data in that order.
  json shuffled = {{"columns", json::array()}, {"data", json::array()}};
  const std::vector<std::string> names = FeatureNames();
  for (size_t i = names.size(); i-- > 0;) shuffled["columns"].push_back(names[i]);
  for (const auto& row : kRows)
    shuffled["data"].push_back(std::vector<float>(row.rbegin(), row.rend()));
  EXPECT_EQ(json::parse(Post(shuffled.dump()).body)["predictions"], rows["predictions"]);
  // Data before its columns.
  const std::string data_first =
      "{\"data\":" + json(kRows).dump() + ",\"columns\":" + json(names).dump() + "}";
  EXPECT_EQ(json::parse(Post(data_first).body)["predictions"], rows["predictions"]);
}

TEST_F(PredictApiTest, TheAnswerDescribesTheModel) {
  const json model = json::parse(Post(RowsBody(kRows).dump()).body)["model"];
  EXPECT_EQ(model["name"], DefaultModel().name());
  EXPECT_EQ(model["version"], DefaultModel().version());
  EXPECT_EQ(model["kind"], "classifier");
  EXPECT_EQ(model["trees"], DefaultModel().n_trees());
  ASSERT_EQ(model["features"].size(), DefaultModel().schema().size());
  EXPECT_EQ(model["features"][1]["name"], DefaultModel().schema()[1].name);
  EXPECT_EQ(model["features"][1]["unit"], DefaultModel().schema()[1].unit);
  EXPECT_EQ(model["classes"], json(DefaultModel().class_labels()));
}

// Boosted trees on "x": one stump whose leaves hold margins -1.5 (x <= 0.5) and 2.5, base 0.25.
forest::Model Boosted(forest::Combination::Link link) {
  forest::TreeArrays t = forest::testing::StumpTree(false);
  t.leaf_value = {-1.5f, 2.5f};
  forest::ModelBuilder b;
  b.SetSchema(forest::FeatureSchema(std::vector<forest::Feature>{{"x", "1"}}))
      .SetCard({{"name", "boosted"}})
      .SetCombination({forest::Combination::Aggregation::kSum, link, false, 0.25});
  if (link == forest::Combination::Link::kLogistic) b.SetClassLabels({"no", "yes"});
  b.AddTree(t);
  auto m = b.Build();
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

TEST_F(PredictApiTest, RegressionAnswersValues) {
  ModelCatalog regression({Boosted(forest::Combination::Link::kIdentity)});
  const lambda::HttpResponse r = Post(R"({"rows": [{"x": 0}, {"x": 1}]})", &regression);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["model"]["kind"], "regression");
  EXPECT_EQ(body["model"]["ensemble"], "boosted_trees");
  EXPECT_EQ(body["predictions"], json::parse(R"([{"value": -1.25}, {"value": 2.75}])"));
}

TEST_F(PredictApiTest, BoostedClassifiersAnswerTheirMarginToo) {
  ModelCatalog boosted({Boosted(forest::Combination::Link::kLogistic)});
  const lambda::HttpResponse r = Post(R"({"rows": [{"x": 0}, {"x": 1}]})", &boosted);
  ASSERT_EQ(r.status, 200) << r.body;
  const json p = json::parse(r.body)["predictions"];
  EXPECT_EQ(p[0]["margin"].get<double>(), -1.25);
  EXPECT_EQ(p[1]["margin"].get<double>(), 2.75);
  EXPECT_NEAR(p[1]["probability"].get<double>(), 1 / (1 + std::exp(-2.75)), 1e-12);
  EXPECT_EQ(p[1]["label"], "yes");
  EXPECT_EQ(p[0]["class"], 0);
  // A random forest has no margin apart from its probability.
  EXPECT_FALSE(
      json::parse(Post(RowsBody({kRows[0]}).dump()).body)["predictions"][0].contains("margin"));
}

TEST_F(PredictApiTest, NullIsAMissingValue) {
  json body = RowsBody({kRows[0]});
  body["rows"][0]["temp_max"] = nullptr;
  const lambda::HttpResponse r = Post(body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<float> row = kRows[0];
  row[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(json::parse(r.body)["predictions"][0]["probability"].get<double>(),
            DefaultModel().PredictProba(row));
  json data = DataBody({kRows[0]});
  data["data"][0][1] = nullptr;
  EXPECT_EQ(json::parse(Post(data.dump()).body)["predictions"][0]["probability"].get<double>(),
            DefaultModel().PredictProba(row));
}

TEST_F(PredictApiTest, NoRowsIsAnEmptyAnswer) {
  const lambda::HttpResponse r = Post(R"({"rows": []})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["predictions"], json::array());
}

TEST_F(PredictApiTest, AnUnknownFeatureIsNamed) {
  json body = RowsBody(kRows);
  body["rows"][2]["humidity"] = 80;
  const std::string m = BadRequest(body.dump());
  EXPECT_NE(m.find("rows[2].humidity: unknown feature"), std::string::npos) << m;
  EXPECT_NE(m.find("temp_max"), std::string::npos) << m;  // the features it has
}

TEST_F(PredictApiTest, AMissingFeatureIsNamed) {
  json body = RowsBody(kRows);
  body["rows"][1].erase("wind");
  const std::string m = BadRequest(body.dump());
  EXPECT_NE(m.find("rows[1].wind: missing"), std::string::npos) << m;
  EXPECT_NE(m.find("null"), std::string::npos) << m;  // says how to give a missing value
}

TEST_F(PredictApiTest, AValueOfTheWrongTypeIsNamed) {
  for (const json& bad : {json("12.5"), json(true), json::object(), json::array({1})}) {
    json body = RowsBody(kRows);
    body["rows"][1]["temp_max"] = bad;
    EXPECT_EQ(BadRequest(body.dump()), "rows[1].temp_max: not a number") << bad;
  }
  json data = DataBody(kRows);
  data["data"][2][3] = "fast";
  EXPECT_EQ(BadRequest(data.dump()), "data[2][3] (wind): not a number");
}

TEST_F(PredictApiTest, NumbersNoFloatCanHoldAreRefused) {
  // 1e999 and a 400-digit integer are valid JSON no double holds; 1e39 no float holds.
  for (const std::string& value :
       std::vector<std::string>{"1e999", "-1e999", std::string(400, '9'), "1e39"}) {
    std::string body = RowsBody({kRows[0]}).dump();
    const std::string from = "\"temp_max\":12.5";
    ASSERT_NE(body.find(from), std::string::npos) << body;
    body.replace(body.find(from), from.size(), "\"temp_max\":" + value);
    const std::string m = BadRequest(body);
    EXPECT_EQ(m, "rows[0].temp_max: not a finite number a float can hold") << value;
  }
  const std::string data =
      "{\"columns\":" + json(FeatureNames()).dump() + ",\"data\":[[1e999,1,1,1,1,1]]}";
  EXPECT_EQ(BadRequest(data), "data[0][0] (precipitation): not a finite number a float can hold");
}

TEST_F(PredictApiTest, NaNIsNotJson) {
  EXPECT_NE(BadRequest(R"({"rows":[{"precipitation": NaN}]})").find("body: not valid JSON"),
            std::string::npos);
}

TEST_F(PredictApiTest, AFeatureGivenTwiceIsRefused) {
  std::string body = RowsBody({kRows[0]}).dump();
  body.insert(body.find('{', 1) + 1, "\"wind\":1,");
  EXPECT_EQ(BadRequest(body), "rows[0].wind: given twice");
}

TEST_F(PredictApiTest, TooManyRowsIsRefusedNamingTheLimit) {
  limits_.max_rows = 2;
  std::string m = BadRequest(RowsBody(kRows).dump());
  EXPECT_EQ(m, "rows: more than 2 rows; send at most that many per request");
  m = BadRequest(DataBody(kRows).dump());
  EXPECT_EQ(m, "data: more than 2 rows; send at most that many per request");
  limits_.max_rows = 3;
  EXPECT_EQ(Post(RowsBody(kRows).dump()).status, 200);
}

TEST_F(PredictApiTest, TheDefaultLimitIsTenThousandRows) {
  EXPECT_EQ(PredictLimits{}.max_rows, 10000u);
  std::vector<std::vector<float>> rows(10000, kRows[1]);
  const lambda::HttpResponse ok = Post(DataBody(rows).dump());
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["predictions"].size(), 10000u);
  EXPECT_LT(ok.body.size(), 6u * 1000 * 1000);  // the answer fits Lambda's response limit
  rows.push_back(kRows[0]);
  EXPECT_EQ(ErrorOf(Post(DataBody(rows).dump()), 400),
            "data: more than 10000 rows; send at most that many per request");
}

TEST_F(PredictApiTest, ABodyThatIsNotJsonOrNotAnObjectIsRefused) {
  EXPECT_NE(BadRequest("temp_max=12").find("body: not valid JSON (at byte "), std::string::npos);
  EXPECT_NE(BadRequest(R"({"rows": [)").find("body: not valid JSON"), std::string::npos);
  EXPECT_NE(BadRequest(R"({"rows": []} trailing)").find("body: not valid JSON"), std::string::npos);
  EXPECT_NE(BadRequest("[1, 2]").find("body: must be a JSON object"), std::string::npos);
  EXPECT_NE(BadRequest("").find("body: empty"), std::string::npos);
  EXPECT_NE(BadRequest("{\"rows\": [{\"a\xff\": 1}]}").find("body: not valid JSON"),
            std::string::npos);
}

TEST_F(PredictApiTest, TheWrongShapeIsNamed) {
  EXPECT_EQ(BadRequest(R"({"rows": {"wind": 1}})"), "rows: must be an array of objects");
  EXPECT_EQ(BadRequest(R"({"rows": [[1, 2]]})"),
            "rows[0]: must be an object {FEATURE: VALUE, ...}");
  EXPECT_NE(BadRequest(R"({})").find("rows: missing"), std::string::npos);
  EXPECT_NE(BadRequest(R"({"rows": [], "extra": 1})").find("'extra': unknown field"),
            std::string::npos);
  EXPECT_EQ(BadRequest(R"({"rows": [], "rows": []})"), "rows: given twice");
  EXPECT_EQ(BadRequest(R"({"rows": [], "data": []})"),
            "body: give rows, or columns and data, not both");
  EXPECT_EQ(BadRequest(R"({"data": [[1]]})"),
            "columns: missing; data needs the names of its columns");
  EXPECT_EQ(BadRequest(R"({"model": 3, "rows": []})"),
            "model: must be a string (a name from GET /models)");
}

TEST_F(PredictApiTest, ColumnsMustBeTheModelsFeatures) {
  json body = DataBody(kRows);
  body["columns"][4] = "humidity";
  EXPECT_NE(BadRequest(body.dump()).find("columns[4]: unknown feature 'humidity'"),
            std::string::npos);
  body = DataBody(kRows);
  body["columns"][4] = "wind";
  EXPECT_EQ(BadRequest(body.dump()), "columns[4]: 'wind' given twice");
  body = DataBody(kRows);
  body["columns"].erase(body["columns"].begin());
  for (auto& row : body["data"]) row.erase(row.begin());
  EXPECT_EQ(BadRequest(body.dump()), "columns: missing feature 'precipitation'");
  body = DataBody(kRows);
  body["data"][1].push_back(1.0);
  EXPECT_EQ(BadRequest(body.dump()), "data[1]: 7 values, but data[0] has 6");
  body = DataBody(kRows);
  for (auto& row : body["data"]) row.push_back(1.0);
  EXPECT_EQ(BadRequest(body.dump()), "data[0]: 7 values for 6 columns");
  EXPECT_EQ(BadRequest(R"({"columns": [1], "data": []})"), "columns[0]: must be a string");
}

TEST_F(PredictApiTest, LongOrOddNamesAreCutAndQuotedInMessages) {
  const std::string name(500, 'x');
  const std::string m = BadRequest("{\"rows\": [{\"" + name + "\": 1}]}");
  EXPECT_LT(m.size(), 300u) << m;
  EXPECT_NE(m.find("rows[0]['xxx"), std::string::npos) << m;
  EXPECT_NE(BadRequest(R"({"rows": [{"a.b": 1}]})").find("rows[0]['a.b']: unknown feature"),
            std::string::npos);
}

TEST_F(PredictApiTest, ModelsAreChosenByName) {
  ModelCatalog two({testing::WithHome(DefaultModel(), "alpha", nullptr),
                    testing::WithHome(DefaultModel(), "beta", nullptr)});
  json body = RowsBody({kRows[0]});
  body["model"] = "beta";
  lambda::HttpResponse r = Post(body.dump(), &two);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["model"]["name"], "beta");
  // "model" may come last.
  std::string last = RowsBody({kRows[0]}).dump();
  last.insert(last.size() - 1, ",\"model\":\"alpha\"");
  r = Post(last, &two);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["model"]["name"], "alpha");
}

TEST_F(PredictApiTest, WithSeveralModelsOneMustBeNamed) {
  ModelCatalog two({testing::WithHome(DefaultModel(), "alpha", nullptr),
                    testing::WithHome(DefaultModel(), "beta", nullptr)});
  const std::string m = ErrorOf(Post(RowsBody({kRows[0]}).dump(), &two), 400);
  EXPECT_EQ(m, "model: missing; this function serves several models: alpha, beta");
}

TEST_F(PredictApiTest, AnUnknownModelIs404NamingTheModels) {
  json body = RowsBody({kRows[0]});
  body["model"] = "gamma";
  const std::string m = ErrorOf(Post(body.dump()), 404);
  EXPECT_EQ(m, "model: no model called 'gamma'; the models are " + DefaultModel().name());
}

TEST_F(PredictApiTest, OnlyPostIsAllowed) {
  for (const std::string method : {"GET", "PUT", "DELETE", "HEAD"}) {
    lambda::HttpRequest request;
    request.method = method;
    request.path = "/predict";
    const lambda::HttpResponse r = HandlePredict(request, context_, catalog_, limits_, logger_);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.Header("Allow"), "POST");
  }
}

TEST_F(PredictApiTest, ABodyThatIsNotJsonByItsTypeIs415) {
  EXPECT_EQ(
      ErrorOf(Post(RowsBody(kRows).dump(), nullptr, "application/x-www-form-urlencoded"), 415),
      "Content-Type: must be application/json");
  EXPECT_EQ(Post(RowsBody(kRows).dump(), nullptr, "application/json; charset=utf-8").status, 200);
  EXPECT_EQ(Post(RowsBody(kRows).dump(), nullptr, "Application/JSON").status, 200);
  EXPECT_EQ(Post(RowsBody(kRows).dump(), nullptr, "").status, 200);  // no Content-Type
}

TEST_F(PredictApiTest, ABodyOverTheLimitIs413) {
  limits_.max_body_bytes = 100;
  EXPECT_NE(ErrorOf(Post(RowsBody(kRows).dump()), 413).find("body: larger than 100 bytes"),
            std::string::npos);
}

TEST_F(PredictApiTest, NoRequestBodyIsLogged) {
  json body = RowsBody({kRows[0]});
  body["rows"][0]["precipitation"] = 123.456;
  Post(body.dump());
  json bad = body;
  bad["rows"][0]["secret_feature"] = 1;
  Post(bad.dump());
  ASSERT_FALSE(log_.empty());
  for (const std::string& line : log_) {
    EXPECT_EQ(line.find("123.456"), std::string::npos) << line;
    EXPECT_EQ(line.find("secret_feature"), std::string::npos) << line;
  }
}

TEST_F(PredictApiTest, ModelsListsEveryModel) {
  ModelCatalog two({testing::WithHome(DefaultModel(), "alpha", testing::Home("Alpha", 10, 20)),
                    testing::WithHome(DefaultModel(), "beta", nullptr)});
  lambda::HttpRequest request;
  request.method = "GET";
  request.path = "/models";
  lambda::HttpResponse r = HandleModels(request, context_, two, logger_);
  ASSERT_EQ(r.status, 200);
  const json body = json::parse(r.body);
  ASSERT_EQ(body["models"].size(), 2u);
  EXPECT_EQ(body["models"][0]["name"], "alpha");
  EXPECT_EQ(body["models"][0]["home"]["name"], "Alpha");
  EXPECT_FALSE(body["models"][1].contains("home"));
  EXPECT_EQ(body["models"][1]["features"].size(), DefaultModel().schema().size());
  EXPECT_TRUE(body["default"].is_null());
  r = HandleModels(request, context_, catalog_, logger_);
  EXPECT_EQ(json::parse(r.body)["default"], DefaultModel().name());

  request.method = "HEAD";
  r = HandleModels(request, context_, catalog_, logger_);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  request.method = "POST";
  r = HandleModels(request, context_, catalog_, logger_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
}

TEST(RouteTest, ByPathWithANamedStageSkipped) {
  lambda::HttpRequest r;
  r.path = "/predict";
  EXPECT_EQ(RouteFor(r), Route::kPredict);
  r.path = "/models";
  EXPECT_EQ(RouteFor(r), Route::kModels);
  for (const std::string other : {"/", "/forecast", "/predict/", "/predictx", "/models/x"}) {
    r.path = other;
    EXPECT_EQ(RouteFor(r), Route::kForecast) << other;
  }
  r.stage = "prod";
  r.path = "/prod/predict";
  EXPECT_EQ(RouteFor(r), Route::kPredict);
  r.version = lambda::PayloadVersion::kV1;  // a REST API's path never holds the stage
  EXPECT_EQ(RouteFor(r), Route::kForecast);
}

// Through HandleEvent, as Lambda calls the function: real published events, turned into
// POST /predict requests.
class PredictEventTest : public PredictApiTest {
 protected:
  PredictEventTest() {
    services_.clock = &clock_;
    services_.logger = &logger_;
    services_.geocoder = &geocoder_;
    services_.weather = &weather_;
    services_.models = &catalog_;
    context_.deadline = clock_.Now() + std::chrono::seconds(10);
  }

  static json Sample(const std::string& file) {
    auto text = base::ReadFile(kSamples + file);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return json::parse(text.ok() ? *text : "{}");
  }

  // The response of HandleEvent, with its body parsed.
  json Invoke(const json& event) {
    auto out = HandleEvent(event.dump(), context_, services_);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    json response = json::parse(out.ok() ? *out : "{}");
    std::string body = response.value("body", "");
    if (response.value("isBase64Encoded", false)) body = *base::Base64Decode(body);
    response["parsed"] = body.empty() ? json() : json::parse(body);
    return response;
  }

  void ExpectPredictions(const json& response) {
    ASSERT_EQ(response["statusCode"], 200) << response.dump();
    const json& predictions = response["parsed"]["predictions"];
    ASSERT_EQ(predictions.size(), kRows.size());
    for (size_t i = 0; i < kRows.size(); ++i) {
      EXPECT_EQ(predictions[i]["probability"].get<double>(), DefaultModel().PredictProba(kRows[i]));
    }
  }

  base::ManualClock clock_{base::FromUnixMillis(1'700'000'000'000)};
  testing::FakeGeocoder geocoder_;
  testing::FakeWeather weather_;
  Services services_;
};

TEST_F(PredictEventTest, RestApiPayload1) {
  json e = Sample("aws-lambda-go__events__testdata__apigw-request.json");
  e["path"] = "/predict";
  e["resource"] = "/predict";
  e["httpMethod"] = "POST";
  e["body"] = RowsBody(kRows).dump();
  const json r = Invoke(e);
  ExpectPredictions(r);
  EXPECT_EQ(r["headers"]["Content-Type"], "application/json; charset=utf-8");
  e["httpMethod"] = "GET";
  const json refused = Invoke(e);
  EXPECT_EQ(refused["statusCode"], 405);
  EXPECT_EQ(refused["headers"]["Allow"], "POST");
}

TEST_F(PredictEventTest, HttpApiPayload2) {
  json e = Sample("aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json");
  e["rawPath"] = "/predict";
  e["requestContext"]["http"]["method"] = "POST";
  e["requestContext"]["http"]["path"] = "/predict";
  e["headers"]["content-type"] = "application/json";
  e["body"] = DataBody(kRows).dump();
  e["isBase64Encoded"] = false;
  ExpectPredictions(Invoke(e));

  e["body"] = R"({"rows": [{"wind": "strong"}]})";
  const json bad = Invoke(e);
  EXPECT_EQ(bad["statusCode"], 400);
  EXPECT_EQ(bad["parsed"]["error"]["message"], "rows[0].wind: not a number");

  e["rawPath"] = "/models";
  e["requestContext"]["http"]["method"] = "GET";
  const json models = Invoke(e);
  EXPECT_EQ(models["statusCode"], 200);
  EXPECT_EQ(models["parsed"]["models"][0]["name"], DefaultModel().name());
}

TEST_F(PredictEventTest, FunctionUrlWithABase64Body) {
  json e = Sample(
      "aws-lambda-go__lambdaurl__testdata__function-url-domain-only-request-with-base64-encoded-"
      "body.json");
  ASSERT_EQ(e["isBase64Encoded"], true);
  e["rawPath"] = "/predict";
  e["requestContext"]["http"]["path"] = "/predict";
  e["headers"]["content-type"] = "application/json";
  const std::string body = RowsBody(kRows).dump();
  e["headers"]["content-length"] = std::to_string(body.size());
  e["body"] = base::Base64Encode(body);
  ExpectPredictions(Invoke(e));
  // The sample's own content type ("idk") is not JSON.
  e["headers"]["content-type"] = "idk";
  EXPECT_EQ(Invoke(e)["statusCode"], 415);
}

TEST_F(PredictEventTest, OtherPathsAreStillTheRainCheck) {
  const json r =
      Invoke(json::parse(testing::HttpApiEvent({{"city", "Cape Town"}, {"format", "json"}})));
  EXPECT_EQ(r["statusCode"], 200);
  EXPECT_TRUE(r["parsed"].contains("probability") || r["parsed"].contains("city")) << r.dump();
  EXPECT_FALSE(r["parsed"].contains("predictions"));
}

}  // namespace
}  // namespace raincheck::app
