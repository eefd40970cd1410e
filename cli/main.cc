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
  RegisterRecords(app, &exit_code);
  RegisterStartApi(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raincheck: %s\n", e.what());
    return kExitFailure;
  }
  return exit_code;
}
