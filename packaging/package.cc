#include "packaging/package.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <utility>

#include "base/file.h"
#include "packaging/subprocess.h"
#include "packaging/template.h"
#include "packaging/zip.h"

namespace raincheck::packaging {
namespace {

namespace fs = std::filesystem;

std::string FileName(const std::string& path) { return fs::path(path).filename().string(); }

Result<std::string> Read(const std::string& path, const std::string& what) {
  auto data = base::ReadFile(path);
  if (!data.ok()) return data.status().WithContext(what);
  return std::move(*data);
}

}  // namespace

std::string HostArchitecture() {
#if defined(__aarch64__)
  return "arm64";
#elif defined(__x86_64__)
  return "x86_64";
#else
#error "Lambda runs x86_64 and arm64 only"
#endif
}

Result<LibraryClosure> ParseLddOutput(const std::string& output) {
  LibraryClosure out;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first;
    std::string arrow;
    std::string target;
    words >> first >> arrow >> target;
    if (first.empty() || first.rfind("linux-vdso", 0) == 0 || first.rfind("linux-gate", 0) == 0)
      continue;
    if (arrow == "=>") {
      if (target == "not" || target.empty() || target.front() != '/') {
        std::string message = "shared library ";
        message.append(first).append(" not found (ldd: ").append(line).append(")");
        return Status::NotFound(message);
      }
      out.libraries.push_back({first, target});
    } else if (first.front() == '/' && FileName(first).rfind("ld-linux", 0) == 0) {
      out.loader = {FileName(first), first};
    } else if (line.find("statically linked") != std::string::npos) {
      return Status::FailedPrecondition("the executable is statically linked; nothing to bundle");
    }
  }
  if (out.loader.path.empty())
    return Status::NotFound("ldd named no dynamic loader (ld-linux-*.so.*)");
  return out;
}

Result<LibraryClosure> ResolveLibraries(const std::string& executable) {
  RC_ASSIGN_OR_RETURN(CommandOutput r, RunCapture({"ldd", executable}));
  if (r.exit_code != 0) {
    return Status::FailedPrecondition("ldd " + executable + " failed: " + r.stderr_text);
  }
  return ParseLddOutput(r.stdout_text);
}

Result<LibraryClosure> ResolveLoadedLibrary(const std::string& soname) {
  void* handle = ::dlopen(soname.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Status::NotFound("shared library " + soname + " not found" +
                            (why != nullptr ? std::string(" (") + why + ")" : std::string()));
  }
  link_map* map = nullptr;
  std::string path;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr) {
    path = map->l_name;
  }
  ::dlclose(handle);
  if (path.empty() || path.front() != '/') {
    return Status::NotFound("shared library " + soname + ": the dynamic loader gave no path");
  }
  RC_ASSIGN_OR_RETURN(LibraryClosure closure, ResolveLibraries(path));
  closure.libraries.insert(closure.libraries.begin(), SharedLibrary{soname, path});
  return closure;
}

std::string LauncherScript(const std::string& loader_name) {
  return "#!/bin/sh\n"
         "# raincheck's Lambda bootstrap: runs bin/bootstrap with the C library and shared\n"
         "# libraries it was built against (the runtime layer's /opt/raincheck/lib, or lib/ "
         "beside\n"
         "# this script), so it does not depend on the host's glibc.\n"
         "# See docs/packaging.md.\n"
         "root=\"${LAMBDA_TASK_ROOT:-$(dirname \"$0\")}\"\n"
         "if [ -z \"$RAINCHECK_MODELS\" ] && [ -z \"$RAINCHECK_MODEL\" ]; then\n"
         "  if [ -d \"$root/models\" ]; then\n"
         "    RAINCHECK_MODELS=\"$root/models\"; export RAINCHECK_MODELS\n"
         "  elif [ -d /opt/raincheck/models ]; then\n"
         "    RAINCHECK_MODELS=/opt/raincheck/models; export RAINCHECK_MODELS\n"
         "  fi\n"
         "fi\n"
         "if [ -z \"$RAINCHECK_GAZETTEER_PATH\" ] && [ -f \"$root/gazetteer.bin\" ]; then\n"
         "  RAINCHECK_GAZETTEER_PATH=\"$root/gazetteer.bin\"; export RAINCHECK_GAZETTEER_PATH\n"
         "fi\n"
         "lib=\"$root/lib\"\n"
         "[ -d \"$lib\" ] || lib=/opt/raincheck/lib\n"
         "exec \"$lib/" +
         loader_name + "\" --library-path \"$lib\" \"$root/bin/bootstrap\" \"$@\"\n";
}

