// The configuration file: what a valid file gives, and what each mistake says and where.
#include "app/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace topicdesk::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-x";
constexpr char kOtherToken[] = "654321:ZZyyXXwwVVuuTTssRRqqPPooNNmmLLkk";

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    secrets_.env = [this](const std::string& name) -> std::optional<std::string> {
      auto found = env_.find(name);
      if (found == env_.end()) return std::nullopt;
      return found->second;
    };
    secrets_.read_file = [this](const std::string& path) -> core::Result<std::string> {
      auto found = files_.find(path);
      if (found == files_.end()) return core::make_error("cannot read " + path);
      return found->second;
    };
  }

  core::Result<Config> parse(const std::string& text) {
    return parse_config(text, "topicdesk.toml", secrets_);
  }

  // The error message of a configuration that must be refused.
  std::string error_of(const std::string& text) {
    auto config = parse(text);
    EXPECT_FALSE(config) << "accepted:\n" << text;
    return config ? std::string() : config.error().message;
  }

  static std::string connection(const std::string& extra = "", const std::string& name = "support",
                                const std::string& token = kToken) {
    return "[[connection]]\nname = \"" + name + "\"\ntoken = \"" + token + "\"\ngroup_id = -1001234567890\n" +
           extra;
  }

  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> files_;
  SecretSources secrets_;
};

// Valid files -------------------------------------------------------------------------------

TEST_F(ConfigTest, EmptyFileGivesDefaults) {
  auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server.listen_host, "127.0.0.1");
  EXPECT_EQ(config->server.listen_port, 8080);
  EXPECT_EQ(config->storage.sqlite_path, "data/topicdesk.db");
  EXPECT_EQ(config->storage.event_retention_days, 0);  // message texts kept until told otherwise
  EXPECT_EQ(config->retention.history_days, 0);        // the message history too
  EXPECT_EQ(config->tdlib.data_dir, "data/tdlib");     // beside the database
  EXPECT_EQ(config->telegram.api_base, "https://api.telegram.org");
  EXPECT_TRUE(config->telegram.limits.enabled);
  EXPECT_EQ(config->logging.level, "info");
  EXPECT_TRUE(config->connections.empty());
}

TEST_F(ConfigTest, FullFileIsReadIntoTheStruct) {
  env_["SUPPORT_BOT_TOKEN"] = kToken;
  env_["HOOK_SECRET"] = "s3cret_-X";
  auto config = parse(R"(
[server]
listen = "0.0.0.0:9090"
public_url = "https://desk.example.com/"

[storage]
sqlite = "/var/lib/topicdesk/desk.db"

[telegram]
api_base = "http://127.0.0.1:8081/"
poll_gather_ms = 0
[telegram.limits]
enabled = false
group_per_minute = 40
chat_per_second = 0.5

[logging]
level = "debug"

[[connection]]
name = "support"
token = "env:SUPPORT_BOT_TOKEN"
group_id = -1001234567890
transport = "webhook"
webhook_secret = "env:HOOK_SECRET"

[connection.parameters]
WELCOME = "Hi {title}"
AUTOCLOSE = 24
SILENT_MODE = true
PRIVATE_KEYWORDS = ["w1", ["w3", "w4"], ["w5", "~w6"]]
ICON_COLOR = 0x6FB9F0

[[connection]]
name = "sales-2"
token = ")" + std::string(kOtherToken) +
                      R"("
group_id = -1001234567890
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server.listen_host, "0.0.0.0");
  EXPECT_EQ(config->server.listen_port, 9090);
  EXPECT_EQ(config->server.public_url, "https://desk.example.com");
  EXPECT_EQ(config->storage.sqlite_path, "/var/lib/topicdesk/desk.db");
  EXPECT_EQ(config->telegram.api_base, "http://127.0.0.1:8081");
  EXPECT_EQ(config->telegram.poll_gather_ms, 0) << "0 turns the gather off";
  EXPECT_FALSE(config->telegram.limits.enabled);
  EXPECT_EQ(config->telegram.limits.group_per_minute, 40);
  EXPECT_DOUBLE_EQ(config->telegram.limits.chat_per_second, 0.5);
  EXPECT_EQ(config->logging.level, "debug");
  ASSERT_EQ(config->connections.size(), 2u);

  const auto& support = config->connections[0];
  EXPECT_EQ(support.name, "support");
  EXPECT_EQ(support.token, kToken);
  EXPECT_EQ(support.token_source, "env:SUPPORT_BOT_TOKEN");
  EXPECT_EQ(support.group_id, -1001234567890);
  EXPECT_EQ(support.transport, TransportKind::kWebhook);
  EXPECT_EQ(support.webhook_secret, "s3cret_-X");
  EXPECT_EQ(support.line, 20);
  core::RawParameters expected = {{"WELCOME", "Hi {title}"},
                                  {"AUTOCLOSE", "24"},
                                  {"SILENT_MODE", "true"},
                                  {"PRIVATE_KEYWORDS", R"(["w1",["w3","w4"],["w5","~w6"]])"},
                                  {"ICON_COLOR", "7322096"}};
  EXPECT_EQ(support.raw_parameters, expected);
  EXPECT_EQ(support.parameters.welcome, "Hi {title}");
  EXPECT_EQ(support.parameters.autoclose_hours, 24);
  EXPECT_TRUE(support.parameters.silent_mode);
  EXPECT_TRUE(support.parameters.private_keywords.matches("W3 and w4"));
  EXPECT_FALSE(support.parameters.private_keywords.matches("w5 w6"));

  const auto& sales = config->connections[1];
  EXPECT_EQ(sales.token_source, "literal");
  EXPECT_EQ(sales.transport, TransportKind::kPolling);
  EXPECT_TRUE(sales.raw_parameters.empty());
}

