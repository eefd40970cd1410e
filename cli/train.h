// Pieces of `raincheck train` shared by its two sources of data: a CSV file (train.cc) and a
// place's daily history downloaded from Open-Meteo's archive (train_history.cc).
#ifndef RAINCHECK_CLI_TRAIN_H_
#define RAINCHECK_CLI_TRAIN_H_

#include <string>

#include "base/status.h"
#include "forest/pipeline.h"

namespace raincheck::cli {

// `--history openmeteo` and its flags, as given on the command line.
struct HistoryFlags {
  std::string place;
  int years = 10;        // the last N complete calendar years, when --from/--to are absent
  std::string from, to;  // YYYY-MM-DD, both or neither
  double rain_threshold_mm = 0.1;
  double applies_within_km = forest::ModelHome::kDefaultAppliesWithinKm;
  std::string cache_dir;  // "" -> $XDG_CACHE_HOME/raincheck or ~/.cache/raincheck
};

// OK when the directory that will hold `out` exists and this process may create files in it,
// and `out` is not a directory or a file it may not overwrite; FailedPrecondition naming the
// path otherwise. Checked before the data is read, downloaded or fitted: a usage error (exit 2).
Status CheckOutputDirectory(const std::string& out);

// Trains with `options` (already checked by forest::CheckTrainOptions), writes the model to
// `out` and its card beside it, and prints the summary. Returns the exit code; errors are
// printed as one line.
int FitAndSave(const forest::TrainOptions& options, const std::string& out);

// `raincheck train --history openmeteo`: geocodes `flags.place` with the function's own
// geocoder, downloads its daily history (cached in the cache directory), writes it beside the
// model as <stem>.history.csv and trains on it. `options` carries the shared flags (grid, seed,
// cv, metric, name, ...); the data, features, units, label and home come from the history.
// Returns the exit code: 2 for unusable dates, 1 for a place that cannot be found, an upstream
// failure or a file that cannot be written.
int RunHistoryTrain(const HistoryFlags& flags, forest::TrainOptions options,
                    const std::string& out);

}  // namespace raincheck::cli

#endif  // RAINCHECK_CLI_TRAIN_H_
