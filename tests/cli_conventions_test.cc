// Black-box tests of the command line's conventions: `help`, "did you mean", shell completion,
// the man page, `generate-event`, `-` for stdin, `--log-format`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/file.h"
#include "lambda/event.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::BinaryPath;
using testing::RunProcess;

const std::string kAwsSamples = RAINCHECK_SOURCE_DIR "/data/events/aws-samples/";

testing::ProcessResult Raincheck(std::vector<std::string> args, const std::string& in = "",
                                 const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), BinaryPath("raincheck"));
  return RunProcess(args, in, env);
}

// A shell command line word.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST(CliHelpTest, HelpVerbPrintsTheSameAsHelpFlags) {
  const auto root = Raincheck({"help"});
  EXPECT_EQ(root.exit_code, 0) << root.err;
  EXPECT_EQ(root.out, Raincheck({"--help"}).out);
  EXPECT_NE(root.out.find("generate-event"), std::string::npos) << root.out;

  const auto invoke = Raincheck({"help", "invoke"});
  EXPECT_EQ(invoke.exit_code, 0) << invoke.err;
  EXPECT_EQ(invoke.out, Raincheck({"invoke", "--help"}).out);
  EXPECT_NE(invoke.out.find("Usage: raincheck invoke"), std::string::npos) << invoke.out;
  EXPECT_NE(invoke.out.find("--in-process"), std::string::npos) << invoke.out;

  const auto nested = Raincheck({"help", "records", "ls"});
  EXPECT_EQ(nested.exit_code, 0) << nested.err;
  EXPECT_EQ(nested.out, Raincheck({"records", "ls", "--help"}).out);
  EXPECT_NE(nested.out.find("--json"), std::string::npos) << nested.out;

  const auto unknown = Raincheck({"help", "invok"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'invoke'"), std::string::npos) << unknown.err;
}

// The line of `help` that starts with `flag` (after the indent), or empty.
std::string HelpLine(const std::string& help, const std::string& flag) {
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    const size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, flag.size() + 1, flag + " ") == 0) {
      return line.substr(start);
    }
  }
  return "";
}

TEST(CliHelpTest, TheVerbsThatRunTheFunctionShareItsOptions) {
  for (const std::string verb : {"invoke", "start-api", "start-lambda"}) {
    SCOPED_TRACE(verb);
    const auto help = Raincheck({verb, "--help"});
    ASSERT_EQ(help.exit_code, 0) << help.err;
    EXPECT_EQ(HelpLine(help.out, "--timeout").rfind("--timeout FLOAT:FLOAT in [0.001 - 900]", 0),
              0u)
        << help.out;
    EXPECT_EQ(HelpLine(help.out, "--memory").rfind("--memory INT:INT in [128 - 10240]", 0), 0u)
        << help.out;
    EXPECT_NE(HelpLine(help.out, "--env-vars").find("JSON file of variables, as SAM CLI's"),
              std::string::npos)
        << help.out;
    EXPECT_NE(HelpLine(help.out, "--bootstrap")
                  .find("The runtime executable (default: bootstrap "
                        "beside raincheck)"),
              std::string::npos)
        << help.out;
    // invoke reads no template: its defaults are the flags' own.
    const bool reads_template = verb != "invoke";
    EXPECT_EQ(!HelpLine(help.out, "--template").empty(), reads_template) << help.out;
    EXPECT_EQ(!HelpLine(help.out, "--function").empty(), reads_template) << help.out;
    EXPECT_EQ(help.out.find("the template's Timeout") != std::string::npos, reads_template)
        << help.out;
    EXPECT_NE(HelpLine(help.out, "--models").find("(RAINCHECK_MODELS)"), std::string::npos)
        << help.out;
    EXPECT_NE(HelpLine(help.out, "--env").find("Set a configuration variable NAME=VALUE"),
              std::string::npos)
        << help.out;
    // start-lambda takes no --default-city or --log-level.
    const bool city_and_log_level = verb != "start-lambda";
    EXPECT_EQ(!HelpLine(help.out, "--default-city").empty(), city_and_log_level) << help.out;
    EXPECT_EQ(!HelpLine(help.out, "--log-level").empty(), city_and_log_level) << help.out;

    // An --env item that is not NAME=VALUE is a usage error, said before anything starts.
    std::vector<std::string> args = {verb, "--env", "NO_VALUE", "--bootstrap", "/nonexistent"};
    if (verb == "invoke")
      args.insert(args.end(),
                  {"-e", kAwsSamples + "aws-lambda-go__events__testdata__apigw-request.json"});
    const auto bad_env = Raincheck(args);
    EXPECT_EQ(bad_env.exit_code, 2) << bad_env.err;
    EXPECT_EQ(bad_env.err, "raincheck " + verb + ": --env takes NAME=VALUE\n");
  }
}