TEST_F(ConfigTest, ArrayItemsWithQuotesSurviveRendering) {
  auto config =
      parse(connection("[connection.parameters]\nPRIVATE_KEYWORDS = ['say \"hi\"', 'back\\slash']\n"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->connections[0].raw_parameters[0].second, R"(["say \"hi\"","back\\slash"])");
  EXPECT_TRUE(config->connections[0].parameters.private_keywords.matches("they say \"hi\" to you"));
}

// Mistakes: each names the file, the line and the key -------------------------------------

TEST_F(ConfigTest, TomlSyntaxErrorNamesTheLine) {
  EXPECT_THAT(error_of("[server]\nlisten = \"127.0.0.1:8080\n"), HasSubstr("topicdesk.toml:2:"));
}

TEST_F(ConfigTest, ClusterSettingsAreCheckedWithTheirLine) {
  auto config = parse("[cluster]\nlease_seconds = 4\nadvertise = \"10.0.0.5:8081\"\n" + connection());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cluster.lease_seconds, 4);
  EXPECT_EQ(config->cluster.advertise, "10.0.0.5:8081");
  EXPECT_THAT(error_of("\n[cluster]\nlease_seconds = 1\n"),
              HasSubstr("topicdesk.toml:3: cluster.lease_seconds"));
  EXPECT_THAT(error_of("\n[cluster]\nadvertise = \"no-port\"\n"),
              HasSubstr("topicdesk.toml:3: cluster.advertise must be host:port"));
}

TEST_F(ConfigTest, TheAiServerIsReadAndCheckedAndItsKeyIsASecret) {
  env_["OPENAI_API_KEY"] = "sk-very-secret";
  auto config = parse(
      "[ai]\nbase_url = \"http://127.0.0.1:8081/v1/\"\nmodel = \"llama3\"\napi_key = \"env:OPENAI_API_KEY\"\n"
      "timeout_seconds = 5\ndaily_tokens = 1000\n" +
      connection("[connection.parameters]\nAI = \"auto\"\nAI_DELAY = 3\n"));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->ai.enabled);
  EXPECT_EQ(config->ai.base_url, "http://127.0.0.1:8081/v1");
  EXPECT_EQ(config->ai.model, "llama3");
  EXPECT_EQ(config->ai.api_key, "sk-very-secret");
  EXPECT_EQ(config->ai.timeout_seconds, 5);
  EXPECT_EQ(config->ai.daily_tokens, 1000);
  EXPECT_EQ(config->connections[0].parameters.ai, core::AiMode::kAuto);
  EXPECT_THAT(config->redacted_summary(), HasSubstr("key env:OPENAI_API_KEY"));
  EXPECT_THAT(config->redacted_summary(), Not(HasSubstr("sk-very-secret")));

  EXPECT_THAT(error_of("[ai]\nmodel = \"m\"\n"), HasSubstr("topicdesk.toml:1: ai.base_url is missing"));
  EXPECT_THAT(error_of("[ai]\nbase_url = \"ftp://x\"\nmodel = \"m\"\n"),
              HasSubstr("topicdesk.toml:2: ai.base_url must be an http(s):// address"));
  EXPECT_THAT(error_of("[ai]\nbase_url = \"http://x\"\nmodel = \"m\"\napi_key = \"sk-literal\"\n"),
              HasSubstr("topicdesk.toml:4: ai.api_key must be env:NAME or file:PATH"));
  EXPECT_THAT(error_of("[ai]\nbase_url = \"http://x\"\nmodel = \"m\"\ntimeout_seconds = 0\n"),
              HasSubstr("topicdesk.toml:4: ai.timeout_seconds"));
  EXPECT_THAT(
      error_of(connection("[connection.parameters]\nAI = \"draft\"\n")),
      HasSubstr("topicdesk.toml:1: connection support has AI = draft but the file has no [ai] table"));
  EXPECT_THAT(error_of(connection("[connection.parameters]\nAI = \"sometimes\"\n")),
              HasSubstr("AI must be OFF, draft or auto"));
}

