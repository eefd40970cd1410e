// `raincheck package`: the Lambda function zip, the model layer zip and the SAM template.
// See docs/packaging.md.
#ifndef RAINCHECK_PACKAGING_PACKAGE_H_
#define RAINCHECK_PACKAGING_PACKAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::packaging {

inline constexpr uint64_t kMaxFunctionZipBytes =
    uint64_t{10} * 1024 * 1024;  // our budget, not Lambda's

struct PackageOptions {
  std::string out_dir = "dist";
  std::string bootstrap_path;  // the runtime executable (build/bin/bootstrap)
  // The models the function chooses from by place: every X.rcf in models_dir (build/models),
  // each with its card X.card.md / X.card.json when present beside it. A non-empty model_path
  // replaces the directory by a directory of that one model.
  std::string models_dir;
  std::string model_path;
  std::string gazetteer_path;    // build/data/gazetteer.bin
  std::string attribution_path;  // data/gazetteer/README.md (GeoNames, CC BY 4.0)
  std::string architecture;      // "x86_64" or "arm64"; empty: the build machine's
  bool size_budget = true;       // fail when function.zip is over kMaxFunctionZipBytes
};

struct Artefact {
  std::string path;
  uint64_t bytes = 0;
};

// One shared library bootstrap needs at run time (from ldd), or the dynamic loader.
struct SharedLibrary {
  std::string name;  // the soname the binary asks for, e.g. "libcurl.so.4"
  std::string path;  // where it resolves on this machine
};

// The loader (ld-linux-*.so.*) and every library of `executable`'s closure, as ldd resolves it.
// The loader is flagged by `loader` (its name is its file name).
struct LibraryClosure {
  SharedLibrary loader;
  std::vector<SharedLibrary> libraries;
};
Result<LibraryClosure> ResolveLibraries(const std::string& executable);
// Parses ldd's output (exposed for tests).
Result<LibraryClosure> ParseLddOutput(const std::string& output);

// The libraries bootstrap opens at run time instead of linking them (http/curl_client.cc loads
// libcurl at the first upstream request), which ldd of bootstrap does not name: the runtime
// layer carries them and their closures too.
inline constexpr const char* kLibrariesLoadedAtRunTime[] = {"libcurl.so.4"};
// `soname` where this machine's dynamic loader finds it (first in `libraries`), and its closure.
Result<LibraryClosure> ResolveLoadedLibrary(const std::string& soname);

// "x86_64" or "arm64" for this build (Lambda's architecture names).
std::string HostArchitecture();

// The /bin/sh script that is `bootstrap` at the zip's root: runs bin/bootstrap with the
// loader and libraries of the runtime layer (/opt/raincheck/lib, or lib/ beside the script),
// and points the function at the bundled models directory (RAINCHECK_MODELS: models/ beside
// the script, else the model layer's /opt/raincheck/models, unless RAINCHECK_MODELS or
// RAINCHECK_MODEL is set already) and gazetteer.
std::string LauncherScript(const std::string& loader_name);

// One file of the models directory: its name there ("seattle.rcf", "seattle.card.md") and
// where it is read from.
struct ModelFile {
  std::string name;
  std::string path;
};
// The files `Package` ships as models/: every *.rcf of options.models_dir in name order (or
// options.model_path alone) and the X.card.md / X.card.json beside each. NotFound when the
// directory has no *.rcf or the file does not exist; IOError for an unreadable directory.
Result<std::vector<ModelFile>> ListModelFiles(const PackageOptions& options);

// Writes function.zip (models/*.rcf beside bootstrap), model-layer.zip
// (raincheck/models/*.rcf and their cards), runtime-layer.zip and template.yaml into out_dir.
Result<std::vector<Artefact>> Package(const PackageOptions& options);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_PACKAGE_H_
