// The `raincheck` command: train, serve and ship a rain forecast function.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "base/version.h"

int main(int argc, char** argv) {
  using namespace raincheck::cli;
  CLI::App app{"raincheck: train a forest, serve it as a Lambda function, run it locally, ship it."};
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
  if (argc > 1 && argv[1][0] != '-') {
    try {
      (void)app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::fprintf(stderr, "raincheck: unknown command '%s' (see raincheck --help)\n", argv[1]);
      return kExitUsage;
    }
  }
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
