// The IAM policy of the SAM template `raincheck package` writes, as CloudFormation would
// resolve it: the template is read as YAML (libyaml), the few intrinsic functions it uses (Ref,
// Fn::Sub, Fn::If, Fn::Select, Fn::Split and the condition functions) are evaluated for
// sample parameter values, parameters are checked against their AllowedPattern, and the
// resulting resource ARNs are matched with IAM's wildcards (`*`, `?`) against the ARNs AWS gives
// the objects the function reads. Then the records policy is attached to a moto_server IAM user
// and the store's retry path runs under it (docs/packaging.md, "IAM").
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "http/curl_client.h"
#include "packaging/template.h"
#include "store/directory_store.h"
#include "store/s3_store.h"
#include "store/spooling_store.h"
#include "tests/support/moto_server.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kRegion[] = "eu-west-1";
constexpr char kAccount[] = "123456789012";

// --- The template as data --------------------------------------------------------------------

// A YAML node as JSON; CloudFormation's short forms (!Sub X) become their long form
// ({"Fn::Sub": X}). Scalars stay strings.
json ToJson(yaml_document_t* doc, yaml_node_t* node, int depth = 0) {
  if (node == nullptr || depth > 64) return nullptr;
  json out;
  switch (node->type) {
    case YAML_SCALAR_NODE:
      out = std::string(reinterpret_cast<const char*>(node->data.scalar.value),
                        node->data.scalar.length);
      break;
    case YAML_SEQUENCE_NODE:
      out = json::array();
      for (yaml_node_item_t* i = node->data.sequence.items.start; i < node->data.sequence.items.top;
           ++i) {
        out.push_back(ToJson(doc, yaml_document_get_node(doc, *i), depth + 1));
      }
      break;
    case YAML_MAPPING_NODE:
      out = json::object();
      for (yaml_node_pair_t* p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
           ++p) {
        const json key = ToJson(doc, yaml_document_get_node(doc, p->key), depth + 1);
        out[key.get<std::string>()] = ToJson(doc, yaml_document_get_node(doc, p->value), depth + 1);
      }
      break;
    default:
      return nullptr;
  }
  const std::string tag = node->tag != nullptr ? reinterpret_cast<const char*>(node->tag) : "";
  if (tag.size() > 1 && tag[0] == '!' && tag[1] != '!') {
    const std::string name = tag.substr(1);
    return json{{name == "Ref" || name == "Condition" ? name : "Fn::" + name, out}};
  }
  return out;
}

