// A main() for the fuzz targets when libFuzzer is not used (the GCC release and dev builds):
// runs LLVMFuzzerTestOneInput on each file named on the command line (directories are walked),
// then on deterministic mutations of each (every truncation and a pseudo-random sample of byte
// flips), so a corpus replay also exercises damaged inputs. Exit 0 when every input was handled.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& bytes) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

void RunWithMutations(const std::string& bytes) {
  Run(bytes);
  for (size_t n = 0; n < bytes.size(); ++n) Run(bytes.substr(0, n));
  uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 2000 && !bytes.empty(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::string m = bytes;
    m[(state >> 33) % m.size()] = static_cast<char>(state >> 24);
    Run(m);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.push_back(p);
    }
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    std::ostringstream s;
    s << in.rdbuf();
    RunWithMutations(s.str());
  }
  std::printf("ran %zu inputs with mutations\n", files.size());
  return 0;
}
