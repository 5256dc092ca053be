// The example `topicdesk init` writes: the real reader accepts it as written and with every
// example turned on, it shows every key the reader knows, its defaults are the reader's, and
// every parameter it names exists. A renamed key or parameter breaks these tests.
#include "app/example_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "app/config.h"
#include "core/parameters.h"

namespace topicdesk::app {
namespace {

using ::testing::HasSubstr;

// The environment a user sets for the example: one value per env:NAME it references.
const std::map<std::string, std::string> kEnv = {
    {"SUPPORT_BOT_TOKEN", "100001:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-a"},
    {"SHOP_BOT_TOKEN", "100002:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-b"},
    {"LEGACY_BOT_TOKEN", "100003:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-c"},
    {"DESK_BOT_TOKEN", "100004:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-d"},
    {"SUPPORT_WEBHOOK_SECRET", "hook_secret-123"},
    {"TG_API_HASH", "0123456789abcdef0123456789abcdef"},
    {"SUPPORT_HELPER_1", "100005:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-e"},
    {"SUPPORT_HELPER_2", "100006:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-f"},
    {"PAYMENT_PROVIDER_TOKEN", "284685063:TEST:provider"},
    {"SETUP_BOT_TOKEN", "100007:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp_-g"},
    {"OPENAI_API_KEY", "sk-example-key"},
};

SecretSources env_sources() {
  SecretSources secrets;
  secrets.env = [](const std::string& name) -> std::optional<std::string> {
    auto found = kEnv.find(name);
    if (found == kEnv.end()) return std::nullopt;
    return found->second;
  };
  secrets.read_file = [](const std::string& path) -> core::Result<std::string> {
    return core::make_error("no secret files in this test: " + path);
  };
  return secrets;
}

core::Result<Config> parse(const std::string& text) {
  return parse_config(text, "topicdesk.toml", env_sources());
}

std::set<std::string> matches(const std::string& text, const std::regex& pattern, int group) {
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it)
    found.insert((*it)[group].str());
  return found;
}

// Every dotted key of a TOML document, tables of arrays as their key ("connection.name").
void collect_keys(const toml::table& table, const std::string& path, std::set<std::string>& keys) {
  for (auto&& [key, node] : table) {
    std::string name = path.empty() ? std::string(key.str()) : path + "." + std::string(key.str());
    keys.insert(name);
    if (path == "connection" && key.str() == "parameters") continue;  // parameters: checked by name
    if (const auto* sub = node.as_table()) collect_keys(*sub, name, keys);
    if (const auto* array = node.as_array()) {
      for (const auto& item : *array) {
        if (const auto* sub = item.as_table()) collect_keys(*sub, name, keys);
      }
    }
  }
}

TEST(ExampleConfig, TheReaderAcceptsItAsWrittenWithItsDefaults) {
  auto config = parse(example_config());
  ASSERT_TRUE(config) << config.error().message;
  const Config defaults;
  EXPECT_EQ(config->server.listen_host, defaults.server.listen_host);
  EXPECT_EQ(config->server.listen_port, defaults.server.listen_port);
  EXPECT_EQ(config->server.public_url, "");
  EXPECT_EQ(config->storage.sqlite_path, defaults.storage.sqlite_path);
  EXPECT_EQ(config->storage.event_retention_days, defaults.storage.event_retention_days);
  EXPECT_EQ(config->retention.history_days, defaults.retention.history_days);
  EXPECT_EQ(config->telegram.api_base, defaults.telegram.api_base);
  EXPECT_EQ(config->telegram.poll_gather_ms, defaults.telegram.poll_gather_ms);
  const auto& limits = config->telegram.limits;
  EXPECT_EQ(limits.enabled, defaults.telegram.limits.enabled);
  EXPECT_EQ(limits.chat_per_second, defaults.telegram.limits.chat_per_second);
  EXPECT_EQ(limits.chat_burst, defaults.telegram.limits.chat_burst);
  EXPECT_EQ(limits.group_per_minute, defaults.telegram.limits.group_per_minute);
  EXPECT_EQ(limits.bot_per_second, defaults.telegram.limits.bot_per_second);
  EXPECT_EQ(config->logging.level, defaults.logging.level);
  EXPECT_EQ(config->api.rate_per_second, defaults.api.rate_per_second);
  EXPECT_EQ(config->api.burst, defaults.api.burst);

  // One connection in effect: a bot by token from the environment, parameters untouched.
  ASSERT_EQ(config->connections.size(), 1u);
  const auto& support = config->connections[0];
  EXPECT_EQ(support.name, "support");
  EXPECT_EQ(support.mode, ConnectionMode::kBot);
  EXPECT_EQ(support.token_source, "env:SUPPORT_BOT_TOKEN");
  EXPECT_EQ(support.transport, TransportKind::kPolling);
  EXPECT_TRUE(support.raw_parameters.empty());
}

TEST(ExampleConfig, WithoutTheTokenInTheEnvironmentTheReaderSaysWhichVariable) {
  auto config = parse_config(example_config(), "topicdesk.toml", SecretSources{});
  ASSERT_FALSE(config);
  EXPECT_THAT(config.error().message, HasSubstr("environment variable SUPPORT_BOT_TOKEN is not set"));
}

TEST(ExampleConfig, EveryExampleTurnedOnIsAcceptedAndTakesEffect) {
  auto config = parse(uncomment_settings(example_config()));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server.public_url, "https://desk.example.com");
  EXPECT_NE(config->tdlib.api_id, 0);
  EXPECT_EQ(config->tdlib.api_hash, kEnv.at("TG_API_HASH"));
  EXPECT_EQ(config->setup.token, kEnv.at("SETUP_BOT_TOKEN"));
  EXPECT_TRUE(config->setup.admins.usernames.contains("your_username"));