TEST_F(ConfigTest, UnknownKeysAreRefusedWithTheirLine) {
  EXPECT_EQ(
      error_of("\n[servr]\n"),
      "topicdesk.toml:2: unknown key servr (allowed here: server, storage, retention, cluster, telegram, "
      "logging, api, tdlib, payments, setup, ai, connection, group)");
  EXPECT_THAT(error_of("[server]\nlisten = \"127.0.0.1:1\"\nport = 1\n"),
              HasSubstr("topicdesk.toml:3: unknown key server.port"));
  EXPECT_THAT(error_of(connection("tokn = \"x\"\n")),
              HasSubstr("topicdesk.toml:5: unknown key connection[0].tokn"));
  EXPECT_THAT(error_of("[telegram.limits]\nenable = false\n"),
              HasSubstr("topicdesk.toml:2: unknown key telegram.limits.enable"));
}

TEST_F(ConfigTest, ParameterMistakesPointAtTheParameter) {
  std::string text = connection("[connection.parameters]\nWELCOME = \"hi\"\nAUTOCLOSE = 0\n");
  EXPECT_THAT(error_of(text),
              HasSubstr("topicdesk.toml:7: connection[0].parameters.AUTOCLOSE must be OFF or hours "
                        "1..1000000"));
  EXPECT_THAT(error_of(connection("[connection.parameters]\nAUTOCLOSE = 1000001\n")),
              HasSubstr("topicdesk.toml:6: connection[0].parameters.AUTOCLOSE must be"));
  EXPECT_THAT(error_of(connection("[connection.parameters]\nHIDE_INFO = \"maybe\"\n")),
              HasSubstr("topicdesk.toml:6: connection[0].parameters.HIDE_INFO must be OFF, name or command"));
  EXPECT_THAT(error_of(connection("[connection.parameters]\nSILENT_MODE = \"perhaps\"\n")),
              HasSubstr("topicdesk.toml:6: connection[0].parameters.SILENT_MODE must be true or false"));
  EXPECT_THAT(
      error_of(connection("[connection.parameters]\nPRIVATE_KEYWORDS = [[\"a\", [\"b\"]]]\n")),
      HasSubstr("topicdesk.toml:6: connection[0].parameters.PRIVATE_KEYWORDS must be a string, number, "
                "boolean or list of strings"));
}

TEST_F(ConfigTest, WorkingHoursMistakesPointAtTheParameterAndThePart) {
  EXPECT_THAT(
      error_of(connection("[connection.parameters]\nWELCOME = \"hi\"\n"
                          "WORKING_HOURS = \"Europe/Berlin; mon-fry 09:00-18:00\"\n")),
      HasSubstr("topicdesk.toml:7: connection[0].parameters.WORKING_HOURS: part 2 \"mon-fry 09:00-18:00\": "
                "\"fry\" is not a weekday"));
  EXPECT_THAT(
      error_of(connection("[connection.parameters]\nAWAY_MESSAGE = \"template:9lives\"\n")),
      HasSubstr("topicdesk.toml:6: connection[0].parameters.AWAY_MESSAGE: template:NAME names a template: "
                "a Latin letter"));
}

TEST_F(ConfigTest, UnknownParameterNamesAreRefused) {
  EXPECT_THAT(error_of(connection("[connection.parameters]\nAUTO_CLOSE = 5\n")),
              HasSubstr("topicdesk.toml:6: unknown parameter connection[0].parameters.AUTO_CLOSE"));
  EXPECT_THAT(error_of(connection("[connection.parameters]\nautoclose = 5\n")),
              HasSubstr("(parameter names are upper case: AUTOCLOSE)"));
}

TEST_F(ConfigTest, ConnectionFieldsAreChecked) {
  EXPECT_EQ(error_of("[[connection]]\ntoken = \"" + std::string(kToken) + "\"\ngroup_id = -1\n"),
            "topicdesk.toml:1: connection[0] is missing (e.g. name = \"support\")");
  EXPECT_THAT(error_of(connection("", "Support")),
              HasSubstr("topicdesk.toml:2: connection[0].name must be 1-32 of"));
  EXPECT_THAT(error_of(connection("", std::string(33, 'a'))), HasSubstr("connection[0].name must be"));
  EXPECT_THAT(
      error_of("[[connection]]\nname = \"a\"\ntoken = \"" + std::string(kToken) + "\"\ngroup_id = 100\n"),
      HasSubstr("topicdesk.toml:4: connection[0].group_id must be"));
  EXPECT_THAT(error_of("[[connection]]\nname = \"a\"\ntoken = \"" + std::string(kToken) +
                       "\"\ngroup_id = \"-100\"\n"),
              HasSubstr("topicdesk.toml:4: connection[0].group_id must be an integer"));
  EXPECT_THAT(error_of(connection("transport = \"carrier-pigeon\"\n")),
              HasSubstr("topicdesk.toml:5: connection[0].transport must be \"polling\" or \"webhook\""));
  EXPECT_THAT(error_of("connection = 5\n"),
              HasSubstr("topicdesk.toml:1: connection must be an array of tables"));
}

