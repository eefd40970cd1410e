// The command line about itself, generated from the verbs and flags registered on the root
// command: `raincheck help [VERB...]`, "did you mean" for mistyped verbs and flags, the man
// page (`raincheck man`) and shell completion (`raincheck completion bash|zsh`, completion.cc).
#ifndef RAINCHECK_CLI_HELP_H_
#define RAINCHECK_CLI_HELP_H_

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace raincheck::cli {

// The candidate closest to `word` by edit distance, when it is close enough to be a typo (or
// `word` is a prefix of exactly one candidate); "" otherwise.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// The named verbs of `app` (option groups left out).
std::vector<const CLI::App*> Verbs(const CLI::App& app);
// Every flag name of `app`'s options ("-e", "--event", ...), positionals left out.
std::vector<std::string> FlagNames(const CLI::App& app);

// When `argv` names an unknown verb (at any depth) or `root.parse` left an unknown flag or word,
// prints one line naming it, with "did you mean" when one is close, and returns true. `root`
// must have been parsed (or have failed to parse) with `argv`.
bool ReportUnknownWord(const CLI::App& root, int argc, const char* const* argv);

// The man page of `root` in roff (man(7)), from the same descriptions `--help` prints.
std::string ManPage(const CLI::App& root);

// The completion script for `shell` ("bash" or "zsh") of `root`'s verbs and flags.
std::string CompletionScript(const CLI::App& root, std::string_view shell);

}  // namespace raincheck::cli

#endif  // RAINCHECK_CLI_HELP_H_
