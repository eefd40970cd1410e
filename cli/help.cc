// `raincheck help [VERB...]`, `raincheck man`, and "did you mean" for mistyped verbs and flags.
#include "cli/help.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

#include "base/version.h"
#include "cli/commands.h"
#include "providers/internal/fold.h"

namespace raincheck::cli {

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty()) return "";
  // A typo: about one edit in three characters, at least two.
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  int prefix_of = 0;
  std::string prefixed;
  for (const std::string& c : candidates) {
    const size_t d = providers::internal::BoundedEditDistance(word, c, limit);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
    if (c.size() > word.size() && c.starts_with(word)) {
      ++prefix_of;
      prefixed = c;
    }
  }
  if (!best.empty()) return best;
  // "--time" for "--timeout", as long as no other flag starts the same way.
  const size_t stem = word.starts_with("--") ? 2 : word.starts_with('-') ? 1 : 0;
  return prefix_of == 1 && word.size() >= stem + 2 ? prefixed : "";
}

std::vector<const CLI::App*> Verbs(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!sub->get_name().empty()) out.push_back(sub);
  }
  return out;
}

std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& s : opt->get_snames()) out.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) out.push_back("--" + l);
  }
  return out;
}

namespace {

// "raincheck records ls" for the `ls` verb of `records`.
std::string CommandPath(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) names.push_back(a->get_name());
  std::reverse(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) {
    if (n.empty()) continue;
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

const CLI::Option* FindFlag(const CLI::App& app, std::string_view flag) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() && opt->get_snames().empty() && opt->get_lnames().empty()) continue;
    for (const std::string& s : opt->get_snames()) {
      if (flag == "-" + s) return opt;
    }
    for (const std::string& l : opt->get_lnames()) {
      if (flag == "--" + l) return opt;
    }
  }
  return nullptr;
}

bool HasPositionals(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() && opt->get_snames().empty() && opt->get_lnames().empty())
      return true;
  }
  return false;
}

void PrintUnknown(const CLI::App& at, const char* what, const std::string& word,
                  const std::vector<std::string>& candidates) {
  const std::string suggestion = DidYouMean(word, candidates);
  const std::string path = CommandPath(at);
  if (suggestion.empty()) {
    std::fprintf(stderr, "%s: unknown %s '%s' (see %s --help)\n", path.c_str(), what, word.c_str(),
                 path.c_str());
  } else {
    std::fprintf(stderr, "%s: unknown %s '%s'; did you mean '%s'? (see %s --help)\n", path.c_str(),
                 what, word.c_str(), suggestion.c_str(), path.c_str());
  }
}

// Roff-escaped text: backslashes, hyphens in words that are flags, and a leading '.' or '\''.
std::string Roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

void ManVerb(const CLI::App& verb, std::ostringstream& out) {
  out << ".SS \"" << Roff(CommandPath(verb)) << "\"\n" << Roff(verb.get_description()) << "\n";
  for (const CLI::Option* opt : verb.get_options()) {
    if (opt->get_lnames().empty() && opt->get_snames().empty()) {
      out << ".TP\n\\fI" << Roff(opt->get_name()) << "\\fR\n";
    } else {
      std::string names;
      for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ", -") + s;
      for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
      out << ".TP\n\\fB" << Roff(names) << "\\fR";
      if (opt->get_expected_min() > 0) out << " \\fI" << Roff(opt->get_type_name()) << "\\fR";
      out << "\n";
    }
    out << Roff(opt->get_description());
    if (!opt->get_default_str().empty())
      out << " (default: " << Roff(opt->get_default_str()) << ")";
    out << "\n";
  }
  for (const CLI::App* sub : Verbs(verb)) ManVerb(*sub, out);
}

}  // namespace