TEST_F(ConfigTest, WebhookNeedsASecretAndAPublicUrl) {
  EXPECT_THAT(
      error_of(connection("transport = \"webhook\"\n")),
      HasSubstr("topicdesk.toml:5: connection[0].webhook_secret is required with transport = \"webhook\""));
  EXPECT_THAT(error_of(connection("transport = \"webhook\"\nwebhook_secret = \"ok_secret\"\n")),
              HasSubstr("topicdesk.toml:5: connection[0].transport = \"webhook\" needs server.public_url"));
  EXPECT_THAT(error_of("[server]\npublic_url = \"https://d.example\"\n" +
                       connection("transport = \"webhook\"\nwebhook_secret = \"bad secret!\"\n")),
              HasSubstr("topicdesk.toml:8: connection[0].webhook_secret (literal) must be 1-256 of"));
  EXPECT_TRUE(
      parse("[server]\npublic_url = \"https://d.example\"\n" +
            connection("transport = \"webhook\"\nwebhook_secret = \"" + std::string(256, 'x') + "\"\n")));
  EXPECT_FALSE(
      parse("[server]\npublic_url = \"https://d.example\"\n" +
            connection("transport = \"webhook\"\nwebhook_secret = \"" + std::string(257, 'x') + "\"\n")));
}

TEST_F(ConfigTest, ConnectionsMustDifferInNameAndBot) {
  EXPECT_THAT(error_of(connection() + connection("", "support", kOtherToken)),
              HasSubstr("topicdesk.toml:6: connection[1].name \"support\" is used by another connection"));
  EXPECT_THAT(error_of(connection() + connection("", "sales")),
              HasSubstr("topicdesk.toml:7: connection[1].token is the same bot as connection[0]"));
  EXPECT_TRUE(parse(connection() + connection("", "sales", kOtherToken))) << "sharing a group is fine";
}

// Helper bots of a backend group (docs/helper-bots.md) --------------------------------------

constexpr char kHelperToken[] = "777001:HHeellppeerrOOnnee_-xxxxxxxxxxxxxxx";
constexpr char kHelperToken2[] = "777002:HHeellppeerrTTwwoo_-yyyyyyyyyyyyyyy";

TEST_F(ConfigTest, GroupHelpersComeFromSecretSourcesAndNeverShowInTheSummary) {
  env_["H1"] = kHelperToken;
  files_["helper2.token"] = std::string(kHelperToken2) + "\n";
  auto config = parse(connection() +
                      "[[group]]\nid = -1001234567890\nhelpers = [\"env:H1\", \"file:helper2.token\"]\n");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->groups.size(), 1u);
  const auto* group = config->find_group(-1001234567890);
  ASSERT_NE(group, nullptr);
  ASSERT_EQ(group->helpers.size(), 2u);
  EXPECT_EQ(group->helpers[0].token, kHelperToken);
  EXPECT_EQ(group->helpers[0].token_source, "env:H1");
  EXPECT_EQ(group->helpers[1].token, kHelperToken2);  // the file's newline trimmed
  EXPECT_EQ(config->find_group(-100999), nullptr);
  std::string summary = config->redacted_summary();
  EXPECT_THAT(summary, HasSubstr("group -1001234567890 (helpers env:H1 file:helper2.token)"));
  EXPECT_THAT(summary, Not(HasSubstr("777001:")));
  EXPECT_THAT(summary, Not(HasSubstr("777002:")));
}

