// `raincheck package` and `raincheck deploy` as users run them: the zip layout, the template
// (parsed as YAML), the unpacked function answering through the Runtime API emulator on this
// machine and inside an older Debian root (glibc 2.31), and the deploy dry run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "local/emulator.h"
#include "packaging/zip.h"
#include "tests/fakes/upstream_fakes.h"
#include "tests/support/process.h"

namespace raincheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// The shipped models directory (seattle.rcf, new-york.rcf and their cards).
const std::string kModels = RAINCHECK_DEFAULT_MODELS_DIR;
const std::string kGazetteer = RAINCHECK_BINARY_DIR "/data/gazetteer.bin";
// Shared by the release and dev builds: made once (debootstrap takes minutes), reused after.
const std::string kOlderRoot = RAINCHECK_SOURCE_DIR "/build/userland/bullseye";

std::string Slurp(const std::string& path) {
  auto data = base::ReadFile(path);
  return data.ok() ? *data : std::string();
}

// Entry name -> size of every entry of `zip` whose name starts with `prefix`.
std::map<std::string, uint64_t> ZipSizes(const std::string& zip, const std::string& prefix = "") {
  std::map<std::string, uint64_t> out;
  auto listing = packaging::ListZip(zip);
  EXPECT_TRUE(listing.ok()) << zip << ": " << listing.status().ToString();
  if (!listing.ok()) return out;
  for (const auto& e : *listing) {
    if (e.name.rfind(prefix, 0) == 0) out[e.name] = e.size;
  }
  return out;
}

// The output of the package_dist ctest fixture (tests/CMakeLists.txt): `raincheck package`
// of this build, run once for every PackageTest, with its stdout, stderr and exit code. Absent
// (a test binary run by hand) or older than the binaries it packaged: nullopt.
std::optional<testing::ProcessResult> SharedPackage() {
  const fs::path shared = RAINCHECK_PACKAGE_DIST;
  std::error_code ec;
  const auto made = fs::last_write_time(shared / "exit_code", ec);
  if (ec) return std::nullopt;
  for (const char* binary : {"raincheck", "bootstrap"}) {
    const auto built = fs::last_write_time(testing::BinaryPath(binary), ec);
    if (ec || built > made) return std::nullopt;
  }
  testing::ProcessResult r;
  r.exit_code = std::atoi(Slurp((shared / "exit_code").string()).c_str());
  r.out = Slurp((shared / "out").string());
  r.err = Slurp((shared / "err").string());
  return r;
}

class PackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Scratch space of this process; dist_ is the shared package when there is one.
    dir_ = new std::string(::testing::TempDir() + "rc-package-" + std::to_string(::getpid()));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    if (auto shared = SharedPackage()) {
      dist_ = new std::string(RAINCHECK_PACKAGE_DIST "/dist");
      package_ = new testing::ProcessResult(std::move(*shared));
      return;
    }
    dist_ = new std::string(*dir_ + "/dist");
    std::vector<std::string> argv = {testing::BinaryPath("raincheck"), "package", "--out", *dist_};
    if (kSanitized) argv.emplace_back("--no-size-budget");  // an ASan bootstrap is ~75 MB
    package_ = new testing::ProcessResult(testing::RunProcess(argv));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete package_;
    delete dist_;
    delete dir_;
  }
  static std::string Dist(const std::string& name) { return *dist_ + "/" + name; }

  // Unpacks dist/`zip` under `root` as Lambda does, keeping the modes; entry names lose
  // `strip_prefix` first.
  static void Unpack(const std::string& zip, const std::string& root,
                     const std::string& strip_prefix = "") {
    auto listing = packaging::ListZip(Dist(zip));
    ASSERT_TRUE(listing.ok()) << listing.status().ToString();
    for (const auto& e : *listing) {
      ASSERT_EQ(e.name.rfind(strip_prefix, 0), 0u) << e.name;
      const fs::path target = fs::path(root) / e.name.substr(strip_prefix.size());
      fs::create_directories(target.parent_path());
      auto data = packaging::ReadZipEntry(Dist(zip), e.name);
      ASSERT_TRUE(data.ok()) << data.status().ToString();
      ASSERT_TRUE(base::WriteFileAtomic(target.string(), *data).ok());
      ASSERT_EQ(::chmod(target.c_str(), e.mode), 0);
    }
  }

  // One invocation of the forecast event through the emulator running `bootstrap`.
  static local::InvokeResult InvokeOnce(const std::string& bootstrap,
                                        const std::string& task_root) {
    fakes::OpenMeteoForecastFake openmeteo;
    local::EmulatorOptions o;
    o.bootstrap_path = bootstrap;
    o.task_root = task_root;
    o.timeout = std::chrono::milliseconds(8000);
    o.init_timeout = std::chrono::milliseconds(8000);
    o.environment = {{"RAINCHECK_OPENMETEO_URL", openmeteo.base_url()},
                     {"RAINCHECK_RECORDS", "off"}};
    o.log_sink = [](std::string_view) {};
    local::Emulator emulator(o);
    EXPECT_TRUE(emulator.Start().ok());
    auto r = emulator.Invoke(Slurp(RAINCHECK_SOURCE_DIR "/data/events/forecast-cape-town.json"));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    emulator.Shutdown();
    return r.ok() ? *r : local::InvokeResult{};
  }

  static void ExpectForecast(const local::InvokeResult& r) {
    EXPECT_EQ(r.function_error, "") << r.payload << "\n" << r.log_tail;
    ASSERT_TRUE(nlohmann::json::accept(r.payload)) << r.payload;
    const auto response = nlohmann::json::parse(r.payload);
    EXPECT_EQ(response["statusCode"], 200) << r.payload;
    EXPECT_THAT(response["body"].get<std::string>(), HasSubstr("Cape Town"));
  }

  static std::string* dir_;
  static std::string* dist_;
  static testing::ProcessResult* package_;
};
std::string* PackageTest::dir_ = nullptr;
std::string* PackageTest::dist_ = nullptr;
testing::ProcessResult* PackageTest::package_ = nullptr;

TEST_F(PackageTest, PrintsEachArtefactWithItsSize) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  for (const char* name :
       {"function.zip", "model-layer.zip", "runtime-layer.zip", "template.yaml"}) {
    EXPECT_THAT(package_->out, HasSubstr(Dist(name))) << package_->out;
    EXPECT_THAT(package_->out, HasSubstr(std::to_string(fs::file_size(Dist(name))) + " bytes"));
  }
}

