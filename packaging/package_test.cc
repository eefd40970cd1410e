#include "packaging/package.h"

#include <gtest/gtest.h>

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
  EXPECT_NE(s.find("RAINCHECK_MODEL=\"$root/model.rcf\""), std::string::npos);
  EXPECT_NE(s.find("/opt/raincheck/model.rcf"), std::string::npos);
  EXPECT_NE(s.find("RAINCHECK_GAZETTEER_PATH=\"$root/gazetteer.bin\""), std::string::npos);
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