json ParseYaml(const std::string& text) {
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  json out;
  if (yaml_parser_load(&parser, &doc)) {
    out = ToJson(&doc, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
  } else {
    ADD_FAILURE() << "the template is not YAML: " << (parser.problem ? parser.problem : "?")
                  << " at line " << parser.problem_mark.line + 1;
  }
  yaml_parser_delete(&parser);
  return out;
}

// What CloudFormation makes of the template for one set of parameter values.
class Stack {
 public:
  Stack(std::string text, std::map<std::string, std::string> overrides)
      : template_(ParseYaml(text)) {
    for (const auto& [name, def] : template_["Parameters"].items()) {
      params_[name] = overrides.count(name) ? overrides[name] : def.value("Default", "");
    }
    for (const auto& [name, value] : overrides) {
      if (!params_.count(name)) ADD_FAILURE() << "the template has no parameter " << name;
    }
  }

  // The parameters that fail their AllowedPattern (CloudFormation refuses the stack).
  std::vector<std::string> Refused() const {
    std::vector<std::string> out;
    for (const auto& [name, def] : template_["Parameters"].items()) {
      if (!def.contains("AllowedPattern")) continue;
      // CloudFormation's patterns are Java regexes matching the whole value; these use only
      // what ECMAScript reads the same way.
      const std::regex pattern(def["AllowedPattern"].get<std::string>());
      if (!std::regex_match(params_.at(name), pattern)) out.push_back(name);
    }
    return out;
  }

  // The function's Policies with every intrinsic function resolved and AWS::NoValue dropped.
  json Policies() { return Eval(Function()["Properties"]["Policies"]); }
  json Environment() { return Eval(Function()["Properties"]["Environment"]["Variables"]); }

  // Every statement of every policy, with Action and Resource as lists.
  std::vector<json> Statements() {
    std::vector<json> out;
    for (const json& policy : Policies()) {
      for (json s : policy["Statement"]) {
        for (const char* key : {"Action", "Resource"}) {
          if (!s[key].is_array()) s[key] = json::array({s[key]});
        }
        out.push_back(s);
      }
    }
    return out;
  }

 private:
  const json& Function() const { return template_["Resources"]["RaincheckFunction"]; }

  static bool IsNoValue(const json& v) { return v.is_object() && v.contains("NoValue"); }

  json Ref(const std::string& name) const {
    if (name == "AWS::NoValue") return json{{"NoValue", true}};
    if (name == "AWS::Partition") return "aws";
    if (name == "AWS::Region") return kRegion;
    if (name == "AWS::AccountId") return kAccount;
    if (params_.count(name)) return params_.at(name);
    ADD_FAILURE() << "!Ref " << name << " is not a parameter";
    return "";
  }

  json Sub(const std::string& pattern) const {
    std::string out;
    for (size_t i = 0; i < pattern.size();) {
      if (pattern.compare(i, 2, "${") != 0) {
        out += pattern[i++];
        continue;
      }
      const size_t end = pattern.find('}', i);
      if (end == std::string::npos) {
        ADD_FAILURE() << "unterminated ${ in " << pattern;
        return out;
      }
      out += Ref(pattern.substr(i + 2, end - i - 2)).get<std::string>();
      i = end + 1;
    }
    return out;
  }

  bool Condition(const json& c) {
    EXPECT_TRUE(c.is_object() && c.size() == 1) << c;
    const std::string fn = c.begin().key();
    const json& arg = c.begin().value();
    if (fn == "Condition") return Condition(template_["Conditions"][arg.get<std::string>()]);
    if (fn == "Fn::Equals") return Eval(arg[0]) == Eval(arg[1]);
    if (fn == "Fn::Not") return !Condition(arg[0]);
    if (fn == "Fn::And" || fn == "Fn::Or") {
      bool all = true, any = false;
      for (const json& item : arg) {
        const bool v = Condition(item);
        all = all && v;
        any = any || v;
      }
      return fn == "Fn::And" ? all : any;
    }
    ADD_FAILURE() << "condition function " << fn << " is not evaluated here";
    return false;
  }

  json Eval(const json& node) {
    if (node.is_array()) {
      json out = json::array();
      for (const json& item : node) {
        json v = Eval(item);
        if (!IsNoValue(v)) out.push_back(std::move(v));
      }
      return out;
    }
    if (!node.is_object()) return node;
    if (node.size() == 1) {
      const std::string fn = node.begin().key();
      const json& arg = node.begin().value();
      if (fn == "Ref") return Ref(arg.get<std::string>());
      if (fn == "Fn::Sub") return Sub(arg.get<std::string>());
      if (fn == "Fn::If") {
        return Eval(Condition(template_["Conditions"][arg[0].get<std::string>()]) ? arg[1]
                                                                                  : arg[2]);
      }
      if (fn == "Fn::Select") {
        const json list = Eval(arg[1]);
        const size_t i = std::stoul(Eval(arg[0]).get<std::string>());
        EXPECT_LT(i, list.size()) << node;
        return i < list.size() ? list[i] : json("");
      }
      if (fn == "Fn::Split") {
        // CloudFormation keeps empty parts: "/a/b" split on "/" is ["", "a", "b"].
        const std::string sep = arg[0].get<std::string>();
        const std::string text = Eval(arg[1]).get<std::string>();
        json out = json::array();
        size_t start = 0;
        for (size_t p; (p = text.find(sep, start)) != std::string::npos; start = p + sep.size()) {
          out.push_back(text.substr(start, p - start));
        }
        out.push_back(text.substr(start));
        return out;
      }
      if (fn.rfind("Fn::", 0) == 0) {
        ADD_FAILURE() << fn << " is not evaluated here";
        return nullptr;
      }
    }
    json out = json::object();
    for (const auto& [k, v] : node.items()) {
      json r = Eval(v);
      if (!IsNoValue(r)) out[k] = std::move(r);
    }
    return out;
  }

  json template_;
  std::map<std::string, std::string> params_;
};

// IAM's resource matching: `*` any run of characters, `?` exactly one.
bool IamMatches(std::string_view pattern, std::string_view arn) {
  if (pattern.empty()) return arn.empty();
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= arn.size(); ++i) {
      if (IamMatches(pattern.substr(1), arn.substr(i))) return true;
    }
    return false;
  }
  if (arn.empty()) return false;
  return (pattern[0] == '?' || pattern[0] == arn[0]) &&
         IamMatches(pattern.substr(1), arn.substr(1));
}