TEST_F(PackageTest, FunctionZipLayout) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  if (!kSanitized) {
    EXPECT_LE(fs::file_size(Dist("function.zip")), 10u * 1024u * 1024u);
  }
  auto listing = packaging::ListZip(Dist("function.zip"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  std::map<std::string, packaging::ZipListing> entries;
  for (const auto& e : *listing) entries[e.name] = e;
  ASSERT_EQ((*listing)[0].name, "bootstrap");
  EXPECT_TRUE(entries["bootstrap"].unix_attributes);
  EXPECT_EQ(entries["bootstrap"].mode, 0755u);
  EXPECT_EQ(entries["bin/bootstrap"].mode, 0755u);
  EXPECT_EQ(entries["bin/bootstrap"].size, fs::file_size(testing::BinaryPath("bootstrap")));
  auto launcher = packaging::ReadZipEntry(Dist("function.zip"), "bootstrap");
  ASSERT_TRUE(launcher.ok());
  EXPECT_EQ(launcher->rfind("#!/bin/sh\n", 0), 0u);
  auto elf = packaging::ReadZipEntry(Dist("function.zip"), "bin/bootstrap");
  ASSERT_TRUE(elf.ok());
  EXPECT_EQ(elf->substr(0, 4),
            "\x7f"
            "ELF");
  // The whole models directory, the models only (their cards are in the layer).
  EXPECT_EQ(ZipSizes(Dist("function.zip"), "models/"),
            (std::map<std::string, uint64_t>{
                {"models/new-york.rcf", fs::file_size(kModels + "/new-york.rcf")},
                {"models/seattle.rcf", fs::file_size(kModels + "/seattle.rcf")}}));
  EXPECT_EQ(entries["models/seattle.rcf"].mode, 0644u);
  EXPECT_EQ(entries["gazetteer.bin"].size, fs::file_size(kGazetteer));
  auto notices = packaging::ReadZipEntry(Dist("function.zip"), "THIRD-PARTY-NOTICES.md");
  ASSERT_TRUE(notices.ok());
  EXPECT_THAT(*notices, HasSubstr("GeoNames"));
  EXPECT_THAT(*notices, HasSubstr("CC BY 4.0"));
  EXPECT_THAT(*notices, HasSubstr("NOAA"));
  for (const auto& [name, e] : entries) {
    EXPECT_NE(name.rfind("lib/", 0), 0u) << name << ": libraries belong in runtime-layer.zip";
  }
}

TEST_F(PackageTest, RuntimeLayerCarriesTheLoaderAndLibraries) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  auto launcher = packaging::ReadZipEntry(Dist("function.zip"), "bootstrap");
  ASSERT_TRUE(launcher.ok());
  auto listing = packaging::ListZip(Dist("runtime-layer.zip"));
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  std::map<std::string, packaging::ZipListing> entries;
  for (const auto& e : *listing) entries[e.name] = e;
  // The C library, the loader the launcher names, and libcurl, under /opt/raincheck/lib.
  bool loader = false;
  for (const auto& [name, e] : entries) {
    EXPECT_EQ(name.rfind("raincheck/lib/", 0), 0u) << name;
    if (name.rfind("raincheck/lib/ld-linux", 0) == 0) {
      loader = true;
      EXPECT_EQ(e.mode, 0755u);
      EXPECT_THAT(*launcher, HasSubstr(name.substr(std::string("raincheck/lib/").size())));
    }
  }
  EXPECT_TRUE(loader);
  EXPECT_EQ(entries.count("raincheck/lib/libc.so.6"), 1u);
  EXPECT_EQ(entries.count("raincheck/lib/libcurl.so.4"), 1u);
  EXPECT_EQ(entries.count("raincheck/lib/THIRD-PARTY-NOTICES.md"), 1u);
}

TEST_F(PackageTest, ModelLayerLandsInOptRaincheckModels) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  // Extracted under /opt: every model with its card in /opt/raincheck/models/, nothing else.
  std::map<std::string, uint64_t> want;
  for (const char* model : {"seattle", "new-york"}) {
    for (const char* ext : {".rcf", ".card.md", ".card.json"}) {
      const std::string name = std::string(model) + ext;
      want["raincheck/models/" + name] = fs::file_size(kModels + "/" + name);
    }
  }
  EXPECT_EQ(ZipSizes(Dist("model-layer.zip")), want);
}

