// Rendering a model card (the JSON stored in the model file) as Markdown and SVG plots.
// Every renderer accepts any JSON: missing or mistyped fields print as "-".
#ifndef RAINCHECK_FOREST_CARD_H_
#define RAINCHECK_FOREST_CARD_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "forest/model_info.h"

namespace raincheck::forest {

// "Cape Town, South Africa (-33.9258, 18.4232)": a home's name and coordinates on one line.
std::string HomePlace(const ModelHome& home);
// "2015-01-01 to 2019-12-31" ("-" for an unknown end).
std::string HomeDates(const ModelHome& home);
// "ROC AUC 0.801, Brier 0.171 (climatology 0.190, Brier skill score 0.100) on 292 held-out rows"
// ("... on 1168 out-of-bag rows" when the card's evaluation was out of bag).
std::string SkillLine(const ModelSkill& skill);

// The card as Markdown, with a "Home" section (where the data came from, how far the model
// claims to apply, its held-out skill beside climatology). When `plot_stem` is not empty the ROC
// and calibration plots are linked as "<plot_stem>.roc.svg" and "<plot_stem>.calibration.svg".
std::string CardMarkdown(const nlohmann::json& card, std::string_view plot_stem);
// SVG line plots of card["evaluation"]["roc"] and card["evaluation"]["reliability"]
// ("" when the card has no evaluation).
std::string RocSvg(const nlohmann::json& card);
std::string CalibrationSvg(const nlohmann::json& card);
// The Markdown tables of an evaluation (forest::Evaluate's output, or card["evaluation"]).
std::string EvaluationMarkdown(const nlohmann::json& metrics, const nlohmann::json& baselines,
                               const nlohmann::json& reliability,
                               const nlohmann::json& class_labels);

// Card file paths for a model at `model_path` ("dir/x.rcf" -> "dir/x.card.md", ...).
struct CardPaths {
  std::string markdown, json, roc_svg, calibration_svg;
  std::string stem;  // "x": what the Markdown uses to link the plots
};
CardPaths CardPathsFor(const std::string& model_path);
// Writes the four card files beside the model. IOError naming the file that failed.
Status WriteCardFiles(const nlohmann::json& card, const std::string& model_path);

}  // namespace raincheck::forest

#endif  // RAINCHECK_FOREST_CARD_H_