TEST_F(ConfigTest, GroupMistakesSayWhatAndWhere) {
  env_["H1"] = kHelperToken;
  const std::string group = "[[group]]\nid = -1001234567890\n";
  EXPECT_THAT(
      error_of(connection() + "[[group]]\nid = -100777\nhelpers = [\"env:H1\"]\n"),
      HasSubstr("topicdesk.toml:6: group[0].id -100777 is no connection's group_id (connections: support)"));
  EXPECT_THAT(error_of(connection() + "[[group]]\nhelpers = [\"env:H1\"]\n"),
              HasSubstr("topicdesk.toml:5: group[0].id is missing"));
  EXPECT_THAT(
      error_of(connection() + group + "helpers = [\"env:H1\", \"env:H1\"]\n"),
      HasSubstr(
          "topicdesk.toml:7: group[0].helpers[1] (env:H1) is the same bot as group[0].helpers[0] (env:H1)"));
  EXPECT_THAT(
      error_of(connection() + group + "helpers = [\"" + std::string(kToken) + "\"]\n"),
      HasSubstr("topicdesk.toml:7: group[0].helpers[0] (literal) is the bot of connection \"support\""));
  EXPECT_THAT(error_of(connection() + group + "helpers = [\"env:NOPE\"]\n"),
              HasSubstr("topicdesk.toml:7: group[0].helpers[0]: environment variable NOPE is not set"));
  EXPECT_THAT(error_of(connection() + group + "helpers = [\"not-a-token\"]\n"),
              HasSubstr("group[0].helpers[0] (literal) does not look like a bot token"));
  EXPECT_THAT(error_of(connection() + group + "helpers = \"env:H1\"\n"),
              HasSubstr("topicdesk.toml:7: group[0].helpers must be a list of bot tokens"));
  EXPECT_THAT(error_of(connection() + group + "helpers = [1]\n"),
              HasSubstr("group[0].helpers[0] must be a string"));
  EXPECT_THAT(error_of(connection() + group + "helper = [\"env:H1\"]\n"),
              HasSubstr("topicdesk.toml:7: unknown key group[0].helper (allowed here: id, helpers)"));
  EXPECT_THAT(error_of(connection() + group + group),
              HasSubstr("topicdesk.toml:8: group[1].id -1001234567890 is listed by group[0] too"));
  EXPECT_THAT(error_of("group = 5\n" + connection()), HasSubstr("group must be an array of tables"));
  // A helper may serve two groups (each has its own budget there).
  env_["H2"] = kHelperToken2;
  std::string other =
      "[[connection]]\nname = \"sales\"\ntoken = \"" + std::string(kOtherToken) + "\"\ngroup_id = -100555\n";
  EXPECT_TRUE(parse(connection() + other + group +
                    "helpers = [\"env:H1\"]\n[[group]]\nid = -100555\nhelpers = [\"env:H1\", \"env:H2\"]\n"));
}

TEST_F(ConfigTest, ServerStorageTelegramAndLoggingValuesAreChecked) {
  EXPECT_THAT(error_of("[server]\nlisten = \"8080\"\n"),
              HasSubstr("topicdesk.toml:2: server.listen must be host:port"));
  EXPECT_THAT(error_of("[server]\nlisten = \"localhost:70000\"\n"),
              HasSubstr("server.listen must be host:port"));
  EXPECT_THAT(error_of("[server]\nlisten = 8080\n"),
              HasSubstr("topicdesk.toml:2: server.listen must be a string"));
  EXPECT_THAT(error_of("[server]\npublic_url = \"desk.example.com\"\n"),
              HasSubstr("topicdesk.toml:2: server.public_url must be an https:// address"));
  EXPECT_THAT(error_of("[storage]\nsqlite = \"\"\n"),
              HasSubstr("topicdesk.toml:2: storage.sqlite must be a file path"));
  EXPECT_THAT(error_of("[storage]\nevent_retention_days = -1\n"),
              HasSubstr("topicdesk.toml:2: storage.event_retention_days must be 0..36500"));
  EXPECT_THAT(error_of("[telegram]\napi_base = \"ftp://x\"\n"),
              HasSubstr("telegram.api_base must be an http(s)://"));
  EXPECT_THAT(error_of("[telegram]\npoll_gather_ms = 5000\n"),
              HasSubstr("topicdesk.toml:2: telegram.poll_gather_ms must be 0..1000"));
  EXPECT_THAT(error_of("[telegram.limits]\ngroup_per_minute = 0\n"),
              HasSubstr("topicdesk.toml:2: telegram.limits.group_per_minute must be 1..100000"));
  EXPECT_THAT(error_of("[logging]\nlevel = \"loud\"\n"),
              HasSubstr("topicdesk.toml:2: logging.level must be one of"));
  EXPECT_THAT(error_of("server = 1\n"), HasSubstr("topicdesk.toml:1: server must be a table"));

  auto kept = parse("[storage]\nsqlite = \"/srv/desk/desk.db\"\nevent_retention_days = 90\n");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->storage.event_retention_days, 90);
  EXPECT_EQ(kept->tdlib.data_dir, "/srv/desk/tdlib");

  EXPECT_THAT(error_of("[retention]\nhistory_days = -3\n"),
              HasSubstr("topicdesk.toml:2: retention.history_days must be 0..36500"));
  EXPECT_THAT(error_of("[retention]\n\nhistory_day = 30\n"),
              HasSubstr("topicdesk.toml:3: unknown key retention.history_day"));
  EXPECT_THAT(error_of("[retention]\nhistory_days = \"30\"\n"),
              HasSubstr("topicdesk.toml:2: retention.history_days must be"));
  auto history = parse("[retention]\nhistory_days = 180\n");
  ASSERT_TRUE(history) << history.error().message;
  EXPECT_EQ(history->retention.history_days, 180);

  auto v6 = parse("[server]\nlisten = \"[::1]:8443\"\n");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->server.listen_host, "::1");
  EXPECT_EQ(v6->server.listen_port, 8443);
}