// `--model FILE` still works: a models directory of that one model. `--models DIR` packages
// whatever models DIR holds. Only the models matter here, so the executable packaged is a small
// one (/bin/true) rather than bootstrap, whose deflating the other tests already pay for once.
TEST_F(PackageTest, OneModelOrAnotherDirectory) {
  const std::string small_elf = "/bin/true";
  const std::string one = *dir_ + "/one";
  auto r = testing::RunProcess({testing::BinaryPath("raincheck"), "package", "--out", one,
                                "--bootstrap", small_elf, "--model", kModels + "/new-york.rcf"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ZipSizes(one + "/function.zip", "models/"),
            (std::map<std::string, uint64_t>{
                {"models/new-york.rcf", fs::file_size(kModels + "/new-york.rcf")}}));
  auto layer = ZipSizes(one + "/model-layer.zip");
  EXPECT_EQ(layer.size(), 3u);
  EXPECT_EQ(layer.count("raincheck/models/new-york.card.json"), 1u);

  const std::string models = *dir_ + "/my-models";
  fs::create_directories(models);
  fs::copy_file(kModels + "/seattle.rcf", models + "/coast.rcf");
  ASSERT_TRUE(base::WriteFileAtomic(models + "/notes.txt", "not a model\n").ok());
  const std::string other = *dir_ + "/other";
  r = testing::RunProcess({testing::BinaryPath("raincheck"), "package", "--out", other,
                           "--bootstrap", small_elf, "--models", models});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ZipSizes(other + "/model-layer.zip"),
            (std::map<std::string, uint64_t>{
                {"raincheck/models/coast.rcf", fs::file_size(models + "/coast.rcf")}}));

  // A directory without models is refused, saying which.
  const std::string empty = *dir_ + "/no-models";
  fs::create_directories(empty);
  r = testing::RunProcess({testing::BinaryPath("raincheck"), "package", "--out", *dir_ + "/none",
                           "--bootstrap", small_elf, "--models", empty});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(empty));
  EXPECT_FALSE(fs::exists(*dir_ + "/none/function.zip"));
}

TEST_F(PackageTest, TemplateParsesAsSam) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  // PyYAML with CloudFormation's short-form tags (!Ref, !If, ...) read as plain values.
  const std::string script =
      "import json, sys, yaml\n"
      "class L(yaml.SafeLoader): pass\n"
      "def tag(loader, suffix, node):\n"
      "  if isinstance(node, yaml.ScalarNode): v = loader.construct_scalar(node)\n"
      "  elif isinstance(node, yaml.SequenceNode): v = loader.construct_sequence(node, deep=True)\n"
      "  else: v = loader.construct_mapping(node, deep=True)\n"
      "  return {'!' + suffix: v}\n"
      "L.add_multi_constructor('!', tag)\n"
      "print(json.dumps(yaml.load(open(sys.argv[1]), Loader=L)))\n";
  auto r = testing::RunProcess({"/usr/bin/python3", "-c", script, Dist("template.yaml")});
  if (r.exit_code != 0 && r.err.find("No module named 'yaml'") != std::string::npos) {
    GTEST_SKIP() << "python3-yaml is not installed";
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto t = nlohmann::json::parse(r.out);
  EXPECT_EQ(t["Transform"], "AWS::Serverless-2016-10-31");
  const auto& fn = t["Resources"]["RaincheckFunction"];
  EXPECT_EQ(fn["Type"], "AWS::Serverless::Function");
  const auto& p = fn["Properties"];
  EXPECT_EQ(p["Runtime"], "provided.al2023");
  EXPECT_EQ(p["Handler"], "bootstrap");
  EXPECT_EQ(p["MemorySize"], 128);
  EXPECT_EQ(p["Timeout"], 10);
  EXPECT_EQ(p["CodeUri"], "function.zip");
  ASSERT_EQ(p["Architectures"].size(), 1u);
  EXPECT_TRUE(p["Architectures"][0] == "x86_64" || p["Architectures"][0] == "arm64");
  std::vector<std::string> routes;
  for (const auto& [name, event] : p["Events"].items()) {
    EXPECT_EQ(event["Type"], "HttpApi");
    routes.push_back(event["Properties"]["Method"].get<std::string>() + " " +
                     event["Properties"]["Path"].get<std::string>());
  }
  EXPECT_THAT(routes, ::testing::UnorderedElementsAre("GET /forecast", "GET /", "POST /predict",
                                                      "GET /models"));
  EXPECT_EQ(t["Resources"]["ModelLayer"]["Type"], "AWS::Serverless::LayerVersion");
  EXPECT_EQ(t["Resources"]["ModelLayer"]["Properties"]["ContentUri"], "model-layer.zip");
  EXPECT_THAT(t["Resources"]["ModelLayer"]["Properties"]["Description"].get<std::string>(),
              HasSubstr("/opt/raincheck/models/"));
  EXPECT_EQ(t["Resources"]["RecordsBucket"]["Condition"], "HasRecordsBucket");
  // Environment: every value is a literal setting or a reference, never a key.
  for (const auto& [name, value] : p["Environment"]["Variables"].items()) {
    EXPECT_TRUE(name.rfind("RAINCHECK_", 0) == 0 || name == "LOCATIONIQ_KEY_SSM_PARAMETER" ||
                name == "DARKSKY_KEY_SECRET_ID")
        << name;
    if (value.is_string()) {
      EXPECT_TRUE(name == "RAINCHECK_LOG_LEVEL") << name << " is a plain value: " << value;
    }
  }
  // Least privilege: the function may put records and read back a key PUT found taken (the
  // retry path), on records/* only; no wildcard actions anywhere. tests/template_policy_test.cc
  // resolves the whole policy.
  const std::string text = Slurp(Dist("template.yaml"));
  EXPECT_THAT(text, HasSubstr("- s3:PutObject\n                  - s3:GetObject\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("s3:ListBucket")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("s3:*")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Action: \"*\"")));
}