// Whether one of the statements allows `action` on `arn`.
bool Allows(const std::vector<json>& statements, const std::string& action,
            const std::string& arn) {
  for (const json& s : statements) {
    if (s["Effect"] != "Allow") continue;
    bool action_ok = false;
    for (const json& a : s["Action"])
      action_ok = action_ok || IamMatches(a.get<std::string>(), action);
    if (!action_ok) continue;
    for (const json& r : s["Resource"]) {
      if (IamMatches(r.get<std::string>(), arn)) return true;
    }
  }
  return false;
}

std::set<std::string> Actions(const std::vector<json>& statements) {
  std::set<std::string> out;
  for (const json& s : statements) {
    for (const json& a : s["Action"]) out.insert(a.get<std::string>());
  }
  return out;
}

Stack MakeStack(std::map<std::string, std::string> params) {
  return Stack(packaging::SamTemplate({}), std::move(params));
}

// --- Keys: SSM Parameter Store and Secrets Manager -------------------------------------------

TEST(TemplatePolicyTest, NoBucketNoKeyNoPermission) {
  Stack stack = MakeStack({});
  EXPECT_TRUE(stack.Refused().empty());
  EXPECT_EQ(stack.Policies(), json::array());
  EXPECT_EQ(stack.Environment()["RAINCHECK_RECORDS"], "off");
}

// The parameter's ARN as AWS gives it: "parameter/" then the name without its leading '/'.
TEST(TemplatePolicyTest, SsmParameterResourceForEachFormOfTheName) {
  const std::string base = "arn:aws:ssm:eu-west-1:123456789012:parameter/";
  struct Case {
    std::string given;
    std::string resource;
  };
  for (const Case& c : std::vector<Case>{
           {"raincheck-locationiq", base + "raincheck-locationiq"},
           {"/raincheck/locationiq-key", base + "raincheck/locationiq-key"},
           {"/locationiq", base + "locationiq"},
           {"arn:aws:ssm:eu-west-1:210987654321:parameter/shared/locationiq",
            "arn:aws:ssm:eu-west-1:210987654321:parameter/shared/locationiq"},
       }) {
    SCOPED_TRACE(c.given);
    Stack stack = MakeStack({{"LocationIqKeySsmParameter", c.given}});
    EXPECT_TRUE(stack.Refused().empty());
    const std::vector<json> statements = stack.Statements();
    ASSERT_EQ(statements.size(), 1u);
    EXPECT_EQ(statements[0]["Action"], json::array({"ssm:GetParameter"}));
    EXPECT_EQ(statements[0]["Resource"], json::array({c.resource}));
    EXPECT_TRUE(Allows(statements, "ssm:GetParameter", c.resource));
    // Only that parameter: not its children, not its siblings.
    EXPECT_FALSE(Allows(statements, "ssm:GetParameter", c.resource + "/child"));
    EXPECT_FALSE(Allows(statements, "ssm:GetParameter", c.resource + "2"));
    EXPECT_FALSE(Allows(statements, "ssm:GetParameters", c.resource));
    // The function asks the extension for the name (or ARN) as given.
    EXPECT_EQ(stack.Environment()["LOCATIONIQ_KEY_SSM_PARAMETER"], c.given);
  }
}

// Secrets Manager's ARN is the name, '-' and 6 random characters: `-??????` and no wider.
TEST(TemplatePolicyTest, SecretResourceIsTheNameAndSixCharactersOrTheArnAsGiven) {
  const std::string base = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";
  Stack named = MakeStack({{"DarkSkyKeySecretId", "raincheck/darksky"}});
  EXPECT_TRUE(named.Refused().empty());
  std::vector<json> statements = named.Statements();
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0]["Action"], json::array({"secretsmanager:GetSecretValue"}));
  EXPECT_EQ(statements[0]["Resource"], json::array({base + "raincheck/darksky-??????"}));
  EXPECT_TRUE(
      Allows(statements, "secretsmanager:GetSecretValue", base + "raincheck/darksky-Ab3dEf"));
  // Another secret whose name starts the same is not the key ('*' would have allowed these).
  EXPECT_FALSE(
      Allows(statements, "secretsmanager:GetSecretValue", base + "raincheck/darksky-old-Ab3dEf"));
  EXPECT_FALSE(
      Allows(statements, "secretsmanager:GetSecretValue", base + "raincheck/darksky2-Ab3dEf"));
  EXPECT_EQ(named.Environment()["DARKSKY_KEY_SECRET_ID"], "raincheck/darksky");

  const std::string arn =
      "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/darksky-x1Y2z3";
  Stack by_arn = MakeStack({{"DarkSkyKeySecretId", arn}});
  EXPECT_TRUE(by_arn.Refused().empty());
  statements = by_arn.Statements();
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0]["Resource"], json::array({arn}));
  EXPECT_EQ(by_arn.Environment()["DARKSKY_KEY_SECRET_ID"], arn);
}

