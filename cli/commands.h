// Each `raincheck` verb registers itself on the root command; main.cc lists them.
#ifndef RAINCHECK_CLI_COMMANDS_H_
#define RAINCHECK_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace raincheck::cli {

// Exit codes shared by every verb.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed (bad input file, upstream, ...)
inline constexpr int kExitUsage = 2;    // the command line was wrong

// Each Register* adds a subcommand whose callback sets `*exit_code`.
void RegisterInvoke(CLI::App& root, int* exit_code);
void RegisterStartLambda(CLI::App& root, int* exit_code);
void RegisterRecords(CLI::App& root, int* exit_code);
void RegisterTrain(CLI::App& root, int* exit_code);
void RegisterEvaluate(CLI::App& root, int* exit_code);
void RegisterPredict(CLI::App& root, int* exit_code);
void RegisterInspect(CLI::App& root, int* exit_code);
void RegisterModels(CLI::App& root, int* exit_code);
void RegisterPackage(CLI::App& root, int* exit_code);
void RegisterDeploy(CLI::App& root, int* exit_code);
void RegisterStartApi(CLI::App& root, int* exit_code);
void RegisterImport(CLI::App& root, int* exit_code);
void RegisterGenerateEvent(CLI::App& root, int* exit_code);
// The command line about itself, from every registered verb (cli/help.cc, cli/completion.cc).
void RegisterHelp(CLI::App& root, int* exit_code);
void RegisterCompletion(CLI::App& root, int* exit_code);
void RegisterMan(CLI::App& root, int* exit_code);

}  // namespace raincheck::cli

#endif  // RAINCHECK_CLI_COMMANDS_H_
