#include "packaging/package.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "packaging/subprocess.h"

namespace raincheck::packaging {
namespace {

TEST(LddTest, ParsesLibrariesAndTheLoader) {
  const std::string out =
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibcurl.so.4 => /lib/x86_64-linux-gnu/libcurl.so.4 (0x00007f1)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)\n";
  auto c = ParseLddOutput(out);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->loader.name, "ld-linux-x86-64.so.2");
  EXPECT_EQ(c->loader.path, "/lib64/ld-linux-x86-64.so.2");
  ASSERT_EQ(c->libraries.size(), 2u);
  EXPECT_EQ(c->libraries[0].name, "libcurl.so.4");
  EXPECT_EQ(c->libraries[1].path, "/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(LddTest, AMissingLibraryIsAnError) {
  auto c = ParseLddOutput("\tlibfoo.so.1 => not found\n\t/lib/ld-linux-aarch64.so.1 (0x1)\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("libfoo.so.1"), std::string::npos);
}

TEST(LddTest, ALibraryLoadedAtRunTimeComesWithItsClosure) {
  auto c = ResolveLoadedLibrary("libcurl.so.4");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_FALSE(c->libraries.empty());
  EXPECT_EQ(c->libraries[0].name, "libcurl.so.4");
  EXPECT_EQ(c->libraries[0].path.front(), '/');
  // libcurl needs more than libc: its TLS and compression libraries are part of the closure.
  EXPECT_GT(c->libraries.size(), 3u);
  EXPECT_FALSE(c->loader.path.empty());
  auto missing = ResolveLoadedLibrary("libraincheck-no-such-library.so.1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(LddTest, NoLoaderIsAnError) {
  EXPECT_FALSE(ParseLddOutput("\tstatically linked\n").ok());
  EXPECT_FALSE(ParseLddOutput("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n").ok());
}

TEST(LauncherTest, RunsTheBundledLoaderWithTheBundledLibraries) {
  const std::string s = LauncherScript("ld-linux-x86-64.so.2");
  EXPECT_EQ(s.rfind("#!/bin/sh\n", 0), 0u);
  EXPECT_NE(s.find("exec \"$lib/ld-linux-x86-64.so.2\" --library-path \"$lib\" "
                   "\"$root/bin/bootstrap\""),
            std::string::npos);
  EXPECT_NE(s.find("lib=/opt/raincheck/lib"), std::string::npos);
  EXPECT_NE(s.find("RAINCHECK_MODELS=/opt/raincheck/models"), std::string::npos);
  EXPECT_NE(s.find("RAINCHECK_GAZETTEER_PATH=\"$root/gazetteer.bin\""), std::string::npos);
}

namespace fs = std::filesystem;

// A fresh directory under the test's temporary directory.
std::string FreshDir(const std::string& name) {
  const fs::path dir =
      fs::path(testing::TempDir()) / ("package_test_" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void Touch(const std::string& path) { ASSERT_TRUE(base::WriteFileAtomic(path, "x").ok()) << path; }

// Runs the launcher as Lambda would (LAMBDA_TASK_ROOT = the function's directory) with only
// `env` set, the "loader" being a script that prints what the function would see.
std::string LauncherSees(const std::string& root, const std::vector<std::string>& env) {
  EXPECT_TRUE(base::WriteFileAtomic(root + "/bootstrap", LauncherScript("fake-loader")).ok());
  fs::create_directories(root + "/lib");
  EXPECT_TRUE(
      base::WriteFileAtomic(root + "/lib/fake-loader",
                            "#!/bin/sh\necho \"models=$RAINCHECK_MODELS model=$RAINCHECK_MODEL\"\n")
          .ok());
  fs::permissions(root + "/lib/fake-loader", fs::perms::owner_all);
  std::vector<std::string> argv = {"env", "-i", "LAMBDA_TASK_ROOT=" + root};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {"/bin/sh", root + "/bootstrap"});
  auto r = RunCapture(argv);
  EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->stderr_text : r.status().ToString());
  return r.ok() ? r->stdout_text : "";
}

TEST(LauncherTest, PointsTheFunctionAtTheBundledModelsDirectory) {
  const std::string root = FreshDir("launcher");
  fs::create_directories(root + "/models");
  EXPECT_EQ(LauncherSees(root, {}), "models=" + root + "/models model=\n");
  // What the deployment sets wins: a directory, or one file (never both).
  EXPECT_EQ(LauncherSees(root, {"RAINCHECK_MODELS=/elsewhere"}), "models=/elsewhere model=\n");
  EXPECT_EQ(LauncherSees(root, {"RAINCHECK_MODEL=/one.rcf"}), "models= model=/one.rcf\n");
  if (!fs::exists("/opt/raincheck/models")) {
    fs::remove_all(root + "/models");
    EXPECT_EQ(LauncherSees(root, {}), "models= model=\n");
  }
}

TEST(ModelFilesTest, EveryModelOfTheDirectoryWithItsCards) {
  const std::string dir = FreshDir("models");
  for (const char* f : {"b.rcf", "a.rcf", "a.card.md", "a.card.json", "a.roc.svg", "train.csv"}) {
    Touch(dir + "/" + f);
  }
  fs::create_directories(dir + "/sub.rcf");  // a directory is not a model
  PackageOptions o;
  o.models_dir = dir;
  auto files = ListModelFiles(o);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<std::string> names;
  for (const ModelFile& f : *files) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.rcf", "a.card.md", "a.card.json", "b.rcf"}));
  EXPECT_EQ(files->front().path, dir + "/a.rcf");

  // --model FILE: a directory of that one model.
  o.model_path = dir + "/a.rcf";
  files = ListModelFiles(o);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].name, "a.rcf");
}

TEST(ModelFilesTest, NoModelIsAnError) {
  PackageOptions o;
  o.models_dir = FreshDir("empty");
  Touch(o.models_dir + "/notes.md");
  EXPECT_EQ(ListModelFiles(o).status().code(), StatusCode::kNotFound);
  o.models_dir = o.models_dir + "/missing";
  EXPECT_FALSE(ListModelFiles(o).ok());
  o.model_path = o.models_dir + "/missing.rcf";
  EXPECT_EQ(ListModelFiles(o).status().code(), StatusCode::kNotFound);
}

TEST(PackageTest, RejectsAnotherArchitectureAndMissingInputs) {
  PackageOptions o;
  o.architecture = HostArchitecture() == "arm64" ? "x86_64" : "arm64";
  EXPECT_EQ(Package(o).status().code(), StatusCode::kInvalidArgument);
  o.architecture = "mips";
  EXPECT_EQ(Package(o).status().code(), StatusCode::kInvalidArgument);
  o.architecture = "";
  o.bootstrap_path = "/nonexistent/bootstrap";
  EXPECT_FALSE(Package(o).ok());
}

}  // namespace
}  // namespace raincheck::packaging
