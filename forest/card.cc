#include "forest/card.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace raincheck::forest {
namespace {

using nlohmann::json;

const json& Get(const json& j, std::string_view key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string Fmt(const json& v, int digits = 3) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "-";
  return v.dump();
}

// Markdown table cells must not contain a pipe or a newline.
std::string Cell(std::string s) {
  for (char& c : s) {
    if (c == '|' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

std::string MetricRow(std::string_view name, const json& m) {
  return "| " + std::string(name) + " | " + Fmt(Get(m, "accuracy")) + " | " +
         Fmt(Get(m, "roc_auc")) + " | " + Fmt(Get(m, "brier")) + " | " + Fmt(Get(m, "log_loss")) +
         " |\n";
}

// A square plot of (x, y) points in [0, 1]^2 with the diagonal drawn as a reference.
std::string PlotSvg(std::string_view title, std::string_view xlabel, std::string_view ylabel,
                    const std::vector<std::pair<double, double>>& points, bool markers) {
  const double size = 300, pad = 50;
  auto X = [&](double v) { return pad + v * size; };
  auto Y = [&](double v) { return pad + (1.0 - v) * size; };
  std::ostringstream s;
  char buf[128];
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"400\" "
       "font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<rect x=\"0\" y=\"0\" width=\"400\" height=\"400\" fill=\"white\"/>\n";
  s << "<text x=\"200\" y=\"25\" text-anchor=\"middle\" font-size=\"14\">"
    << base::HtmlEscape(title) << "</text>\n";
  s << "<rect x=\"50\" y=\"50\" width=\"300\" height=\"300\" fill=\"none\" stroke=\"black\"/>\n";
  s << "<line x1=\"50\" y1=\"350\" x2=\"350\" y2=\"50\" stroke=\"#999\" stroke-dasharray=\"4 "
       "4\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = t / 4.0;
    std::snprintf(buf, sizeof buf, "%.2f", v);
    s << "<text x=\"" << X(v) << "\" y=\"368\" text-anchor=\"middle\">" << buf << "</text>\n";
    s << "<text x=\"44\" y=\"" << Y(v) + 4 << "\" text-anchor=\"end\">" << buf << "</text>\n";
  }
  s << "<text x=\"200\" y=\"390\" text-anchor=\"middle\">" << base::HtmlEscape(xlabel)
    << "</text>\n";
  s << "<text x=\"14\" y=\"200\" text-anchor=\"middle\" transform=\"rotate(-90 14 200)\">"
    << base::HtmlEscape(ylabel) << "</text>\n";
  if (!points.empty()) {
    s << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"";
    for (const auto& [x, y] : points) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", X(x), Y(y));
      s << buf;
    }
    s << "\"/>\n";
    if (markers) {
      for (const auto& [x, y] : points) {
        std::snprintf(buf, sizeof buf,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"/>\n", X(x), Y(y));
        s << buf;
      }
    }
  }
  s << "</svg>\n";
  return s.str();
}

std::string Decimal(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string HomeMarkdown(const json& card) {
  std::string s = "## Home\n\n";
  auto info = ReadModelInfo(card);
  if (!info.ok()) return s + "- invalid: " + Cell(info.status().message()) + "\n\n";
  if (!info->home) {
    s += "- the card does not say where the training data came from\n";
  } else {
    const ModelHome& h = *info->home;
    s += "- place: " + Cell(HomePlace(h)) + "\n";
    s += "- applies within: " + Decimal(h.applies_within_km, 0) + " km\n";
    s += "- source: " + Cell(h.source.empty() ? "-" : h.source) + "\n";
    s += "- dates: " + Cell(HomeDates(h)) + "\n";
  }
  s += "- held-out skill: " + (info->skill ? SkillLine(*info->skill) : std::string("-")) + "\n\n";
  return s;
}

// "held-out" or "out-of-bag": the rows card["evaluation"] was computed on (held-out in cards
// written before the key existed).
std::string EvaluationRows(const json& card) {
  const json& rows = Get(Get(card, "evaluation"), "rows");
  return rows.is_string() ? Cell(rows.get<std::string>()) : "held-out";
}

}  // namespace

std::string HomePlace(const ModelHome& home) {
  return home.name + " (" + Decimal(home.latitude, 4) + ", " + Decimal(home.longitude, 4) + ")";
}

std::string HomeDates(const ModelHome& home) {
  return (home.from.empty() ? "-" : home.from) + " to " + (home.to.empty() ? "-" : home.to);
}

std::string SkillLine(const ModelSkill& skill) {
  return "ROC AUC " + Decimal(skill.roc_auc, 3) + ", Brier " + Decimal(skill.brier, 3) +
         " (climatology " + Decimal(skill.climatology_brier, 3) + ", Brier skill score " +
         Decimal(skill.brier_skill_score, 3) + ") on " + std::to_string(skill.rows) + " " +
         skill.rows_kind + " rows";
}

std::string EvaluationMarkdown(const json& metrics, const json& baselines, const json& reliability,
                               const json& class_labels) {
  std::ostringstream s;
  s << "| model | accuracy | ROC AUC | Brier | log loss |\n|---|---|---|---|---|\n";
  s << MetricRow("this forest", metrics);
  const json& maj = Get(baselines, "majority_class");
  if (!maj.is_null()) {
    s << "| majority class (always " << Fmt(Get(maj, "class")) << ") | "
      << Fmt(Get(maj, "accuracy")) << " | - | - | - |\n";
  }
  const json& clim = Get(baselines, "climatology");
  if (!clim.is_null()) {
    s << MetricRow("climatology (constant p = " + Fmt(Get(clim, "probability")) + ")", clim);
  }
  const json& mclim = Get(baselines, "monthly_climatology");
  if (!mclim.is_null()) s << MetricRow("monthly climatology", mclim);
  s << "\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
  const json& pc = Get(metrics, "per_class");
  if (pc.is_array()) {
    for (size_t c = 0; c < pc.size(); ++c) {
      std::string label = std::to_string(c);
      if (class_labels.is_array() && c < class_labels.size() && class_labels[c].is_string()) {
        label = class_labels[c].get<std::string>();
      }
      s << "| " << Cell(label) << " | " << Fmt(Get(pc[c], "precision")) << " | "
        << Fmt(Get(pc[c], "recall")) << " | " << Fmt(Get(pc[c], "f1")) << " | "
        << Fmt(Get(pc[c], "support")) << " |\n";
    }
  }
  if (reliability.is_array()) {
    s << "\nReliability (predicted probability vs observed frequency):\n\n"
         "| predicted | rows | mean predicted | observed |\n|---|---|---|---|\n";
    for (const json& b : reliability) {
      s << "| " << Fmt(Get(b, "lo"), 1) << "-" << Fmt(Get(b, "hi"), 1) << " | "
        << Fmt(Get(b, "count")) << " | " << Fmt(Get(b, "mean_predicted")) << " | "
        << Fmt(Get(b, "observed")) << " |\n";
    }
  }
  return s.str();
}

std::string CardMarkdown(const json& card, std::string_view plot_stem) {
  std::ostringstream s;
  s << "# Model card: " << Cell(Fmt(Get(card, "name"))) << " " << Cell(Fmt(Get(card, "version")))
    << "\n\n";
  const json& desc = Get(card, "description");
  if (desc.is_string()) s << desc.get<std::string>() << "\n\n";
  s << "Created by " << Fmt(Get(card, "created_by")) << ".\n\n";
  s << HomeMarkdown(card);

  s << "## Data\n\n";
  const json& data = Get(card, "data");
  s << "- file: `" << Fmt(Get(data, "file")) << "` (XXH64 " << Fmt(Get(data, "xxh64")) << "), "
    << Fmt(Get(data, "csv_rows")) << " rows, " << Fmt(Get(data, "labelled_rows")) << " labelled\n";
  const json& prov = Get(card, "provenance");
  if (prov.is_object()) {
    for (auto it = prov.begin(); it != prov.end(); ++it) {
      s << "- " << it.key() << ": " << Fmt(it.value()) << "\n";
    }
  }
  const json& lic = Get(card, "licence");
  if (!lic.is_null()) s << "- licence: " << Fmt(lic) << "\n";
  const json& label = Get(card, "label");
  s << "- label: " << Fmt(Get(label, "definition")) << "\n\n";

  s << "## Features\n\n| feature | unit | impurity importance | permutation importance |\n"
       "|---|---|---|---|\n";
  const json& feats = Get(card, "features");
  const json& imps = Get(Get(card, "importances"), "features");
  if (feats.is_array()) {
    for (size_t i = 0; i < feats.size(); ++i) {
      const json& imp = imps.is_array() && i < imps.size() ? imps[i] : json();
      s << "| " << Cell(Fmt(Get(feats[i], "name"))) << " | " << Cell(Fmt(Get(feats[i], "unit")))
        << " | " << Fmt(Get(imp, "impurity")) << " | " << Fmt(Get(imp, "permutation_mean")) << " ± "
        << Fmt(Get(imp, "permutation_std")) << " |\n";
    }
  }
  const json& impmeta = Get(card, "importances");
  if (impmeta.is_object()) {
    s << "\nPermutation importance: drop in " << Fmt(Get(impmeta, "permutation_metric"))
      << " on the " << Fmt(Get(impmeta, "permutation_rows"))
      << " rows when one feature is shuffled (" << Fmt(Get(impmeta, "permutation_repeats"))
      << " repeats";
    const json& used = Get(impmeta, "permutation_sample_rows");
    const json& of = Get(impmeta, "permutation_available_rows");
    if (used.is_number() && of.is_number() && used != of) {
      s << ", a random sample of " << Fmt(used) << " of the " << Fmt(of) << " rows";
    }
    s << ").\n";
  }

  s << "\n## Parameters\n\n";
  const json& params = Get(card, "params");
  if (params.is_object()) {
    for (auto it = params.begin(); it != params.end(); ++it) {
      s << "- " << it.key() << ": " << Fmt(it.value()) << "\n";
    }
  }
  const json& training = Get(card, "training");
  s << "- training rows: " << Fmt(Get(training, "rows")) << ", positive rate "
    << Fmt(Get(training, "positive_rate")) << ", out-of-bag accuracy "
    << Fmt(Get(training, "oob_accuracy")) << "\n";

  const json& sel = Get(card, "selection");
  if (sel.is_object()) {
    s << "\n## Model selection\n\n"
      << Fmt(Get(sel, "cv_folds")) << "-fold cross-validation, " << Fmt(Get(sel, "cv_kind"))
      << " folds"
      << (Fmt(Get(sel, "cv_kind")) == "time"
              ? " (each fold validates on days after the ones it fits)"
              : "")
      << ", scored by " << Fmt(Get(sel, "metric"))
      << ".\n\n| parameters | mean | std |\n|---|---|---|\n";
    const json& grid = Get(sel, "grid");
    const json& best = Get(sel, "best_index");
    if (grid.is_array()) {
      for (size_t i = 0; i < grid.size(); ++i) {
        std::string p;
        const json& gp = Get(grid[i], "params");
        if (gp.is_object()) {
          for (auto it = gp.begin(); it != gp.end(); ++it) {
            p += (p.empty() ? "" : ", ") + it.key() + "=" + Fmt(it.value());
          }
        }
        const bool is_best = best.is_number_unsigned() && best.get<size_t>() == i;
        s << "| " << Cell(p) << (is_best ? " (chosen)" : "") << " | " << Fmt(Get(grid[i], "mean"))
          << " | " << Fmt(Get(grid[i], "std")) << " |\n";
      }
    }
  }

  const json& ev = Get(card, "evaluation");
  if (ev.is_object()) {
    if (Fmt(Get(ev, "rows")) == "out-of-bag") {
      s << "\n## Out-of-bag evaluation\n\n"
        << Fmt(Get(ev, "test_rows"))
        << " training rows, each predicted only by the trees that did not see it.\n\n";
    } else {
      s << "\n## Held-out evaluation\n\n"
        << Fmt(Get(ev, "test_rows")) << " rows (" << Fmt(Get(ev, "split")) << " split"
        << (Fmt(Get(ev, "split")) == "time"
                ? ": the last rows of the file, after every training day"
                : "")
        << ").\n\n";
    }
    const json& describes = Get(ev, "describes");
    if (describes.is_string())
      s << "These metrics describe " << describes.get<std::string>() << ".\n\n";
    s << EvaluationMarkdown(Get(ev, "test"), Get(ev, "baselines"), Get(ev, "reliability"),
                            Get(label, "classes"));
    if (!plot_stem.empty()) {
      s << "\n![ROC curve](" << plot_stem << ".roc.svg) ![Calibration curve](" << plot_stem
        << ".calibration.svg)\n";
    }
  }
  const json& notes = Get(card, "notes");
  if (notes.is_string()) s << "\n## Notes\n\n" << notes.get<std::string>() << "\n";
  return s.str();
}

std::string RocSvg(const json& card) {
  const json& roc = Get(Get(card, "evaluation"), "roc");
  if (!roc.is_array()) return "";
  std::vector<std::pair<double, double>> pts;
  for (const json& p : roc) {
    if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number()) {
      pts.emplace_back(p[0].get<double>(), p[1].get<double>());
    }
  }
  const std::string auc = Fmt(Get(Get(Get(card, "evaluation"), "test"), "roc_auc"));
  return PlotSvg("ROC curve (" + EvaluationRows(card) + ", AUC " + auc + ")", "false positive rate",
                 "true positive rate", pts, false);
}

std::string CalibrationSvg(const json& card) {
  const json& rel = Get(Get(card, "evaluation"), "reliability");
  if (!rel.is_array()) return "";
  std::vector<std::pair<double, double>> pts;
  for (const json& b : rel) {
    const json& x = Get(b, "mean_predicted");
    const json& y = Get(b, "observed");
    if (x.is_number() && y.is_number()) pts.emplace_back(x.get<double>(), y.get<double>());
  }
  return PlotSvg("Calibration (" + EvaluationRows(card) + ")", "mean predicted probability",
                 "observed frequency", pts, true);
}

CardPaths CardPathsFor(const std::string& model_path) {
  std::filesystem::path p(model_path);
  CardPaths c;
  c.stem = p.stem().string();
  const std::filesystem::path base = p.parent_path() / c.stem;
  c.markdown = base.string() + ".card.md";
  c.json = base.string() + ".card.json";
  c.roc_svg = base.string() + ".roc.svg";
  c.calibration_svg = base.string() + ".calibration.svg";
  return c;
}

Status WriteCardFiles(const json& card, const std::string& model_path) {
  const CardPaths paths = CardPathsFor(model_path);
  const std::pair<std::string, std::string> files[] = {
      {paths.markdown, CardMarkdown(card, paths.stem)},
      {paths.json, card.dump(2) + "\n"},
      {paths.roc_svg, RocSvg(card)},
      {paths.calibration_svg, CalibrationSvg(card)}};
  for (const auto& [path, text] : files) {
    if (text.empty()) continue;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::IOError("cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace raincheck::forest
