#include "core/parameters.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

Parameters parse_ok(const RawParameters& raw) {
  auto p = parse_parameters(raw);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Parameters{};
}

std::string parse_error(const RawParameters& raw) {
  auto p = parse_parameters(raw);
  EXPECT_FALSE(p.ok());
  return p.ok() ? "" : p.error().message;
}

TEST(Parameters, DefaultsWhenNothingIsGiven) {
  Parameters p = parse_ok({});
  EXPECT_FALSE(p.welcome.has_value());
  EXPECT_EQ(p.autoclose_hours, 0);
  EXPECT_FALSE(p.silent_mode);
  EXPECT_TRUE(p.private_keywords.empty());
  EXPECT_EQ(p.hide_info, HideInfo::kOff);
  EXPECT_TRUE(p.extensions_allowed.empty());
  EXPECT_FALSE(p.reply_only);
  EXPECT_FALSE(p.auto_info);
  EXPECT_TRUE(p.ignore_chats.empty());
  EXPECT_TRUE(p.white_list.empty());
  EXPECT_FALSE(p.leave_closed);
  EXPECT_EQ(p.icon_color, 0x6FB9F0);
}

TEST(Parameters, EveryNameIsKnown) {
  std::vector<std::string> expected{"AUTOCLOSE",
                                    "AUTO_INFO",
                                    "CUSTOM_COMMANDS",
                                    "EXTENSIONS_ALLOWED",
                                    "GROUPS_KEYWORDS",
                                    "HIDE_INFO",
                                    "ICON_COLOR",
                                    "IGNORE_CHATS",
                                    "INTERCEPT_EXTERNAL",
                                    "LEAVE_CLOSED",
                                    "MONITOR_CHANNELS",
                                    "MONITOR_GROUPS",
                                    "MONITOR_PRIVATE",
                                    "PRIVATE_KEYWORDS",
                                    "PROXY_PRIVATE_WEBHOOKS",
                                    "REPLY_ONLY",
                                    "RESTRICTED_KEYWORDS_BACKEND",
                                    "RESTRICTED_KEYWORDS_FRONTEND",
                                    "SILENT_MODE",
                                    "WEBHOOKS",
                                    "WEBHOOKS_SECRET",
                                    "WELCOME",
                                    "WHITE_LIST"};
  EXPECT_EQ(known_parameter_names(), expected);
}

TEST(Parameters, Welcome) {
  EXPECT_EQ(*parse_ok({{"WELCOME", "Hi {title}!"}}).welcome, "Hi {title}!");
  EXPECT_FALSE(parse_ok({{"WELCOME", "OFF"}}).welcome.has_value());
  EXPECT_FALSE(parse_ok({{"WELCOME", "off"}}).welcome.has_value());
  EXPECT_NE(parse_error({{"WELCOME", std::string(5000, 'x')}}).find("WELCOME"), std::string::npos);
}

TEST(Parameters, Autoclose) {
  EXPECT_EQ(parse_ok({{"AUTOCLOSE", "24"}}).autoclose_hours, 24);
  EXPECT_EQ(parse_ok({{"AUTOCLOSE", "1000000"}}).autoclose_hours, 1000000);
  EXPECT_EQ(parse_ok({{"AUTOCLOSE", "OFF"}}).autoclose_hours, 0);
  for (std::string bad : {"0", "1000001", "-3", "12h", "1.5"}) {
    EXPECT_EQ(parse_error({{"AUTOCLOSE", bad}}),
              "AUTOCLOSE must be OFF or hours 1..1000000 (got \"" + bad + "\")");
  }
}

TEST(Parameters, Booleans) {
  const std::vector<std::pair<const char*, bool Parameters::*>> fields{
      {"SILENT_MODE", &Parameters::silent_mode},
      {"REPLY_ONLY", &Parameters::reply_only},
      {"AUTO_INFO", &Parameters::auto_info},
      {"LEAVE_CLOSED", &Parameters::leave_closed},
      {"INTERCEPT_EXTERNAL", &Parameters::intercept_external},
      {"CUSTOM_COMMANDS", &Parameters::custom_commands}};
  for (const auto& [name, field] : fields) {
    EXPECT_TRUE(parse_ok({{name, "true"}}).*field) << name;
    EXPECT_TRUE(parse_ok({{name, "ON"}}).*field) << name;
    EXPECT_FALSE(parse_ok({{name, "false"}}).*field) << name;
    EXPECT_FALSE(parse_ok({{name, "off"}}).*field) << name;
    EXPECT_EQ(parse_error({{name, "maybe"}}), std::string(name) + " must be true or false (got \"maybe\")");
  }
}

