#include "cli/local_function.h"

#include <sys/utsname.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "base/env.h"
#include "base/file.h"
#include "base/log.h"
#include "base/strings.h"
#include "function/config.h"
#include "local/emulator.h"

namespace raincheck::cli {

namespace {

// "x86_64" or "arm64", as Lambda names architectures.
std::string HostArchitecture() {
  struct utsname u {};
  if (::uname(&u) != 0) return "";
  const std::string machine = u.machine;
  return machine == "aarch64" ? "arm64" : machine;
}

constexpr const char* kDefaultLogicalId = "RaincheckFunction";

}  // namespace

void AddFunctionFlags(CLI::App* cmd, FunctionFlags* flags, const FunctionFlagsHelp& help) {
  const bool reads_template = !help.template_help.empty();
  CLI::Option* timeout = cmd->add_option("--timeout", flags->timeout_seconds, help.timeout_help);
  CLI::Option* memory = cmd->add_option("--memory", flags->memory_mb, help.memory_help);
  if (!reads_template) {
    // No template to default from: the defaults are the flags' own, shown in the help. Set
    // before the checks below, which would count the default as given.
    timeout->default_val(10);
    memory->default_val(128);
  }
  timeout->check(CLI::Range(0.001, 900.0))->each([flags](const std::string&) {
    flags->timeout_given = true;
  });
  memory->check(CLI::Range(128, 10240))->each([flags](const std::string&) {
    flags->memory_given = true;
  });
  if (reads_template) {
    cmd->add_option("--template", flags->template_path, help.template_help);
    cmd->add_option("--function", flags->function_id,
                    "The template's function (logical id), when it has several");
    cmd->add_option("--env-vars", flags->env_vars,
                    "JSON file of variables, as SAM CLI's: {\"Parameters\": {...}} or keyed by "
                    "the function's logical id");
  } else {
    cmd->add_option("--env-vars", flags->env_vars,
                    "JSON file of variables, as SAM CLI's: {\"Parameters\": {...}} or "
                    "{\"RaincheckFunction\": {...}}");
  }
  cmd->add_option("--bootstrap", flags->bootstrap,
                  "The runtime executable (default: bootstrap beside raincheck)");
}

std::string DefaultBootstrap() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "bootstrap";
  return (self.parent_path() / "bootstrap").string();
}

std::string FunctionFlags::BootstrapPath() const {
  return bootstrap.empty() ? DefaultBootstrap() : bootstrap;
}

double FunctionFlags::TimeoutSeconds(const std::optional<int>& from_template) const {
  return timeout_given || !from_template ? timeout_seconds : *from_template;
}

int FunctionFlags::MemoryMb(const std::optional<int>& from_template) const {
  return memory_given || !from_template ? memory_mb : *from_template;
}

void AddConfigFlags(CLI::App* cmd, ConfigFlags* flags, bool city_and_log_level) {
  cmd->add_option("--models", flags->models,
                  "Directory of models to choose from by place (RAINCHECK_MODELS)");
  if (city_and_log_level) {
    cmd->add_option("--default-city", flags->default_city,
                    "City used when the request names none (RAINCHECK_DEFAULT_CITY)");
    cmd->add_option("--log-level", flags->log_level,
                    "debug, info, warn, error, off (RAINCHECK_LOG_LEVEL)");
  }
  cmd->add_option("--env", flags->env, "Set a configuration variable NAME=VALUE (repeatable)");
}

Status ApplyConfigFlags(const ConfigFlags& flags, std::map<std::string, std::string>* overrides) {
  for (const std::string& kv : flags.env) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::InvalidArgument("--env takes NAME=VALUE");
    (*overrides)[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!flags.default_city.empty()) (*overrides)["RAINCHECK_DEFAULT_CITY"] = flags.default_city;
  if (!flags.models.empty()) function::SetModelsDir(flags.models, overrides);
  if (!flags.log_level.empty()) (*overrides)["RAINCHECK_LOG_LEVEL"] = flags.log_level;
  return Status::Ok();
}

Result<LocalFunction> LoadLocalFunction(const FunctionFlags& function, const ConfigFlags& config) {
  LocalFunctionOptions options;
  options.template_path = function.template_path;
  options.function_id = function.function_id;
  options.env_vars_path = function.env_vars;
  RC_RETURN_IF_ERROR(ApplyConfigFlags(config, &options.overrides));
  return LoadLocalFunction(options);
}

Result<LocalFunction> LoadLocalFunction(const LocalFunctionOptions& options) {
  LocalFunction out;
  out.logical_id = options.function_id.empty() ? kDefaultLogicalId : options.function_id;
  out.template_path = options.template_path.empty()
                          ? function::DefaultTemplatePath()
                          : (options.template_path == "none" ? "" : options.template_path);
  if (!out.template_path.empty()) {
    Result<std::string> text = base::ReadFile(out.template_path);
    if (!text.ok()) {
      return Status::InvalidArgument("--template " + out.template_path + ": cannot be read");
    }
    Result<local::SamTemplate> parsed = local::ParseSamTemplate(*text);
    if (!parsed.ok()) {
      return Status::InvalidArgument("--template " + out.template_path + ": " +
                                     parsed.status().message());
    }
    Result<const local::SamFunction*> f = local::SelectFunction(*parsed, options.function_id);
    if (!f.ok()) {
      return Status::InvalidArgument("--template " + out.template_path + ": " +
                                     f.status().message());
    }
    out.logical_id = (*f)->logical_id;
    out.routes = (*f)->routes;
    out.timeout_s = (*f)->timeout_s;
    out.memory_mb = (*f)->memory_mb;
    for (const auto& [name, value] : (*f)->environment) {
      if (name == "RAINCHECK_RECORDS" || name == "RAINCHECK_SPOOL") continue;  // the deployed store
      out.variables[name] = value;
    }
    if (!(*f)->unresolved.empty()) {
      out.warnings.push_back("the template's " + base::Join((*f)->unresolved, ", ") +
                             " need the deployed stack (!GetAtt, !ImportValue, a resource or a "
                             "parameter without a default): not set; give them with --env-vars");
    }
    const std::string host = HostArchitecture();
    if ((*f)->architecture && !host.empty() && *(*f)->architecture != host) {
      out.warnings.push_back("the template's architecture is " + *(*f)->architecture +
                             ", this machine's " + host + ": bootstrap runs as built here");
    }
  }
  for (const auto& [name, value] : local::PassThroughEnvironment()) out.variables[name] = value;
  if (!options.env_vars_path.empty()) {
    RC_ASSIGN_OR_RETURN(auto vars,
                        function::ReadEnvVarsFile(options.env_vars_path, out.logical_id));
    for (auto& [name, value] : vars) out.variables[name] = std::move(value);
  }
  for (const auto& [name, value] : options.overrides) out.variables[name] = value;
  std::map<std::string, std::string> defaults;
  out.records =
      function::SetLocalRecordsDefaults(base::OverlayEnv(out.variables, nullptr), &defaults);
  for (auto& [name, value] : defaults) out.variables[name] = std::move(value);
  return out;
}

void WriteInstanceLogLine(std::string_view line) {
  std::string out = base::StderrLogFormat() == base::LogFormat::kText
                        ? base::RenderPrefixedLogLineAsText(line)
                        : std::string(line);
  if (!out.ends_with('\n')) out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace raincheck::cli