Result<std::vector<ModelFile>> ListModelFiles(const PackageOptions& o) {
  std::vector<fs::path> models;
  std::error_code ec;
  if (!o.model_path.empty()) {
    if (!fs::is_regular_file(o.model_path, ec))
      return Status::NotFound(o.model_path + ": no such model file");
    models.emplace_back(o.model_path);
  } else {
    if (o.models_dir.empty()) return Status::InvalidArgument("no models directory given");
    for (fs::directory_iterator it(o.models_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".rcf" && it->is_regular_file(ec)) models.push_back(it->path());
    }
    if (ec) return Status::IOError(o.models_dir + ": " + ec.message());
    if (models.empty()) return Status::NotFound(o.models_dir + ": no *.rcf model files");
    std::sort(models.begin(), models.end());
  }
  std::vector<ModelFile> out;
  for (const fs::path& m : models) {
    out.push_back({m.filename().string(), m.string()});
    for (const char* ext : {".card.md", ".card.json"}) {
      const fs::path card = m.parent_path() / (m.stem().string() + ext);
      if (fs::is_regular_file(card, ec)) out.push_back({card.filename().string(), card.string()});
    }
  }
  return out;
}

Result<std::vector<Artefact>> Package(const PackageOptions& o) {
  const std::string arch = o.architecture.empty() ? HostArchitecture() : o.architecture;
  if (arch != "x86_64" && arch != "arm64") {
    return Status::InvalidArgument("architecture must be x86_64 or arm64, not '" + arch + "'");
  }
  if (arch != HostArchitecture()) {
    return Status::InvalidArgument("bootstrap is built for " + HostArchitecture() +
                                   "; build on (or cross-compile for) " + arch + " to package it");
  }
  RC_ASSIGN_OR_RETURN(std::string bootstrap, Read(o.bootstrap_path, "bootstrap"));
  if (bootstrap.size() < 4 || bootstrap.compare(0, 4,
                                                "\x7f"
                                                "ELF") != 0) {
    return Status::InvalidArgument(o.bootstrap_path + ": not an ELF executable");
  }
  RC_ASSIGN_OR_RETURN(std::vector<ModelFile> model_files, ListModelFiles(o));
  RC_ASSIGN_OR_RETURN(std::string gazetteer, Read(o.gazetteer_path, "gazetteer"));
  RC_ASSIGN_OR_RETURN(std::string attribution, Read(o.attribution_path, "gazetteer attribution"));
  RC_ASSIGN_OR_RETURN(LibraryClosure closure, ResolveLibraries(o.bootstrap_path));
  for (const char* soname : kLibrariesLoadedAtRunTime) {
    RC_ASSIGN_OR_RETURN(LibraryClosure loaded, ResolveLoadedLibrary(soname));
    closure.libraries.insert(closure.libraries.end(), loaded.libraries.begin(),
                             loaded.libraries.end());
  }

  std::vector<ZipEntry> function;
  function.push_back({"bootstrap", LauncherScript(closure.loader.name), 0755});
  function.push_back({"bin/bootstrap", std::move(bootstrap), 0755});
  // The loader and the libraries: a layer of their own (/opt/raincheck/lib), so function.zip
  // stays small and the libraries, which change only with the build machine, upload once.
  std::vector<ZipEntry> runtime;
  RC_ASSIGN_OR_RETURN(std::string loader, Read(closure.loader.path, "dynamic loader"));
  runtime.push_back({"raincheck/lib/" + closure.loader.name, std::move(loader), 0755});
  std::set<std::string> names{closure.loader.name};
  for (const auto& lib : closure.libraries) {
    if (!names.insert(lib.name).second) continue;
    RC_ASSIGN_OR_RETURN(std::string data, Read(lib.path, "shared library"));
    runtime.push_back({"raincheck/lib/" + lib.name, std::move(data), 0755});
  }
  runtime.push_back({"raincheck/lib/THIRD-PARTY-NOTICES.md",
                     "The libraries here are Debian 12's, copied from the machine that built "
                     "bootstrap; their licences are in /usr/share/doc/<package>/copyright of the "
                     "Debian packages they come from (glibc: LGPL-2.1+, libstdc++: GPL-3 with the "
                     "runtime exception, libcurl: curl licence, OpenSSL: Apache-2.0, ...).\n",
                     0644});
  // The models: in function.zip (models/ beside bootstrap, for a deployment without the
  // layer) and in the layer, extracted under /opt: raincheck/models/X.rcf is
  // /opt/raincheck/models/X.rcf. The cards (X.card.md / X.card.json) go in the layer only.
  std::vector<ZipEntry> layer;
  for (const ModelFile& f : model_files) {
    RC_ASSIGN_OR_RETURN(std::string data, Read(f.path, "model"));
    if (fs::path(f.name).extension() == ".rcf")
      function.push_back({"models/" + f.name, data, 0644});
    layer.push_back({"raincheck/models/" + f.name, std::move(data), 0644});
  }
  function.push_back({"gazetteer.bin", std::move(gazetteer), 0644});
  function.push_back({"THIRD-PARTY-NOTICES.md",
                      "# Third-party data and libraries in this package\n\n"
                      "Each model in models/ names its training data and their licence in its "
                      "card (inside the file, and beside it in model-layer.zip); the models a "
                      "build ships are trained on NOAA daily observations (a U.S. Government "
                      "work, public domain in the US) as distributed by vega-datasets "
                      "(BSD-3-Clause).\n\n"
                      "gazetteer.bin is derived from GeoNames (CC BY 4.0); its provenance and "
                      "attribution follow. The shared libraries are in runtime-layer.zip, with "
                      "their notice.\n\n"
                      "---\n\n" +
                          attribution,
                      0644});

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return Status::IOError(o.out_dir + ": " + ec.message());
  const std::string function_zip = (fs::path(o.out_dir) / "function.zip").string();
  const std::string layer_zip = (fs::path(o.out_dir) / "model-layer.zip").string();
  const std::string runtime_zip = (fs::path(o.out_dir) / "runtime-layer.zip").string();
  const std::string template_yaml = (fs::path(o.out_dir) / "template.yaml").string();
  RC_RETURN_IF_ERROR(WriteZip(function_zip, function));
  RC_RETURN_IF_ERROR(WriteZip(layer_zip, layer));
  RC_RETURN_IF_ERROR(WriteZip(runtime_zip, runtime));
  TemplateOptions t;
  t.architecture = arch;
  RC_RETURN_IF_ERROR(base::WriteFileAtomic(template_yaml, SamTemplate(t)));

  std::vector<Artefact> out;
  for (const auto& p : {function_zip, layer_zip, runtime_zip, template_yaml}) {
    out.push_back({p, static_cast<uint64_t>(fs::file_size(p, ec))});
    if (ec) return Status::IOError(p + ": " + ec.message());
  }
  if (o.size_budget && out[0].bytes > kMaxFunctionZipBytes) {
    return Status::ResourceExhausted(function_zip + " is " + std::to_string(out[0].bytes) +
                                     " bytes, over the 10 MB budget");
  }
  return out;
}

}  // namespace raincheck::packaging
