// The AWS SAM template `raincheck package` writes beside the zips. See docs/packaging.md.
#ifndef RAINCHECK_PACKAGING_TEMPLATE_H_
#define RAINCHECK_PACKAGING_TEMPLATE_H_

#include <string>

namespace raincheck::packaging {

struct TemplateOptions {
  std::string architecture = "x86_64";  // or "arm64"
  int memory_mb = 128;
  int timeout_s = 10;
  std::string function_zip = "function.zip";      // CodeUri, relative to the template
  std::string layer_zip = "model-layer.zip";      // ContentUri
  std::string runtime_zip = "runtime-layer.zip";  // the loader and shared libraries
};

// The template text (YAML). API keys only ever appear as SSM parameter names / Secrets Manager
// ids, read at run time through the AWS Parameters and Secrets Lambda Extension.
std::string SamTemplate(const TemplateOptions& options);

}  // namespace raincheck::packaging

#endif  // RAINCHECK_PACKAGING_TEMPLATE_H_
