#include "function/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "local/emulator.h"
#include "store/config.h"

namespace raincheck::function {
namespace {

base::EnvLookup Env(std::map<std::string, std::string> vars) {
  return base::OverlayEnv(std::move(vars), nullptr);
}

TEST(ConfigTest, Defaults) {
  auto c = LoadFunctionConfig(Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->settings.default_city, "Cape Town");
  EXPECT_EQ(c->log_level, base::LogLevel::kInfo);
}

TEST(ConfigTest, ReadsVariables) {
  auto c = LoadFunctionConfig(
      Env({{"RAINCHECK_DEFAULT_CITY", " Lima "}, {"RAINCHECK_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->settings.default_city, "Lima");
  EXPECT_EQ(c->log_level, base::LogLevel::kDebug);
}

TEST(ConfigTest, ModelsDirectoryOrOneModelFile) {
  auto dir = LoadFunctionConfig(Env({{"RAINCHECK_MODELS", " /srv/models "}}));
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->models_dir, "/srv/models");
  EXPECT_TRUE(dir->model_path.empty());
  auto file = LoadFunctionConfig(Env({{"RAINCHECK_MODEL", "/somewhere/m.rcf"}}));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->model_path, "/somewhere/m.rcf");
  EXPECT_TRUE(file->models_dir.empty());
  auto both = LoadFunctionConfig(Env({{"RAINCHECK_MODELS", "/a"}, {"RAINCHECK_MODEL", "/b.rcf"}}));
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("RAINCHECK_MODELS and RAINCHECK_MODEL"),
            std::string::npos);
  // An empty variable counts as unset (what `--models` does to RAINCHECK_MODEL).
  auto emptied = LoadFunctionConfig(Env({{"RAINCHECK_MODELS", "/a"}, {"RAINCHECK_MODEL", ""}}));
  ASSERT_TRUE(emptied.ok());
  EXPECT_EQ(emptied->models_dir, "/a");
}

TEST(ConfigTest, WithoutEitherTheBuiltModelsDirectoryIsUsed) {
  auto fallback = LoadFunctionConfig(Env({}));
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_FALSE(fallback->models_dir.empty());
  EXPECT_TRUE(std::filesystem::is_directory(fallback->models_dir)) << fallback->models_dir;
  EXPECT_EQ(DefaultModelsDirCandidates().back(), RAINCHECK_DEFAULT_MODELS_DIR);
  EXPECT_EQ(DefaultModelCandidates().back(), RAINCHECK_DEFAULT_MODEL_PATH);
}

TEST(ConfigTest, OutsidePolicyAndSkipBad) {
  auto c = LoadFunctionConfig(
      Env({{"RAINCHECK_OUTSIDE", "refuse"}, {"RAINCHECK_MODELS_SKIP_BAD", "1"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->settings.outside, app::OutsidePolicy::kRefuse);
  EXPECT_TRUE(c->skip_bad_models);
  EXPECT_EQ(LoadFunctionConfig(Env({}))->settings.outside, app::OutsidePolicy::kNearest);
  auto bad = LoadFunctionConfig(Env({{"RAINCHECK_OUTSIDE", "anywhere"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RAINCHECK_OUTSIDE"), std::string::npos);
  auto skip = LoadFunctionConfig(Env({{"RAINCHECK_MODELS_SKIP_BAD", "yes"}}));
  ASSERT_FALSE(skip.ok());
  EXPECT_NE(skip.status().message().find("RAINCHECK_MODELS_SKIP_BAD"), std::string::npos);
}

TEST(ConfigTest, ModelsFlagOverridesAModelOfTheShell) {
  std::map<std::string, std::string> overrides;
  SetModelsDir("rel/models", &overrides);
  EXPECT_TRUE(std::filesystem::path(overrides["RAINCHECK_MODELS"]).is_absolute());
  EXPECT_EQ(overrides["RAINCHECK_MODEL"], "");
  std::vector<std::pair<std::string, std::string>> env = {{"RAINCHECK_MODEL", "/x.rcf"},
                                                          {"A", "1"}};
  SetVariable("RAINCHECK_MODEL", "", &env);
  ASSERT_EQ(env.size(), 2u);
  EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"RAINCHECK_MODEL", ""}));
}

TEST(ConfigTest, OneLocalRecordsDefaultForTheVerbsAndTheirInstances) {
  // What `records ls` reads without flags (not on Lambda) ...
  Result<store::RecordsConfig> reader = store::ParseRecordsConfig(Env({}));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(std::filesystem::absolute(reader->directory).lexically_normal().string(),
            DefaultLocalRecordsDir());
  EXPECT_EQ(std::filesystem::absolute(reader->spool_dir).lexically_normal().string(),
            DefaultLocalSpoolDir());
  EXPECT_TRUE(std::filesystem::path(DefaultLocalRecordsDir()).is_absolute());

  // ... is where a bootstrap instance of the local emulator writes.
  std::map<std::string, std::string> overrides;
  EXPECT_EQ(SetLocalRecordsDefaults(Env({}), &overrides), "dir:" + DefaultLocalRecordsDir());
  std::map<std::string, std::string> instance = overrides;
  instance["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001";
  instance["AWS_SAM_LOCAL"] = "true";
  Result<store::RecordsConfig> writer = store::ParseRecordsConfig(Env(instance));
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(writer->directory, DefaultLocalRecordsDir());
  EXPECT_EQ(writer->spool_dir, DefaultLocalSpoolDir());
  // The real Lambda still refuses a directory outside /tmp (the checkout may itself be under
  // /tmp, so the refused directory is named here).
  instance.erase("AWS_SAM_LOCAL");
  instance["RAINCHECK_RECORDS"] = "dir:/var/lib/raincheck-records";
  EXPECT_FALSE(store::ParseRecordsConfig(Env(instance)).ok());

  // A setting of the user's is kept and reported.
  std::map<std::string, std::string> kept;
  EXPECT_EQ(SetLocalRecordsDefaults(Env({{"RAINCHECK_RECORDS", "off"}, {"RAINCHECK_SPOOL", "/s"}}),
                                    &kept),
            "off");
  EXPECT_TRUE(kept.empty());
}

TEST(ConfigTest, EnvVarsFileInSamFormat) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("raincheck-env-vars-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::string path = (dir / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };
  const std::string both = write("both.json", R"({"Parameters": {"A": "all", "B": "all", "N": 3},
      "RaincheckFunction": {"B": "mine", "T": true, "U": null}, "Other": {"A": "theirs"}})");
  Result<std::map<std::string, std::string>> vars = ReadEnvVarsFile(both, "RaincheckFunction");
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ(*vars, (std::map<std::string, std::string>{
                       {"A", "all"}, {"B", "mine"}, {"N", "3"}, {"T", "true"}}));
  // Only the function's own object.
  Result<std::map<std::string, std::string>> own =
      ReadEnvVarsFile(write("own.json", R"({"Other": {"A": "theirs"}})"), "Other");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->at("A"), "theirs");

  // Bad files: one clear error, never a value in it.
  for (const std::string& text :
       {std::string("not json"), std::string("[1]"), std::string(R"({"Parameters": "x"})"),
        std::string(R"({"Parameters": {"K": {"secret": "s3cr3t"}}})")}) {
    Result<std::map<std::string, std::string>> bad =
        ReadEnvVarsFile(write("bad.json", text), "RaincheckFunction");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bad.status().message().find("--env-vars"), std::string::npos);
    EXPECT_EQ(bad.status().message().find("s3cr3t"), std::string::npos);
  }
  EXPECT_FALSE(ReadEnvVarsFile((dir / "missing.json").string(), "F").ok());
  std::filesystem::remove_all(dir);
}

// The template start-api and start-lambda read by default: the packaged one, else
// template.yaml, in the working directory.
TEST(ConfigTest, DefaultTemplateIsThePackagedOneElseTemplateYaml) {
  const std::filesystem::path before = std::filesystem::current_path();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("raincheck-template-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "dist");
  std::filesystem::current_path(dir);
  EXPECT_EQ(DefaultTemplatePath(), "");
  std::fclose(std::fopen("template.yaml", "w"));
  EXPECT_EQ(DefaultTemplatePath(), "template.yaml");
  std::fclose(std::fopen("dist/template.yaml", "w"));
  EXPECT_EQ(DefaultTemplatePath(), "dist/template.yaml");
  EXPECT_EQ(DefaultLocalRecordsDir(), (dir / "records").string());
  std::filesystem::current_path(before);
  std::filesystem::remove_all(dir);
}

TEST(ConfigTest, RainThreshold) {
  auto ok = LoadFunctionConfig(Env({{"RAINCHECK_RAIN_THRESHOLD", "0.3"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_DOUBLE_EQ(ok->settings.rain_threshold, 0.3);
  for (const char* bad : {"0", "1", "abc", "0.5x", ""}) {
    auto r = LoadFunctionConfig(Env({{"RAINCHECK_RAIN_THRESHOLD", bad}}));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ConfigTest, ProviderAndRecordSettingsAreChecked) {
  auto geo = LoadFunctionConfig(Env({{"RAINCHECK_GEOCODER", "telepathy"}}));
  ASSERT_FALSE(geo.ok());
  EXPECT_NE(geo.status().message().find("RAINCHECK_GEOCODER"), std::string::npos);
  auto rec = LoadFunctionConfig(Env({{"RAINCHECK_RECORDS", "ftp://x"}}));
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.status().message().find("RAINCHECK_RECORDS"), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheVariable) {
  auto level = LoadFunctionConfig(Env({{"RAINCHECK_LOG_LEVEL", "loud"}}));
  ASSERT_FALSE(level.ok());
  EXPECT_NE(level.status().message().find("RAINCHECK_LOG_LEVEL"), std::string::npos);
  auto city = LoadFunctionConfig(Env({{"RAINCHECK_DEFAULT_CITY", "  "}}));
  ASSERT_FALSE(city.ok());
  EXPECT_NE(city.status().message().find("RAINCHECK_DEFAULT_CITY"), std::string::npos);
}

// The emulators pass the instances exactly the variables the function reads
// (local::kFunctionVariables): reading a new one, or no longer reading one, fails here.
TEST(ConfigTest, ReadsExactlyTheVariablesTheEmulatorsPassThrough) {
  std::set<std::string> read;
  auto recording = [&read](std::map<std::string, std::string> vars) -> base::EnvLookup {
    return [&read, vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
      read.emplace(name);
      const auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  };
  const std::vector<std::map<std::string, std::string>> environments = {
      {},
      {{"RAINCHECK_GEOCODER", "locationiq"},
       {"LOCATIONIQ_KEY", "k"},
       {"RAINCHECK_WEATHER", "darksky"},
       {"DARKSKY_KEY", "k"},
       {"RAINCHECK_RECORDS", "s3://bucket/prefix"},
       {"AWS_ACCESS_KEY_ID", "id"},
       {"AWS_SECRET_ACCESS_KEY", "secret"}},
      {{"RAINCHECK_GEOCODER", "locationiq"},
       {"LOCATIONIQ_KEY_SSM_PARAMETER", "p"},
       {"RAINCHECK_WEATHER", "darksky"},
       {"DARKSKY_KEY_SECRET_ID", "s"},
       {"AWS_SESSION_TOKEN", "t"},
       {"RAINCHECK_RECORDS", "s3://bucket"},
       {"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5000"},
       {"AWS_REGION", "eu-west-1"},
       {"AWS_ACCESS_KEY_ID", "id"},
       {"AWS_SECRET_ACCESS_KEY", "secret"}},
  };
  for (const auto& vars : environments) {
    auto c = LoadFunctionConfig(recording(vars));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
  }
  for (const std::string& name : read) {
    // Set by the emulator itself.
    if (name.starts_with("AWS_LAMBDA_") || name == "AWS_SAM_LOCAL") continue;
    EXPECT_TRUE(local::PassesThrough(name)) << name << " is read but never reaches the instances";
  }
  for (std::string_view name : local::kFunctionVariables) {
    EXPECT_TRUE(read.contains(std::string(name))) << name << " is passed through but never read";
  }
}

}  // namespace
}  // namespace raincheck::function
