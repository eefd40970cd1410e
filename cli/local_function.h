// What `start-api` and `start-lambda` run: the function's settings from a SAM template (routes,
// environment, timeout, memory, architecture), the shell's variables, --env-vars and flags, and
// the local records directory. See docs/start_api.md.
#ifndef RAINCHECK_CLI_LOCAL_FUNCTION_H_
#define RAINCHECK_CLI_LOCAL_FUNCTION_H_

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "local/sam_template.h"

namespace raincheck::cli {

// bootstrap beside this executable (build/bin/bootstrap), else "bootstrap".
std::string DefaultBootstrap();

// Writes one line of the emulator's output (an instance's "[request id] " prefixed line, or a
// START / END / REPORT line) to stderr, rendered as text when stderr wants text
// (base::StderrLogFormat, --log-format) and as it came otherwise.
void WriteInstanceLogLine(std::string_view line);

// The options every verb that runs the function (invoke, start-api, start-lambda) takes.
struct FunctionFlags {
  double timeout_seconds = 10;  // --timeout
  int memory_mb = 128;          // --memory
  std::string template_path;    // --template
  std::string function_id;      // --function
  std::string env_vars;         // --env-vars
  std::string bootstrap;        // --bootstrap (empty: DefaultBootstrap())
  // Whether --timeout / --memory were given (else the template's Timeout / MemorySize apply).
  bool timeout_given = false;
  bool memory_given = false;

  // --bootstrap, else DefaultBootstrap().
  std::string BootstrapPath() const;
  // --timeout when given, else the template's Timeout (`from_template`), else 10.
  double TimeoutSeconds(const std::optional<int>& from_template) const;
  // --memory when given, else the template's MemorySize (`from_template`), else 128.
  int MemoryMb(const std::optional<int>& from_template) const;
};

// What differs between the verbs' function options.
struct FunctionFlagsHelp {
  // --template's help: what the verb reads from the template. Empty: the verb reads no
  // template, so it has no --template or --function, --timeout and --memory default to 10 s
  // and 128 MB, and --env-vars is keyed by RaincheckFunction.
  std::string template_help;
  std::string timeout_help;  // --timeout's help
  std::string memory_help;   // --memory's help
};

// Registers --timeout, --memory, --template and --function (when the verb reads a template),
// --env-vars and --bootstrap on `cmd`, into `*flags` (which must outlive `cmd`).
void AddFunctionFlags(CLI::App* cmd, FunctionFlags* flags, const FunctionFlagsHelp& help);

struct LocalFunctionOptions {
  std::string template_path;  // --template; empty: DefaultTemplatePath(); "none": no template
  std::string function_id;    // --function: the template's logical id (empty: the only one)
  std::string env_vars_path;  // --env-vars
  std::map<std::string, std::string> overrides;  // --env NAME=VALUE and the other flags
};

struct LocalFunction {
  std::string template_path;            // the template read, or empty
  std::string logical_id;               // the function's id in it (RaincheckFunction without one)
  std::vector<local::SamRoute> routes;  // the template's (empty: the built-in routes)
  std::optional<int> timeout_s;
  std::optional<int> memory_mb;
  // The instances' variables, lowest first: the template's Environment.Variables, the shell's
  // (local::PassesThrough), --env-vars, the flags; RAINCHECK_RECORDS / RAINCHECK_SPOOL default
  // to the local records directory (the template's, which name the deployed store, are not
  // used locally).
  std::map<std::string, std::string> variables;
  std::string records;  // where records go: "dir:/...", "s3://...", "off"
  // One line each, for the terminal: template variables not resolvable locally, an
  // architecture unlike this machine's. Names only, never values.
  std::vector<std::string> warnings;
};

// InvalidArgument (one line, naming the file) for a template or --env-vars file that cannot
// be used.
Result<LocalFunction> LoadLocalFunction(const LocalFunctionOptions& options);

// The flags that set the function's variables, in every verb that runs it.
struct ConfigFlags {
  std::string models;            // --models: RAINCHECK_MODELS (function::SetModelsDir)
  std::string default_city;      // --default-city: RAINCHECK_DEFAULT_CITY
  std::string log_level;         // --log-level: RAINCHECK_LOG_LEVEL
  std::vector<std::string> env;  // --env NAME=VALUE, repeatable
};

// Registers --models, then --default-city and --log-level when `city_and_log_level`, then
// --env on `cmd`, into `*flags` (which must outlive `cmd`).
void AddConfigFlags(CLI::App* cmd, ConfigFlags* flags, bool city_and_log_level);

// Sets the variables the flags give in `overrides`, over what is there: --env's, then the
// named flags'. InvalidArgument ("--env takes NAME=VALUE") for an --env item without a name.
Status ApplyConfigFlags(const ConfigFlags& flags, std::map<std::string, std::string>* overrides);

// LoadLocalFunction with what the flags give: the template, --function, --env-vars, and the
// variables of ApplyConfigFlags. InvalidArgument for flags or files that cannot be used.
Result<LocalFunction> LoadLocalFunction(const FunctionFlags& function, const ConfigFlags& config);

}  // namespace raincheck::cli

#endif  // RAINCHECK_CLI_LOCAL_FUNCTION_H_