TEST_F(PackageTest, UnpackedFunctionAnswersThroughTheEmulator) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  const std::string root = *dir_ + "/task";
  Unpack("function.zip", root);
  Unpack("runtime-layer.zip", root, "raincheck/");  // lib/ beside the launcher
  ExpectForecast(InvokeOnce(root + "/bootstrap", root));
}

// The proof that the package does not need the build machine's glibc: the unpacked function
// runs inside a minimal Debian bullseye root (glibc 2.31) under chroot, with the Runtime API
// emulator on this machine (127.0.0.1 is shared with the chroot).
TEST_F(PackageTest, RunsInAnOlderDebianUserland) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  if (!fs::exists(kOlderRoot + "/.raincheck-complete")) {
    if (testing::RunProcess({"/bin/sh", "-c", "command -v debootstrap"}).exit_code != 0) {
      GTEST_SKIP() << "debootstrap is not installed (scripts/debian-packages.txt lists it); "
                      "the older-userland test did not run";
    }
    if (::geteuid() != 0) {
      GTEST_SKIP() << "debootstrap and chroot need root; the older-userland test did not run";
    }
    const std::string partial = kOlderRoot + ".partial-" + std::to_string(::getpid());
    fs::create_directories(fs::path(kOlderRoot).parent_path());
    auto made = testing::RunProcess({"/bin/sh", "-c",
                                     "debootstrap --variant=minbase bullseye \"$0\" "
                                     "http://deb.debian.org/debian >\"$0.log\" 2>&1; rc=$?; "
                                     "tail -5 \"$0.log\"; exit $rc",
                                     partial},
                                    "", {}, std::chrono::seconds(540));
    if (made.exit_code != 0) {
      fs::remove_all(partial);
      if (made.out.find("Failed getting release file") != std::string::npos ||
          made.out.find("Failure trying to run") == std::string::npos) {
        GTEST_SKIP() << "the Debian mirror is unreachable (debootstrap failed: " << made.out
                     << "); the older-userland test did not run";
      }
      FAIL() << "debootstrap failed: " << made.out;
    }
    std::ofstream(partial + "/.raincheck-complete") << "debootstrap --variant=minbase bullseye\n";
    std::error_code ec;
    fs::rename(partial, kOlderRoot, ec);
    if (ec) fs::remove_all(partial);  // another build made it first
  }
  if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root; the older-userland test did not run";
  if (kSanitized) {
    GTEST_SKIP() << "sanitizer build: ASan needs /proc, which the minimal root does not mount; "
                    "the older-userland test runs in the release build";
  }

  // The root really is older: its C library is 2.31, older than the one bootstrap was built with.
  auto version = testing::RunProcess({"/usr/sbin/chroot", kOlderRoot, "/usr/bin/ldd", "--version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_THAT(version.out, HasSubstr("2.31"));

  // As Lambda lays it out: the function in /var/task, the runtime layer under /opt.
  const std::string task = kOlderRoot + "/var/task";
  const std::string opt = kOlderRoot + "/opt/raincheck";
  fs::remove_all(task);
  fs::remove_all(opt);
  Unpack("function.zip", task);
  Unpack("runtime-layer.zip", kOlderRoot + "/opt");
  // Without the launcher (the root's own loader and libraries) the binary cannot start there.
  auto bare = testing::RunProcess({"/usr/sbin/chroot", kOlderRoot, "/var/task/bin/bootstrap"});
  EXPECT_NE(bare.exit_code, 0);
  EXPECT_THAT(bare.err, HasSubstr("error while loading shared libraries"));

  const std::string wrapper = *dir_ + "/chroot-bootstrap";
  ASSERT_TRUE(base::WriteFileAtomic(wrapper,
                                    "#!/bin/sh\nLAMBDA_TASK_ROOT=/var/task exec "
                                    "/usr/sbin/chroot '" +
                                        kOlderRoot + "' /var/task/bootstrap\n")
                  .ok());
  ASSERT_EQ(::chmod(wrapper.c_str(), 0755), 0);
  ExpectForecast(InvokeOnce(wrapper, *dir_));
  fs::remove_all(task);
  fs::remove_all(opt);
}

TEST_F(PackageTest, DeployDryRunPrintsTheAwsCommands) {
  auto r = testing::RunProcess({testing::BinaryPath("raincheck"), "deploy", "--dry-run", "--dist",
                                "my dist", "--s3-bucket", "artefacts", "--region", "eu-west-1",
                                "--records-bucket", "rain-records", "--darksky-key-secret-id",
                                "raincheck/darksky"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "aws cloudformation package --template-file 'my dist/template.yaml' --s3-bucket artefacts "
      "--output-template-file 'my dist/packaged.yaml' --region eu-west-1\n"
      "aws cloudformation deploy --template-file 'my dist/packaged.yaml' --stack-name raincheck "
      "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --region eu-west-1 "
      "--parameter-overrides RecordsBucketName=rain-records "
      "DarkSkyKeySecretId=raincheck/darksky\n");
  auto usage = testing::RunProcess({testing::BinaryPath("raincheck"), "deploy", "--dry-run"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--s3-bucket"));
}

TEST_F(PackageTest, DeployWithoutCredentialsFailsClearly) {
  ASSERT_EQ(package_->exit_code, 0) << package_->err;
  if (!fs::exists("/usr/bin/aws")) GTEST_SKIP() << "the aws CLI (awscli) is not installed";
  if (std::getenv("AWS_ACCESS_KEY_ID") != nullptr || std::getenv("AWS_PROFILE") != nullptr) {
    GTEST_SKIP() << "AWS credentials are set in this environment; not calling the aws CLI";
  }
  const std::string home = *dir_ + "/home";
  fs::create_directories(home);
  auto r = testing::RunProcess(
      {testing::BinaryPath("raincheck"), "deploy", "--dist", *dist_, "--s3-bucket", "artefacts",
       "--region", "eu-west-1", "--aws", "/usr/bin/aws"},
      "",
      {{"HOME", home},
       {"AWS_CONFIG_FILE", home + "/none"},
       {"AWS_SHARED_CREDENTIALS_FILE", home + "/none"},
       {"AWS_EC2_METADATA_DISABLED", "true"},
       {"AWS_PAGER", ""}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("Unable to locate credentials"));
  EXPECT_THAT(r.err, HasSubstr("cloudformation package` failed with exit code"));
  EXPECT_THAT(r.err, HasSubstr("credentials"));
}

}  // namespace
}  // namespace raincheck