TEST(Parameters, Keywords) {
  Parameters p = parse_ok({{"PRIVATE_KEYWORDS", R"("w1","w2",["w3","w4"],["w5","~w6"])"},
                           {"RESTRICTED_KEYWORDS_FRONTEND", R"(["spam"])"},
                           {"RESTRICTED_KEYWORDS_BACKEND", "password"}});
  EXPECT_EQ(p.private_keywords.groups().size(), 4u);
  EXPECT_TRUE(p.restricted_frontend.matches("SPAM here"));
  EXPECT_TRUE(p.restricted_backend.matches("your password is"));
  EXPECT_TRUE(parse_ok({{"PRIVATE_KEYWORDS", "OFF"}}).private_keywords.empty());
  std::string error = parse_error({{"RESTRICTED_KEYWORDS_BACKEND", R"("a)"}});
  EXPECT_EQ(error.rfind("RESTRICTED_KEYWORDS_BACKEND: missing closing quote", 0), 0u) << error;
}

TEST(Parameters, HideInfo) {
  EXPECT_EQ(parse_ok({{"HIDE_INFO", "name"}}).hide_info, HideInfo::kName);
  EXPECT_EQ(parse_ok({{"HIDE_INFO", "command"}}).hide_info, HideInfo::kCommand);
  EXPECT_EQ(parse_ok({{"HIDE_INFO", "OFF"}}).hide_info, HideInfo::kOff);
  EXPECT_EQ(parse_error({{"HIDE_INFO", "all"}}), "HIDE_INFO must be OFF, name or command (got \"all\")");
}

TEST(Parameters, UserLists) {
  Parameters p = parse_ok({{"EXTENSIONS_ALLOWED", R"([42, "@Boss_User"])"}, {"WHITE_LIST", "7, vip_client"}});
  ASSERT_EQ(p.extensions_allowed.size(), 2u);
  EXPECT_TRUE(matches_user(p.extensions_allowed, 42, ""));
  EXPECT_TRUE(matches_user(p.extensions_allowed, 5, "boss_user"));
  EXPECT_TRUE(matches_user(p.extensions_allowed, 5, "BOSS_USER"));
  EXPECT_FALSE(matches_user(p.extensions_allowed, 5, "other"));
  EXPECT_TRUE(matches_user(p.white_list, 7, ""));
  EXPECT_TRUE(matches_user(p.white_list, 1, "vip_client"));
  EXPECT_NE(parse_error({{"WHITE_LIST", R"(["a b"])"}}).find("WHITE_LIST must be"), std::string::npos);
  EXPECT_NE(parse_error({{"EXTENSIONS_ALLOWED", R"("x",["y","z"])"}}).find("EXTENSIONS_ALLOWED"),
            std::string::npos);
  EXPECT_TRUE(parse_ok({{"WHITE_LIST", "OFF"}}).white_list.empty());
}

TEST(Parameters, IgnoreChats) {
  Parameters p = parse_ok({{"IGNORE_CHATS", "[100, -1001234, 7]"}});
  EXPECT_EQ(p.ignore_chats, (std::vector<ChatId>{100, -1001234, 7}));
  EXPECT_EQ(parse_error({{"IGNORE_CHATS", "[100, bob]"}}),
            "IGNORE_CHATS must be a list of chat ids (got \"[100, bob]\")");
}

TEST(Parameters, IconColor) {
  EXPECT_EQ(parse_ok({{"ICON_COLOR", "0xFFD67E"}}).icon_color, 0xFFD67E);
  EXPECT_EQ(parse_ok({{"ICON_COLOR", "#fb6f5f"}}).icon_color, 0xFB6F5F);
  EXPECT_EQ(parse_ok({{"ICON_COLOR", "13338331"}}).icon_color, 0xCB86DB);
  EXPECT_NE(parse_error({{"ICON_COLOR", "0x123456"}}).find("ICON_COLOR must be one of 0x6FB9F0"),
            std::string::npos);
  EXPECT_FALSE(parse_parameters({{"ICON_COLOR", "red"}}).ok());
}

// Account connections
TEST(Parameters, AccountMonitoring) {
  Parameters defaults = parse_ok({});
  EXPECT_TRUE(defaults.monitor_private);
  EXPECT_FALSE(defaults.monitor_groups);
  EXPECT_FALSE(defaults.monitor_channels);
  EXPECT_TRUE(defaults.groups_keywords.empty());
  EXPECT_TRUE(parse_ok({{"MONITOR_CHANNELS", "true"}}).monitor_channels);
  Parameters p = parse_ok({{"MONITOR_PRIVATE", "false"},
                           {"MONITOR_GROUPS", "on"},
                           {"GROUPS_KEYWORDS", "help, [\"order\", \"~spam\"]"}});
  EXPECT_FALSE(p.monitor_private);
  EXPECT_TRUE(p.monitor_groups);
  EXPECT_TRUE(p.groups_keywords.matches("Need HELP please"));
  EXPECT_FALSE(p.groups_keywords.matches("order spam"));
  EXPECT_NE(parse_error({{"GROUPS_KEYWORDS", "[\"~x\"]"}}).find("GROUPS_KEYWORDS"), std::string::npos);
  EXPECT_EQ(parse_error({{"MONITOR_GROUPS", "maybe"}}),
            "MONITOR_GROUPS must be true or false (got \"maybe\")");
}

TEST(Parameters, UnknownAndRepeatedNamesAreErrors) {
  std::string error = parse_error({{"WELCOM", "hi"}});
  EXPECT_EQ(error.rfind("unknown parameter WELCOM (known: ", 0), 0u) << error;
  EXPECT_EQ(parse_error({{"AUTOCLOSE", "1"}, {"AUTOCLOSE", "2"}}), "parameter AUTOCLOSE is given twice");
}

}  // namespace
}  // namespace topicdesk::core