// Secrets -----------------------------------------------------------------------------------

TEST_F(ConfigTest, TokenFromEnvironmentAndFile) {
  env_["BOT"] = kToken;
  files_["/run/secrets/bot"] = std::string(kOtherToken) + "\n";
  auto config = parse(connection("", "a", "env:BOT") + connection("", "b", "file:/run/secrets/bot"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->connections[0].token, kToken);
  EXPECT_EQ(config->connections[1].token, kOtherToken) << "trailing newline trimmed";
  EXPECT_EQ(config->connections[1].token_source, "file:/run/secrets/bot");
}

TEST_F(ConfigTest, MissingSecretsAreNamedWithoutTheirValue) {
  EXPECT_THAT(error_of(connection("", "a", "env:NOPE")),
              HasSubstr("topicdesk.toml:3: connection[0].token: environment variable NOPE is not set"));
  EXPECT_THAT(error_of(connection("", "a", "env:")),
              HasSubstr("\"env:\" must be followed by a variable name"));
  EXPECT_THAT(error_of(connection("", "a", "file:/nope")),
              HasSubstr("topicdesk.toml:3: connection[0].token: cannot read /nope"));
  EXPECT_THAT(error_of(connection("", "a", "")), HasSubstr("topicdesk.toml:3: connection[0].token is empty"));
}

TEST_F(ConfigTest, BadTokensAreRefusedWithoutPrintingThem) {
  const std::string secretish = "not-a-token-but-secret-ABCDEFG";
  std::string message = error_of(connection("", "a", secretish));
  EXPECT_THAT(message,
              HasSubstr("topicdesk.toml:3: connection[0].token (literal) does not look like a bot token"));
  EXPECT_THAT(message, Not(HasSubstr(secretish)));
  env_["BOT"] = "12345:has spaces";
  message = error_of(connection("", "a", "env:BOT"));
  EXPECT_THAT(message, HasSubstr("connection[0].token (env:BOT) does not look like a bot token"));
  EXPECT_THAT(message, Not(HasSubstr("has spaces")));
}

TEST_F(ConfigTest, SummaryNeverShowsSecrets) {
  env_["HOOK"] = "hook_secret_value";
  auto config =
      parse("[server]\npublic_url = \"https://d.example\"\n" +
            connection("transport = \"webhook\"\nwebhook_secret = \"env:HOOK\"\n[connection.parameters]\n"
                       "AUTOCLOSE = 24\n"));
  ASSERT_TRUE(config) << config.error().message;
  std::string summary = config->redacted_summary();
  EXPECT_THAT(summary, Not(HasSubstr(kToken)));
  EXPECT_THAT(summary, Not(HasSubstr("123456:")));
  EXPECT_THAT(summary, Not(HasSubstr("hook_secret_value")));
  EXPECT_THAT(
      summary,
      HasSubstr("connection support (mode bot, token literal, group -1001234567890, webhook, AUTOCLOSE=24)"));
  EXPECT_THAT(summary, HasSubstr("listen 127.0.0.1:8080"));
}

TEST_F(ConfigTest, PostgresStorageComesFromTheEnvironmentOrAFileAndIsCheckedWithoutShowingIt) {
  env_["TOPICDESK_PG"] = "postgresql://desk:s3cret-pw@db.internal:5432/topicdesk?sslmode=require";
  auto config = parse("[storage]\npostgres = \"env:TOPICDESK_PG\"\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->storage.uses_postgres());
  EXPECT_EQ(config->storage.postgres_uri, env_["TOPICDESK_PG"]);
  EXPECT_EQ(config->storage.postgres_source, "env:TOPICDESK_PG");
  EXPECT_FALSE(parse("")->storage.uses_postgres()) << "SQLite unless told otherwise";

  files_["pg.uri"] = "postgres://desk@/topicdesk?host=/run/postgresql\n";
  auto from_file = parse("[storage]\npostgres = \"file:pg.uri\"\n");
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->storage.postgres_uri, "postgres://desk@/topicdesk?host=/run/postgresql");

  EXPECT_THAT(error_of("[storage]\npostgres = \"env:NOT_SET\"\n"),
              HasSubstr("topicdesk.toml:2: storage.postgres: environment variable NOT_SET is not set"));
  EXPECT_THAT(error_of("[storage]\npostgres = \"file:missing.uri\"\n"),
              HasSubstr("topicdesk.toml:2: storage.postgres: cannot read missing.uri"));
  EXPECT_THAT(error_of("[storage]\nsqlite = \"desk.db\"\npostgres = \"env:TOPICDESK_PG\"\n"),
              HasSubstr("topicdesk.toml:3: storage: set sqlite or postgres, not both"));
  EXPECT_THAT(error_of("[storage]\npostgres = 5432\n"),
              HasSubstr("topicdesk.toml:2: storage.postgres must be a string"));
  env_["WRONG"] = "host=db.internal password=hunter2hunter2";
  auto message = error_of("[storage]\n\npostgres = \"env:WRONG\"\n");
  EXPECT_THAT(message, HasSubstr("topicdesk.toml:3: storage.postgres must be a libpq URI, "
                                 "postgresql://user@host:port/database (the value from env:WRONG is not)"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, SummaryNamesThePostgresServerButNeverItsPassword) {
  env_["TOPICDESK_PG"] = "postgresql://desk:s3cret-pw@db.internal:5432/topicdesk";
  auto config = parse("[storage]\npostgres = \"env:TOPICDESK_PG\"\n");
  ASSERT_TRUE(config) << config.error().message;
  const auto summary = config->redacted_summary();
  EXPECT_THAT(
      summary,
      HasSubstr("postgres postgresql://<redacted>@db.internal:5432/topicdesk (from env:TOPICDESK_PG)"));
  EXPECT_THAT(summary, Not(HasSubstr("s3cret-pw")));
  EXPECT_THAT(summary, Not(HasSubstr("sqlite")));
}

TEST(PostgresUriPasswords, FindsThePasswordWhereverTheUriHoldsIt) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  EXPECT_THAT(postgres_uri_passwords("postgresql://desk:s3cret@db/topicdesk"), ElementsAre("s3cret"));
  EXPECT_THAT(postgres_uri_passwords("postgresql://desk:p%40ss%2Fword@db:5432/topicdesk"),
              ElementsAre("p%40ss%2Fword", "p@ss/word"));
  EXPECT_THAT(postgres_uri_passwords("postgres://desk@db/topicdesk?sslmode=require&password=qwerty123"),
              ElementsAre("qwerty123"));
  EXPECT_THAT(postgres_uri_passwords("postgresql://desk@/topicdesk?host=/run/postgresql"), IsEmpty());
  EXPECT_THAT(postgres_uri_passwords("postgresql:///topicdesk"), IsEmpty());
}

// (Credentials in a WEBHOOKS URL, user:pass@, are refused by the parameters themselves; the
// log sink hides them wherever else they appear: tests/unit/app/redacting_sink_test.cpp.)
TEST_F(ConfigTest, SummaryHidesTheSigningSecretAndSecretsInWebhookUrls) {
  auto config = parse(
      connection("[connection.parameters]\nWEBHOOKS_SECRET = \"0123456789abcdef-signing\"\n"
                 "WEBHOOKS = '{\"https://crm.example/hook?token=t0ps3cret&x=1\": [\"dialog_created\"]}'\n"));
  ASSERT_TRUE(config) << config.error().message;
  std::string summary = config->redacted_summary();
  EXPECT_THAT(summary, Not(HasSubstr("0123456789abcdef-signing")));
  EXPECT_THAT(summary, Not(HasSubstr("t0ps3cret")));
  EXPECT_THAT(summary, HasSubstr("WEBHOOKS_SECRET=<redacted>"));
  EXPECT_THAT(summary, HasSubstr("https://crm.example/hook?token=<redacted>&x=1"));
}

// Files on disk -----------------------------------------------------------------------------

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("topicdesk-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, SecretFileRelativeToTheConfigWithTightPermissions) {
  write("bot.token", std::string(kToken) + "\n", 0600);
  auto path = write("topicdesk.toml",
                    "[[connection]]\nname = \"a\"\ntoken = \"file:bot.token\"\ngroup_id = -100\n", 0644);
  auto config = load_config(path);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->connections[0].token, kToken);
  EXPECT_EQ(config->path, path);
}

TEST_F(ConfigFileTest, SecretFileReadableByOthersIsRefused) {
  write("bot.token", kToken, 0644);
  auto path = write("topicdesk.toml",
                    "[[connection]]\nname = \"a\"\ntoken = \"file:bot.token\"\ngroup_id = -100\n", 0644);
  auto config = load_config(path);
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr(path + ":3: connection[0].token:"));
  EXPECT_THAT(config.error().message, HasSubstr("is readable by others (mode 644); run: chmod 600"));
  EXPECT_THAT(config.error().message, Not(HasSubstr(kToken)));

  write("bot.token", kToken, 0640);
  EXPECT_FALSE(load_config(path)) << "group-readable is refused too";
}

