// The `raincheck` command: train, serve and ship a rain forecast function.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "base/log.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/help.h"

namespace {

// `--log-format text|json` on the root and on every verb, so it goes before or after the verb.
void AddLogFormatFlag(CLI::App& app) {
  app.add_option_function<std::string>(
         "--log-format",
         [](const std::string& value) {
           raincheck::base::SetStderrLogFormat(*raincheck::base::ParseLogFormat(value));
         },
         "Logs on stderr as text or json lines (default: text on a terminal, json otherwise)")
      ->check(CLI::IsMember({"text", "json"}));
  for (CLI::App* verb : app.get_subcommands([](CLI::App* a) { return !a->get_name().empty(); })) {
    AddLogFormatFlag(*verb);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace raincheck::cli;
  CLI::App app{"train a forest, serve it as a Lambda function, run it locally, ship it.",
               "raincheck"};
  app.set_version_flag("--version", std::string("raincheck ") + raincheck::kVersion);
  app.require_subcommand(1);
  app.fallthrough(false);
  int exit_code = kExitOk;
  // Verbs: each Register* call adds one subcommand.
  RegisterInvoke(app, &exit_code);
  RegisterStartLambda(app, &exit_code);
  RegisterRecords(app, &exit_code);
  RegisterTrain(app, &exit_code);
  RegisterEvaluate(app, &exit_code);
  RegisterPredict(app, &exit_code);
  RegisterInspect(app, &exit_code);
  RegisterModels(app, &exit_code);
  RegisterPackage(app, &exit_code);
  RegisterDeploy(app, &exit_code);
  RegisterStartApi(app, &exit_code);
  RegisterImport(app, &exit_code);
  RegisterGenerateEvent(app, &exit_code);
  RegisterHelp(app, &exit_code);
  RegisterCompletion(app, &exit_code);
  RegisterMan(app, &exit_code);
  AddLogFormatFlag(app);
  // Unknown verbs and flags, with "did you mean".
  if (ReportUnknownWord(app, argc, argv)) return kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0; a wrong command line is a usage error.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raincheck: %s\n", e.what());
    return kExitFailure;
  }
  return exit_code;
}