  std::vector<std::pair<std::string, ConnectionMode>> modes;
  for (const auto& c : config->connections) modes.emplace_back(c.name, c.mode);
  EXPECT_EQ(modes,
            (std::vector<std::pair<std::string, ConnectionMode>>{{"support", ConnectionMode::kBot},
                                                                 {"shop", ConnectionMode::kProxy},
                                                                 {"legacy", ConnectionMode::kMtproto},
                                                                 {"personal", ConnectionMode::kAccount}}));
  for (const auto& c : config->connections) EXPECT_TRUE(c.token_source.starts_with("env:")) << c.name;
  const auto& support = config->connections[0];
  EXPECT_EQ(support.transport, TransportKind::kWebhook);
  EXPECT_EQ(support.webhook_secret, kEnv.at("SUPPORT_WEBHOOK_SECRET"));

  // Parameters shown with their default hold the default; the OFF ones show an example.
  const core::Parameters defaults;
  const auto& p = support.parameters;
  // WELCOME shows an example text: unset, the welcome comes from the user's language's catalogue.
  EXPECT_EQ(p.welcome, std::optional<std::string>("Hello, {title}! Thank you for your message. An operator "
                                                  "will answer you here as soon as possible."));
  EXPECT_EQ(p.autoclose_hours, defaults.autoclose_hours);
  EXPECT_EQ(p.close_message, defaults.close_message);
  EXPECT_EQ(p.hide_info, defaults.hide_info);
  EXPECT_EQ(p.assign, defaults.assign);
  EXPECT_EQ(p.new_topics_per_minute, defaults.new_topics_per_minute);
  EXPECT_EQ(p.user_messages_per_minute, defaults.user_messages_per_minute);
  EXPECT_TRUE(p.working_hours.has_value());
  EXPECT_TRUE(p.away_message.has_value());
  EXPECT_GT(p.unanswered_alert_minutes, 0);
  EXPECT_TRUE(p.csat.has_value());
  EXPECT_EQ(p.webhooks.size(), 1u);
  EXPECT_EQ(config->connections[3].parameters.monitor_groups, defaults.monitor_groups);
}

TEST(ExampleConfig, ShowsEveryKeyTheReaderKnows) {
  toml::table root = toml::parse(uncomment_settings(example_config()));
  std::set<std::string> shown;
  collect_keys(root, "", shown);
  for (const auto& table : config_tables()) {
    for (auto key : table.keys) {
      std::string name =
          table.path.empty() ? std::string(key) : std::string(table.path) + "." + std::string(key);
      if (name == "storage.postgres") continue;  // shown in prose: it replaces sqlite, never beside it
      EXPECT_TRUE(shown.contains(name)) << name << " is a key the reader knows; the example must show it";
    }
  }
}