TEST(CliHelpTest, UnknownVerbsAndFlagsGetDidYouMean) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"invok", "-e", "x.json"}, "raincheck: unknown command 'invok'; did you mean 'invoke'?"},
      {{"start-apu"}, "did you mean 'start-api'?"},
      {{"records", "lss"}, "raincheck records: unknown command 'lss'; did you mean 'ls'?"},
      {{"invoke", "-e", "-", "--timout", "3"},
       "raincheck invoke: unknown flag '--timout'; did you mean '--timeout'?"},
      {{"invoke", "--timeout=3", "--evnt", "x"}, "did you mean '--event'?"},
      {{"records", "ls", "--jsno"}, "did you mean '--json'?"},
      {{"generate-event", "apigw-v3"}, "did you mean 'apigw-v1'?"},
      {{"--log-fromat", "json", "help"}, "did you mean '--log-format'?"},
  };
  for (const Case& c : cases) {
    const auto r = Raincheck(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0];
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // Nothing close: no suggestion, still one line and a usage error.
  const auto far = Raincheck({"zzzzzzzz"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_NE(far.err.find("unknown command 'zzzzzzzz'"), std::string::npos) << far.err;
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  // Values that look like nothing known are not mistaken for verbs or flags.
  const auto values = Raincheck({"generate-event", "apigw-v2", "--city", "-", "--path", "records"});
  EXPECT_EQ(values.exit_code, 0) << values.err;
}

TEST(CliCompletionTest, BashCompletionLoadsAndCompletesVerbsAndFlags) {
  const std::string raincheck = Quote(BinaryPath("raincheck"));
  const auto loaded = RunProcess(
      {"bash", "-c", "source <(" + raincheck + " completion bash) && complete -p raincheck"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.out.find("-F _raincheck raincheck"), std::string::npos) << loaded.out;

  // COMP_WORDS as bash fills them when TAB is pressed after the last word.
  auto complete = [&](const std::string& words) {
    const std::string script = "source <(" + raincheck + " completion bash) && COMP_WORDS=(" +
                               words +
                               ") && COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _raincheck && "
                               "printf '%s\\n' \"${COMPREPLY[@]}\"";
    const auto r = RunProcess({"bash", "-c", script});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out.insert(line);
    }
    return out;
  };
  const std::set<std::string> verbs = complete("raincheck ''");
  for (const char* verb : {"invoke", "start-api", "start-lambda", "records", "generate-event",
                           "help", "completion", "man"}) {
    EXPECT_EQ(verbs.count(verb), 1u) << verb;
  }
  EXPECT_EQ(complete("raincheck st"), (std::set<std::string>{"start-api", "start-lambda"}));
  EXPECT_EQ(complete("raincheck records ''"), (std::set<std::string>{"ls", "cat", "flush"}));
  const std::set<std::string> invoke_flags = complete("raincheck invoke --t");
  EXPECT_EQ(invoke_flags, (std::set<std::string>{"--timeout"}));
  EXPECT_EQ(complete("raincheck records ls --j"), (std::set<std::string>{"--json"}));
  EXPECT_EQ(complete("raincheck generate-event ''"),
            (std::set<std::string>{"apigw-v1", "apigw-v2", "function-url"}));
  EXPECT_EQ(complete("raincheck --log-format ''"), (std::set<std::string>{"json", "text"}));

  const auto zsh = Raincheck({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos) << zsh.out;
  EXPECT_NE(zsh.out.find("complete -o default -F _raincheck raincheck"), std::string::npos);
  EXPECT_EQ(Raincheck({"completion", "fish"}).exit_code, 2);
}

TEST(CliManTest, ManPageRendersWithManDashL) {
  const auto page = Raincheck({"man"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  const fs::path file = fs::temp_directory_path() / ("raincheck-" + base::NewUuid() + ".1");
  ASSERT_TRUE(base::WriteFileAtomic(file.string(), page.out).ok());
  // man -l renders the file as a terminal would get it (plain text, no pager).
  const auto shown = RunProcess({"man", "-l", file.string()}, "",
                                {{"MANPAGER", "cat"}, {"PAGER", "cat"}, {"MANWIDTH", "100"}});
  fs::remove(file);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  // groff warns on stderr about malformed requests; none are expected.
  EXPECT_EQ(shown.err, "");
  for (const char* text :
       {"RAINCHECK(1)", "NAME", "SYNOPSIS", "COMMANDS", "raincheck invoke", "--in-process",
        "raincheck records ls", "generate-event apigw-v2", "EXIT STATUS"}) {
    EXPECT_NE(shown.out.find(text), std::string::npos) << text << "\n" << shown.out;
  }
  // The same descriptions --help prints.
  const auto help = Raincheck({"invoke", "--help"});
  EXPECT_NE(help.out.find("Run the handler inside this process instead"), std::string::npos);
  EXPECT_NE(shown.out.find("Run the handler inside this process instead"), std::string::npos);
}

// Every key of `sample` (recursively through objects) is in `event`, except `skipped` ones.
void ExpectSameShape(const json& sample, const json& event, const std::set<std::string>& skipped,
                     const std::string& at = "") {
  for (const auto& [key, value] : sample.items()) {
    if (skipped.count(at + key) != 0) continue;
    ASSERT_TRUE(event.contains(key)) << "missing " << at << key;
    // Query maps hold the request's own names, not the event's shape.
    const bool data = key == "queryStringParameters" || key == "multiValueQueryStringParameters";
    if (!data && value.is_object() && event[key].is_object()) {
      ExpectSameShape(value, event[key], skipped, at + key + ".");
    }
  }
}

TEST(CliGenerateEventTest, EventsParseAsTheirTypeAndHaveTheSamplesShape) {
  struct Case {
    std::string kind;
    std::string sample;
    lambda::PayloadVersion version;
    std::set<std::string> not_generated;  // the sample's fields raincheck does not use
  };
  const Case cases[] = {
      {"apigw-v1",
       "aws-lambda-go__events__testdata__apigw-request.json",
       lambda::PayloadVersion::kV1,
       {"headers", "multiValueHeaders", "stageVariables", "requestContext.identity",
        "requestContext.authorizer"}},
      {"apigw-v2",
       "aws-lambda-go__events__testdata__apigw-v2-request-no-authorizer.json",
       lambda::PayloadVersion::kV2,
       {"headers", "requestContext.authentication"}},
      {"function-url",
       "aws-lambda-go__lambdaurl__testdata__function-url-request-with-headers-and-cookies-and-text-"
       "body.json",
       lambda::PayloadVersion::kV2,
       {"headers", "cookies", "requestContext.authorizer"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind);
    const auto r = Raincheck({"generate-event", c.kind, "--city", "São Paulo", "--method", "post",
                              "--path", "/forecast", "--body", "{\"a\":1}"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json event = json::parse(r.out);
    Result<lambda::HttpRequest> parsed = lambda::ParseEvent(r.out);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->version, c.version);
    EXPECT_EQ(parsed->method, "POST");
    EXPECT_EQ(parsed->path, "/forecast");
    EXPECT_EQ(parsed->Query("city"), "São Paulo");
    EXPECT_EQ(parsed->body, "{\"a\":1}");
    EXPECT_EQ(parsed->Header("content-type"), "application/json");
    const json sample = json::parse(*base::ReadFile(kAwsSamples + c.sample));
    ExpectSameShape(sample, event, c.not_generated);
  }
  // The function URL is told apart from the HTTP API by its host, as on AWS.
  const json url = json::parse(Raincheck({"generate-event", "function-url"}).out);
  EXPECT_NE(url["requestContext"]["domainName"].get<std::string>().find(".lambda-url."),
            std::string::npos);
  // Without --city there is no query string at all (REST sends null).
  const json v1 = json::parse(Raincheck({"generate-event", "apigw-v1"}).out);
  EXPECT_TRUE(v1["queryStringParameters"].is_null());
  EXPECT_TRUE(v1["body"].is_null());
  const auto parsed_v1 = lambda::ParseEvent(v1.dump());
  ASSERT_TRUE(parsed_v1.ok());
  EXPECT_EQ(parsed_v1->method, "GET");
  EXPECT_TRUE(parsed_v1->query.empty());

  EXPECT_EQ(Raincheck({"generate-event"}).exit_code, 2);
  const auto bad_method = Raincheck({"generate-event", "apigw-v2", "--method", "GE T"});
  EXPECT_EQ(bad_method.exit_code, 2);
  EXPECT_NE(bad_method.err.find("--method"), std::string::npos) << bad_method.err;
}

class CliFunctionTest : public ::testing::Test {
 protected:
  CliFunctionTest() : dir_(fs::temp_directory_path() / ("rc-conv-" + base::NewUuid())) {
    fs::create_directories(dir_);
  }
  ~CliFunctionTest() override { fs::remove_all(dir_); }

  std::map<std::string, std::string> Env() {
    return {{"RAINCHECK_OPENMETEO_URL", weather_.base_url()},
            {"RAINCHECK_RECORDS", "dir:" + (dir_ / "records").string()},
            {"RAINCHECK_SPOOL", (dir_ / "spool").string()}};
  }

  fakes::OpenMeteoForecastFake weather_;
  fs::path dir_;
};

TEST_F(CliFunctionTest, GeneratedEventsInvokeTheFunction) {
  for (const char* kind : {"apigw-v1", "apigw-v2", "function-url"}) {
    SCOPED_TRACE(kind);
    const auto event = Raincheck({"generate-event", kind, "--city", "Cape Town"});
    ASSERT_EQ(event.exit_code, 0);
    const auto r = Raincheck({"invoke", "-e", "-"}, event.out, Env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json response = json::parse(r.out);
    EXPECT_EQ(response["statusCode"], 200) << r.out;
    // REST answers with multiValueHeaders, HTTP API and Function URLs with cookies.
    EXPECT_EQ(response.contains("multiValueHeaders"), std::string(kind) == "apigw-v1") << r.out;
  }
}

TEST_F(CliFunctionTest, LogFormatTextOrJson) {
  const auto event = Raincheck({"generate-event", "apigw-v2", "--city", "Cape Town"});
  for (const bool in_process : {true, false}) {
    SCOPED_TRACE(in_process ? "in process" : "bootstrap");
    std::vector<std::string> json_args = {"--log-format", "json", "invoke", "-e", "-"};
    std::vector<std::string> text_args = {"invoke", "-e", "-", "--log-format", "text"};
    if (in_process) {
      json_args.push_back("--in-process");
      text_args.push_back("--in-process");
    }
    const auto as_json = Raincheck(json_args, event.out, Env());
    ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
    const auto as_text = Raincheck(text_args, event.out, Env());
    ASSERT_EQ(as_text.exit_code, 0) << as_text.err;
    int json_lines = 0;
    std::istringstream jl(as_json.err);
    for (std::string line; std::getline(jl, line);) json_lines += json::accept(line) ? 1 : 0;
    EXPECT_GE(json_lines, 1) << as_json.err;
    std::istringstream tl(as_text.err);
    int text_lines = 0;
    for (std::string line; std::getline(tl, line);) {
      EXPECT_FALSE(json::accept(line)) << line;
      text_lines += line.find("INFO ") != std::string::npos ? 1 : 0;
    }
    EXPECT_GE(text_lines, 1) << as_text.err;
  }
  EXPECT_EQ(Raincheck({"--log-format", "yaml", "help"}).exit_code, 2);
}

// Without --log-format: text on a terminal, JSON lines into a pipe or file.
TEST_F(CliFunctionTest, LogFormatFollowsTheTerminal) {
  const std::string event_file = (dir_ / "event.json").string();
  const auto event = Raincheck({"generate-event", "apigw-v2", "--city", "Cape Town"});
  ASSERT_TRUE(base::WriteFileAtomic(event_file, event.out).ok());
  const std::string command = Quote(BinaryPath("raincheck")) + " invoke --in-process -e " +
                              Quote(event_file) + " >/dev/null";
  // script(1) (bsdutils, essential in Debian) runs the command on a pseudo-terminal.
  const auto tty =
      RunProcess({"script", "-qec", command, (dir_ / "typescript").string()}, "", Env());
  ASSERT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_NE(tty.out.find("INFO "), std::string::npos) << tty.out;
  EXPECT_EQ(tty.out.find("\"level\":"), std::string::npos) << tty.out;
  const auto pipe = RunProcess({"sh", "-c", command}, "", Env());
  ASSERT_EQ(pipe.exit_code, 0) << pipe.err;
  EXPECT_NE(pipe.err.find("\"level\":"), std::string::npos) << pipe.err;
}

TEST(CliStdinTest, InspectReadsTheModelFromStdin) {
  const std::string model = RAINCHECK_BINARY_DIR "/models/seattle.rcf";
  Result<std::string> bytes = base::ReadFile(model);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const auto from_file = Raincheck({"inspect", "--json", model});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const auto from_stdin = Raincheck({"inspect", "--json", "-"}, *bytes);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, from_file.out);
  const auto garbage = Raincheck({"inspect", "-"}, "not a model");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_EQ(std::count(garbage.err.begin(), garbage.err.end(), '\n'), 1) << garbage.err;
}

}  // namespace
}  // namespace raincheck