TEST_F(ConfigFileTest, MissingFileIsNamed) {
  auto config = load_config((dir_ / "absent.toml").string());
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("absent.toml: cannot open the configuration file"));
}

// Connection modes and [tdlib] -------------------------------------------------------------

TEST_F(ConfigTest, ModesDefaultToBotAndAccountReadsTdlib) {
  env_["TD_HASH"] = "0123456789abcdef0123456789ABCDEF";
  auto config = parse("[tdlib]\napi_id = 12345\napi_hash = \"env:TD_HASH\"\ndata_dir = \"/var/td\"\n" +
                      connection() + connection("mode = \"account\"\n", "sales", kOtherToken));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->connections[0].mode, ConnectionMode::kBot);
  EXPECT_EQ(config->connections[1].mode, ConnectionMode::kAccount);
  EXPECT_EQ(config->tdlib.api_id, 12345);
  EXPECT_EQ(config->tdlib.api_hash, "0123456789abcdef0123456789ABCDEF");
  EXPECT_EQ(config->tdlib.data_dir, "/var/td");
  EXPECT_THAT(config->redacted_summary(), Not(HasSubstr("0123456789abcdef")));
  EXPECT_THAT(config->redacted_summary(), HasSubstr("mode account"));
}

TEST_F(ConfigTest, ApiRateLimitIsReadAndChecked) {
  auto config = parse("[api]\nrate_per_second = 0\nburst = 5\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->api.rate_per_second, 0);
  EXPECT_EQ(config->api.burst, 5);
  EXPECT_THAT(error_of("[api]\nburst = 0\n"), HasSubstr("topicdesk.toml:2: api.burst"));
  EXPECT_THAT(error_of("[api]\nrate = 5\n"),
              HasSubstr("topicdesk.toml:2: unknown key api.rate (allowed here: rate_per_second, burst)"));
}

TEST_F(ConfigTest, ModeMistakesAreNamed) {
  EXPECT_THAT(
      error_of(connection("mode = \"userbot\"\n")),
      HasSubstr(
          "topicdesk.toml:5: connection[0].mode must be \"bot\", \"proxy\", \"mtproto\" or \"account\""));
  EXPECT_THAT(error_of(connection("mode = \"mtproto\"\n")),
              HasSubstr("connection[0].mode = \"mtproto\" needs [tdlib] api_id and api_hash"));
  EXPECT_THAT(error_of("[tdlib]\napi_id = 1\napi_hash = \"xyz\"\n"),
              HasSubstr("topicdesk.toml:3: tdlib.api_hash (literal) must be the 32 hex digits"));
  EXPECT_THAT(error_of("[server]\npublic_url = \"https://d.example\"\n" +
                       connection("mode = \"proxy\"\ntransport = \"webhook\"\nwebhook_secret = \"s\"\n")),
              HasSubstr("transport = \"webhook\" works with mode = \"bot\" only"));
}

// [setup]: the setup bot -------------------------------------------------------------------

TEST_F(ConfigTest, TheSetupBotHasATokenAndAdminsByIdOrUsername) {
  env_["SETUP_BOT_TOKEN"] = kOtherToken;
  auto config =
      parse("[setup]\ntoken = \"env:SETUP_BOT_TOKEN\"\nadmins = [123456789, \"@Ann_Admin\", \"42\"]\n" +
            connection());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->setup.enabled());
  EXPECT_EQ(config->setup.token, kOtherToken);
  EXPECT_EQ(config->setup.token_source, "env:SETUP_BOT_TOKEN");
  EXPECT_EQ(config->setup.admins.ids, (std::set<core::UserId>{42, 123456789}));
  EXPECT_EQ(config->setup.admins.usernames, (std::set<std::string>{"ann_admin"}));
  EXPECT_THAT(config->redacted_summary(), Not(HasSubstr(kOtherToken)));
  EXPECT_FALSE(parse(connection())->setup.enabled());
}

TEST_F(ConfigTest, SetupBotMistakesSayWhatAndWhere) {
  EXPECT_EQ(error_of("[setup]\ntoken = \"x\"\nadmins = [\"@ab\"]\n"),
            "topicdesk.toml:3: setup.admins: \"@ab\" is not a Telegram username (@ and 5..32 letters, digits "
            "or _)");
  EXPECT_EQ(error_of("[setup]\nadmins = [-5]\n"),
            "topicdesk.toml:2: setup.admins: \"-5\" is neither a user id nor an @username");
  EXPECT_THAT(error_of("[setup]\nadmins = [true]\n"),
              HasSubstr("topicdesk.toml:2: setup.admins holds user ids"));
  EXPECT_THAT(error_of("[setup]\nadmin = [1]\n"), HasSubstr("topicdesk.toml:2: unknown key setup.admin"));
  EXPECT_THAT(error_of("[setup]\ntoken = \"env:NOPE\"\n"), HasSubstr("topicdesk.toml:2:"));
}

}  // namespace
}  // namespace topicdesk::app