TEST(ExampleConfig, EveryParameterItNamesExists) {
  const std::string text = example_config();
  const auto& known = core::known_parameter_names();
  // Environment variable names and the few upper-case words of the prose are not parameters.
  std::set<std::string> not_parameters = matches(text, std::regex(R"(env:([A-Za-z_][A-Za-z0-9_]*))"), 1);
  not_parameters.insert({"OFF", "NAME", "PATH", "ABC", "API", "HTTP", "README", "URL"});
  std::set<std::string> named;
  for (const auto& word : matches(text, std::regex(R"(\b[A-Z][A-Z0-9_]{2,}\b)"), 0)) {
    if (!not_parameters.contains(word)) named.insert(word);
  }
  for (const auto& name : named) {
    EXPECT_NE(std::find(known.begin(), known.end(), name), known.end())
        << name << " is named in the example but is not a parameter (a word of the prose? list it above)";
  }
  // The parameters a newcomer needs first are all there.
  for (std::string name :
       {"WELCOME", "AUTOCLOSE", "HIDE_INFO", "WORKING_HOURS", "AWAY_MESSAGE", "ASSIGN", "UNANSWERED_ALERT",
        "CSAT", "NEW_TOPICS_PER_MINUTE", "USER_MESSAGES_PER_MINUTE", "WEBHOOKS"}) {
    EXPECT_TRUE(named.contains(name)) << name;
  }
}

TEST(ExampleConfig, EnvironmentReferencesAreTheOnlySecrets) {
  const std::string text = uncomment_settings(example_config());
  EXPECT_EQ(matches(text, std::regex(R"(env:([A-Za-z_][A-Za-z0-9_]*))"), 1),
            (std::set<std::string>{"NAME", "SUPPORT_BOT_TOKEN", "SHOP_BOT_TOKEN", "LEGACY_BOT_TOKEN",
                                   "DESK_BOT_TOKEN", "SUPPORT_WEBHOOK_SECRET", "TG_API_HASH", "TOPICDESK_PG",
                                   "SUPPORT_HELPER_1", "SUPPORT_HELPER_2", "PAYMENT_PROVIDER_TOKEN",
                                   "SETUP_BOT_TOKEN", "OPENAI_API_KEY"}));
  // No literal token: nothing shaped like digits:secret.
  EXPECT_FALSE(std::regex_search(text, std::regex(R"(\d{5,}:[A-Za-z0-9_-]{20,})")));
}

TEST(ExampleConfig, ThePostgresLineItShowsIsAcceptedInPlaceOfSqlite) {
  std::string text = example_config();
  const auto shown = text.find("#   postgres = \"env:TOPICDESK_PG\"\n");
  ASSERT_NE(shown, std::string::npos);
  const auto sqlite = text.find("sqlite = \"data/topicdesk.db\"\n");
  ASSERT_NE(sqlite, std::string::npos);
  text.replace(sqlite, std::string("sqlite = \"data/topicdesk.db\"\n").size(),
               "postgres = \"env:TOPICDESK_PG\"\n");
  auto secrets = env_sources();
  secrets.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "TOPICDESK_PG") return "postgresql://desk:pw@db.example:5432/topicdesk";
    auto found = kEnv.find(name);
    return found == kEnv.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
  auto config = parse_config(text, "topicdesk.toml", secrets);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->storage.uses_postgres());
}

TEST(ExampleConfig, CommandsInItNameTheFileItWasWrittenTo) {
  const std::string text = example_config("/etc/topicdesk/desk.toml");
  EXPECT_THAT(text, HasSubstr("topicdesk doctor --config /etc/topicdesk/desk.toml"));
  EXPECT_THAT(text, HasSubstr("topicdesk run --config /etc/topicdesk/desk.toml"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("{config}")));
}

TEST(ExampleConfig, UncommentingTurnsOnSettingsOnly) {
  EXPECT_EQ(uncomment_settings("# prose\n#key = 1\n## heading\nx = 2\n#[table]\n"),
            "# prose\nkey = 1\n## heading\nx = 2\n[table]\n");
}

// `topicdesk init --no-connection --api-base URL`: a desk without connections in the file (they
// come from `topicdesk connection add`), accepted without any token in the environment, for the
// Bot API named; with its examples turned on it is the usual example again.
TEST(ExampleConfig, WithoutAConnectionTheReaderAcceptsItWithoutTokensAndForTheApiGiven) {
  ExampleChoices choices;
  choices.file_connection = false;
  choices.api_base = "http://127.0.0.1:8081";
  const std::string text = example_config("desk.toml", choices);
  auto config = parse_config(text, "desk.toml", SecretSources{});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->connections.empty());
  EXPECT_EQ(config->telegram.api_base, "http://127.0.0.1:8081");
  EXPECT_THAT(text, HasSubstr("topicdesk connection add"));
  auto on = parse(uncomment_settings(text));
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(on->connections.size(), parse(uncomment_settings(example_config()))->connections.size());
}

}  // namespace
}  // namespace topicdesk::app
