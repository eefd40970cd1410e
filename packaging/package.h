// `raincheck package`: the Lambda function zip, the model layer zip and the SAM template.
// See docs/packaging.md.
#ifndef RAINCHECK_PACKAGING_PACKAGE_H_
#define RAINCHECK_PACKAGING_PACKAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace raincheck::packaging {

inline constexpr uint64_t kMaxFunctionZipBytes = 10u * 1024u * 1024u;  // our budget, not Lambda's

struct PackageOptions {
  std::string out_dir = "dist";
  std::string bootstrap_path;    // the runtime executable (build/bin/bootstrap)
  std::string model_path;        // e.g. build/models/default.rcf; its card X.card.md/json beside it
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

// "x86_64" or "arm64" for this build (Lambda's architecture names).
std::string HostArchitecture();

// The /bin/sh script that is `bootstrap` at the zip's root: runs bin/bootstrap with the
// loader and libraries of the runtime layer (/opt/raincheck/lib, or lib/ beside the script),
// and points the function at the bundled model and gazetteer.
std::string LauncherScript(const std::string& loader_name);

// Writes function.zip, model-layer.zip, runtime-layer.zip and template.yaml into out_dir.
Result<std::vector<Artefact>> Package(const PackageOptions& options);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_PACKAGE_H_
