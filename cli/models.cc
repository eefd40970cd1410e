// `raincheck models ls [DIR] [--json]`: the models of a directory (by default the one the
// function serves from: RAINCHECK_MODELS, else DefaultModelsDir()), one per *.rcf file, with
// where each one comes from and its skill.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "cli/commands.h"
#include "forest/card.h"
#include "forest/model.h"
#include "function/config.h"

namespace raincheck::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct LsFlags {
  std::string dir;
  bool json = false;
};

// One *.rcf file: its facts when it loads, its error otherwise.
struct Entry {
  std::string file;
  std::optional<forest::ModelInfo> info;
  std::string error;
};

// The *.rcf files of `dir`, sorted by file name, each loaded. NotFound / IOError for `dir`.
Result<std::vector<Entry>> LoadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + " is not a directory");
  std::vector<std::string> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".rcf") files.push_back(it->path().filename().string());
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<Entry> entries;
  for (const std::string& file : files) {
    Entry e{file, std::nullopt, ""};
    auto model = forest::Model::Load((fs::path(dir) / file).string());
    if (model.ok()) {
      e.info = model->info();
    } else {
      e.error = model.status().message();
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

json Number(std::optional<double> v) { return v ? json(*v) : json(nullptr); }

json EntryJson(const Entry& e) {
  json out = {{"file", e.file},
              {"name", nullptr},
              {"version", nullptr},
              {"home", nullptr},
              {"applies_within_km", nullptr},
              {"from", nullptr},
              {"to", nullptr},
              {"roc_auc", nullptr},
              {"brier_skill_score", nullptr},
              {"error", nullptr}};
  if (!e.info) {
    out["error"] = e.error;
    return out;
  }
  out["name"] = e.info->name;
  out["version"] = e.info->version;
  if (const auto& h = e.info->home) {
    out["home"] = forest::HomeToJson(*h);
    out["applies_within_km"] = h->applies_within_km;
    out["from"] = h->from.empty() ? json(nullptr) : json(h->from);
    out["to"] = h->to.empty() ? json(nullptr) : json(h->to);
  }
  if (const auto& s = e.info->skill) {
    out["roc_auc"] = Number(s->roc_auc);
    out["brier_skill_score"] = Number(s->brier_skill_score);
  }
  return out;
}

// "0.801" (digits after the point), or "+0.100" with `sign`.
std::string Fixed(double v, int digits, bool sign = false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", digits, v);
  return buf;
}

// The text columns of one entry: file, name, home, radius, dates, ROC AUC, Brier skill score.
std::vector<std::string> Columns(const Entry& e) {
  if (!e.info) return {e.file, "error: " + e.error};
  const forest::ModelInfo& i = *e.info;
  std::vector<std::string> c = {e.file, i.name.empty() ? "-" : i.name};
  if (i.home) {
    c.push_back(forest::HomePlace(*i.home));
    c.push_back(Fixed(i.home->applies_within_km, 0) + " km");
    c.push_back(forest::HomeDates(*i.home));
  } else {
    c.insert(c.end(), {"-", "-", "-"});
  }
  c.push_back(i.skill ? Fixed(i.skill->roc_auc, 3) : "-");
  c.push_back(i.skill ? Fixed(i.skill->brier_skill_score, 3, true) : "-");
  return c;
}

void PrintTable(const std::vector<Entry>& entries) {
  std::vector<std::vector<std::string>> rows = {
      {"FILE", "NAME", "HOME", "WITHIN", "DATES", "ROC AUC", "BRIER SKILL"}};
  for (const Entry& e : entries) rows.push_back(Columns(e));
  // An error line is aligned by its file only: its message runs on.
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c == 0 || row.size() == width.size()) width[c] = std::max(width[c], row[c].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(width[c] - std::min(width[c], row[c].size()) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

int RunLs(const LsFlags& f) {
  std::string dir = f.dir;
  if (dir.empty()) dir = base::ProcessEnv()("RAINCHECK_MODELS").value_or("");
  if (dir.empty()) {
    auto found = function::DefaultModelsDir();
    if (!found.ok()) {
      std::fprintf(stderr, "raincheck models ls: %s\n", found.status().message().c_str());
      return kExitFailure;
    }
    dir = *found;
  }
  auto entries = LoadDirectory(dir);
  if (!entries.ok()) {
    std::fprintf(stderr, "raincheck models ls: %s\n", entries.status().message().c_str());
    return kExitFailure;
  }
  if (f.json) {
    json out = json::array();
    for (const Entry& e : *entries) out.push_back(EntryJson(e));
    std::printf("%s\n", out.dump(2).c_str());
  } else if (entries->empty()) {
    std::fprintf(stderr, "raincheck models ls: no *.rcf file in %s\n", dir.c_str());
  } else {
    PrintTable(*entries);
  }
  const bool failed =
      std::any_of(entries->begin(), entries->end(), [](const Entry& e) { return !e.info; });
  return failed ? kExitFailure : kExitOk;
}

}  // namespace

void RegisterModels(CLI::App& root, int* exit_code) {
  CLI::App* cmd =
      root.add_subcommand("models", "List the models the function chooses from by place");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<LsFlags>();
  CLI::App* ls = cmd->add_subcommand(
      "ls",
      "One line per *.rcf file of DIR: name, home, radius, dates, skill (held-out or out-of-bag)");
  ls->add_option("DIR", flags->dir,
                 "Models directory (default: $RAINCHECK_MODELS, else the function's default models "
                 "directory)");
  ls->add_flag("--json", flags->json, "Print a JSON array instead");
  ls->callback([flags, exit_code] { *exit_code = RunLs(*flags); });
}

}  // namespace raincheck::cli