// Forms that would give a policy matching nothing are refused when the stack is made.
TEST(TemplatePolicyTest, NamesThatCannotWorkAreRefusedByTheirPattern) {
  for (const std::string bad : {"raincheck/locationiq",  // hierarchical names start with '/'
                                "/raincheck//key", "/raincheck/", "my key",
                                "arn:aws:ssm:eu-west-1:123456789012:parameter"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(MakeStack({{"LocationIqKeySsmParameter", bad}}).Refused(),
              std::vector<std::string>{"LocationIqKeySsmParameter"});
  }
  for (const std::string bad :
       {"arn:aws:secretsmanager:eu-west-1:123456789012:secret:darksky",  // no 6-char suffix
        "my secret", "darksky*"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(MakeStack({{"DarkSkyKeySecretId", bad}}).Refused(),
              std::vector<std::string>{"DarkSkyKeySecretId"});
  }
}

// --- Records ---------------------------------------------------------------------------------

// What store/s3_store.cc sends for a record: PutObject, and GetObject of a key PUT found taken.
TEST(TemplatePolicyTest, RecordsPolicyGrantsWhatTheStoreUsesUnderRecordsOnly) {
  Stack stack = MakeStack({{"RecordsBucketName", "rain-records"}});
  EXPECT_TRUE(stack.Refused().empty());
  EXPECT_EQ(stack.Environment()["RAINCHECK_RECORDS"], "s3://rain-records/records");
  const std::vector<json> statements = stack.Statements();
  EXPECT_EQ(Actions(statements), (std::set<std::string>{"s3:PutObject", "s3:GetObject"}));
  const std::string object = "arn:aws:s3:::rain-records/records/dt=2026-11-28/x_cape-town_r.csv";
  EXPECT_TRUE(Allows(statements, "s3:PutObject", object));
  EXPECT_TRUE(Allows(statements, "s3:GetObject", object));
  EXPECT_FALSE(Allows(statements, "s3:GetObject", "arn:aws:s3:::rain-records/other/x.csv"));
  EXPECT_FALSE(Allows(statements, "s3:GetObject", "arn:aws:s3:::rain-records-2/records/x.csv"));
  EXPECT_FALSE(Allows(statements, "s3:ListBucket", "arn:aws:s3:::rain-records"));
  EXPECT_FALSE(Allows(statements, "s3:DeleteObject", object));
}

// The store's retry path under the template's own records policy, on a real moto_server with
// IAM authentication on: a record whose first PUT landed although the function did not learn
// it (a timeout, then the record spooled) is pushed again; S3 answers 412 and the store reads
// the object back to compare bytes. With PutObject alone that read is refused (the control
// below), the record is reported "not stored" and the spool never drains.
class RecordsPolicyMotoTest : public ::testing::Test {
 protected:
  static constexpr char kBucket[] = "rain-records";

  void SetUp() override {
    ASSERT_TRUE(testing::MotoServerInstalled())
        << "moto_server is not on PATH; CI machines have it (pip install 'moto[server]')";
    // Three users, four unauthenticated IAM calls each.
    auto server = testing::MotoServer::Start(/*unauthenticated_actions=*/12);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    moto_ = std::move(server).value();
    auto admin = moto_->CreateS3User(client_, "operator");
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = *admin;

    Stack stack = MakeStack({{"RecordsBucketName", kBucket}});
    const json policies = stack.Policies();
    ASSERT_EQ(policies.size(), 1u);
    auto function = moto_->CreateS3User(client_, "function", policies[0].dump());
    ASSERT_TRUE(function.ok()) << function.status().ToString();
    function_ = *function;
    json put_only = policies[0];
    put_only["Statement"][0]["Action"] = "s3:PutObject";
    auto put_only_user = moto_->CreateS3User(client_, "put-only", put_only.dump());
    ASSERT_TRUE(put_only_user.ok()) << put_only_user.status().ToString();
    put_only_ = *put_only_user;
    // The unauthenticated calls are spent: from here every request is checked.
    ASSERT_TRUE(moto_->CreateBucket(client_, admin_, kBucket).ok());

    char tmpl[] = "/tmp/raincheck-policy-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    spool_ = tmpl;
  }
  void TearDown() override {
    moto_.reset();
    if (!spool_.empty()) fs::remove_all(spool_);
  }

  store::S3Options Options(const store::Credentials& creds) const {
    store::S3Options o;
    o.bucket = kBucket;
    o.prefix = "records/";  // as RAINCHECK_RECORDS=s3://NAME/records in the template
    o.endpoint = moto_->endpoint();
    o.credentials = creds;
    o.attempt_timeout = std::chrono::milliseconds(3000);
    return o;
  }
  // A record as Put() encodes it, without the "dt=" moto cannot verify in a path
  // (tests/s3_moto_test.cc says why).
  static store::EncodedRecord Encoded(double prob) {
    store::Record r;
    r.timestamp = base::FromUnixMillis(1795832165000);
    r.city = "Cape Town";
    r.request_id = "req-1";
    r.Set("prob_rain", prob);
    store::EncodedRecord e = *store::EncodeRecord(r, store::RecordFormat::kCsv);
    e.key = e.key.substr(3);
    return e;
  }
  // The record stored by a first PUT whose answer was lost, and the same record in the spool.
  void LandedAndSpooled(const store::EncodedRecord& record) {
    store::S3Store operator_store(Options(admin_), client_, clock_);
    ASSERT_TRUE(operator_store.Write(record, Deadline()).ok());
    store::DirectoryStore spool(spool_, store::RecordFormat::kCsv);
    ASSERT_TRUE(spool.Write(record, Deadline()).ok());
  }
  store::SpoolingStore Spooling(const store::Credentials& creds) {
    return store::SpoolingStore(std::make_unique<store::S3Store>(Options(creds), client_, clock_),
                                spool_, store::RecordFormat::kCsv, clock_);
  }
  base::TimePoint Deadline() const { return clock_.Now() + std::chrono::seconds(10); }

  base::SystemClock clock_;
  http::CurlClient client_{clock_};
  std::unique_ptr<testing::MotoServer> moto_;
  store::Credentials admin_, function_, put_only_;
  std::string spool_;
};

TEST_F(RecordsPolicyMotoTest, TheTemplatesPolicyLetsARetriedRecordDrainFromTheSpool) {
  const store::EncodedRecord record = Encoded(0.25);
  LandedAndSpooled(record);
  store::SpoolingStore store = Spooling(function_);
  const store::FlushResult flushed = store.Flush(Deadline());
  EXPECT_TRUE(flushed.error.ok()) << flushed.error.ToString();
  EXPECT_EQ(flushed.flushed, 1);
  EXPECT_EQ(flushed.remaining, 0);
  EXPECT_TRUE(store.Spooled()->empty());

  // Another record on the same key goes to the next one; the first stays as it was.
  store::S3Store s3(Options(function_), client_, clock_);
  const auto other = s3.Write(Encoded(0.75), Deadline());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(*other, store::CollisionKey(record.key, 1));
  store::S3Store reader(Options(admin_), client_, clock_);
  EXPECT_EQ(*reader.Get(record.key), record.body);

  // The function still cannot list the bucket nor write outside records/.
  store::S3Options whole_bucket = Options(function_);
  whole_bucket.prefix = "";
  const auto listed = store::S3Store(whole_bucket, client_, clock_).List("");
  EXPECT_EQ(listed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(listed.status().message().find("AccessDenied"), std::string::npos)
      << listed.status().ToString();
  whole_bucket.prefix = "elsewhere/";
  const auto outside = store::S3Store(whole_bucket, client_, clock_).Write(record, Deadline());
  EXPECT_NE(outside.status().message().find("AccessDenied"), std::string::npos)
      << outside.status().ToString();
}

// The control: moto does refuse GetObject to a role that has PutObject alone, so the test
// above would fail with the template's former policy.
TEST_F(RecordsPolicyMotoTest, PutObjectAloneLeavesTheRecordInTheSpool) {
  LandedAndSpooled(Encoded(0.25));
  store::SpoolingStore store = Spooling(put_only_);
  const store::FlushResult flushed = store.Flush(Deadline());
  EXPECT_EQ(flushed.flushed, 0);
  EXPECT_EQ(flushed.remaining, 1);
  EXPECT_EQ(flushed.error.code(), StatusCode::kPermissionDenied) << flushed.error.ToString();
  EXPECT_NE(flushed.error.message().find("s3:GetObject"), std::string::npos)
      << flushed.error.message();
}

}  // namespace
}  // namespace raincheck