bool ReportUnknownWord(const CLI::App& root, int argc, const char* const* argv) {
  const CLI::App* at = &root;
  bool taking_values = false;  // after a flag that takes any number of values
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return false;
    if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9') && arg[1] != '.') {
      taking_values = false;
      // "--flag=value", and "-eVALUE" for one-letter flags.
      std::string flag = arg.substr(0, arg.find('='));
      if (flag[1] != '-') flag = flag.substr(0, 2);
      const CLI::Option* opt = FindFlag(*at, flag);
      if (opt == nullptr) {
        PrintUnknown(*at, "flag", flag, FlagNames(*at));
        return true;
      }
      const bool inline_value =
          arg.find('=') != std::string::npos || (arg[1] != '-' && arg.size() > 2);
      if (opt->get_expected_min() > 0 && !inline_value) ++i;  // its value
      taking_values = opt->get_expected_max() > 1;
      continue;
    }
    if (taking_values) continue;
    const std::vector<const CLI::App*> verbs = Verbs(*at);
    const auto verb = std::find_if(verbs.begin(), verbs.end(),
                                   [&](const CLI::App* v) { return v->check_name(arg); });
    if (verb != verbs.end()) {
      at = *verb;
      continue;
    }
    if (!verbs.empty() && !HasPositionals(*at)) {
      std::vector<std::string> names;
      names.reserve(verbs.size());
      for (const CLI::App* v : verbs) names.push_back(v->get_name());
      PrintUnknown(*at, "command", arg, names);
      return true;
    }
  }
  return false;
}

std::string ManPage(const CLI::App& root) {
  std::ostringstream out;
  out << ".TH RAINCHECK 1 \"\" \"raincheck " << kVersion << "\" \"User Commands\"\n"
      << ".SH NAME\nraincheck \\- " << Roff(root.get_description()) << "\n"
      << ".SH SYNOPSIS\n.B raincheck\n\\fIVERB\\fR [\\fIOPTIONS\\fR]\n.br\n"
      << ".B raincheck help\n[\\fIVERB\\fR]\n"
      << ".SH DESCRIPTION\nEach verb has its own flags; \\fBraincheck help\\fR \\fIVERB\\fR "
         "prints them. A file argument of \\fB\\-\\fR reads standard input (or writes standard "
         "output).\n"
      << ".SH OPTIONS\n";
  for (const CLI::Option* opt : root.get_options()) {
    std::string names;
    for (const std::string& s : opt->get_snames()) names += (names.empty() ? "-" : ", -") + s;
    for (const std::string& l : opt->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
    out << ".TP\n\\fB" << Roff(names) << "\\fR";
    if (opt->get_expected_min() > 0) out << " \\fI" << Roff(opt->get_type_name()) << "\\fR";
    out << "\n" << Roff(opt->get_description()) << "\n";
  }
  out << ".SH COMMANDS\n";
  for (const CLI::App* verb : Verbs(root)) ManVerb(*verb, out);
  out << ".SH EXIT STATUS\n.TP\n0\ndone\n.TP\n1\nthe work failed (with a one-line message)\n"
         ".TP\n2\nthe command line was wrong\n"
      << ".SH ENVIRONMENT\nThe function reads its configuration from \\fBRAINCHECK_*\\fR "
         "variables (see the README); flags override them.\n"
      << ".SH SEE ALSO\n\\fBbash\\fR(1), \\fBaws\\fR(1), \\fBsam\\fR(1)\n";
  return out.str();
}

void RegisterHelp(CLI::App& root, int* exit_code) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* help = root.add_subcommand("help", "Print the usage of raincheck or of one verb");
  help->add_option("VERB", *words, "A verb, e.g. invoke or records ls");
  const CLI::App* top = &root;
  help->callback([top, words, exit_code] {
    const CLI::App* at = top;
    for (const std::string& word : *words) {
      const std::vector<const CLI::App*> verbs = Verbs(*at);
      const auto verb = std::find_if(verbs.begin(), verbs.end(),
                                     [&](const CLI::App* v) { return v->check_name(word); });
      if (verb == verbs.end()) {
        std::vector<std::string> names;
        names.reserve(verbs.size());
        for (const CLI::App* v : verbs) names.push_back(v->get_name());
        PrintUnknown(*at, "command", word, names);
        *exit_code = kExitUsage;
        return;
      }
      at = *verb;
    }
    // What `VERB --help` prints. Not at->help(): on the root it would describe `help` itself,
    // the verb being run.
    std::fputs(
        at->get_formatter()->make_help(at, CommandPath(*at), CLI::AppFormatMode::Normal).c_str(),
        stdout);
    *exit_code = kExitOk;
  });
}

void RegisterMan(CLI::App& root, int* exit_code) {
  CLI::App* man = root.add_subcommand(
      "man", "Print the man page (roff), e.g. raincheck man > raincheck.1; man -l raincheck.1");
  const CLI::App* top = &root;
  man->callback([top, exit_code] {
    std::fputs(ManPage(*top).c_str(), stdout);
    *exit_code = kExitOk;
  });
}

}  // namespace raincheck::cli
