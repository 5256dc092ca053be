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
  ASSERT_TRUE(p.welcome.has_value());  // the product's: a standard welcome, in the user's language
  EXPECT_TRUE(p.welcome->empty());
  EXPECT_EQ(p.autoclose_hours, 48);  // the product's: 48 hours after the operator's last reply
  EXPECT_FALSE(p.silent_mode);       // errors are shown to users
  ASSERT_TRUE(p.close_message.has_value());
  EXPECT_TRUE(p.close_message->empty());  // the built-in close notice
  EXPECT_TRUE(p.private_keywords.empty());
  EXPECT_EQ(p.hide_info, HideInfo::kOff);
  EXPECT_TRUE(p.extensions_allowed.empty());
  EXPECT_FALSE(p.reply_only);
  EXPECT_FALSE(p.auto_info);
  EXPECT_TRUE(p.ignore_chats.empty());
  EXPECT_TRUE(p.white_list.empty());
  EXPECT_TRUE(p.leave_closed.empty());
  EXPECT_FALSE(p.new_topic_after_close);
  EXPECT_EQ(p.icon_color, 0x6FB9F0);
  EXPECT_EQ(p.status_icons.user_answered, "🟪");
  EXPECT_EQ(p.status_icons.support_answered, "🟨");
  EXPECT_EQ(p.status_icons.closed, "⬛️");
  EXPECT_EQ(p.intercepted_status, InterceptedStatus::kOwner);
}

TEST(Parameters, TheGroupLanesSwitches) {
  Parameters defaults;
  EXPECT_TRUE(defaults.coalesce);
  EXPECT_EQ(defaults.backlog_notice_minutes, 5);
  EXPECT_FALSE(parse_ok({{"COALESCE", "false"}}).coalesce);
  EXPECT_EQ(parse_ok({{"BACKLOG_NOTICE", "OFF"}}).backlog_notice_minutes, 0);
  EXPECT_EQ(parse_ok({{"BACKLOG_NOTICE", "12"}}).backlog_notice_minutes, 12);
  EXPECT_NE(parse_error({{"BACKLOG_NOTICE", "0"}}).find("BACKLOG_NOTICE must be OFF or minutes 1..1440"),
            std::string::npos);
}

TEST(Parameters, TheAiConsultant) {
  Parameters defaults;
  EXPECT_EQ(defaults.ai, AiMode::kOff);
  EXPECT_EQ(defaults.ai_delay_minutes, 0);
  auto p = parse_ok({{"AI", "Draft"},
                     {"AI_PROMPT", "file: prompts/shop.md "},
                     {"AI_KNOWLEDGE", "kb/shop"},
                     {"AI_DELAY", "5"}});
  EXPECT_EQ(p.ai, AiMode::kDraft);
  EXPECT_EQ(p.ai_prompt, "file:prompts/shop.md");
  EXPECT_EQ(p.ai_knowledge, "kb/shop");
  EXPECT_EQ(p.ai_delay_minutes, 5);
  EXPECT_EQ(parse_ok({{"AI", "auto"}, {"AI_PROMPT", "Be kind."}}).ai_prompt, "Be kind.");
  EXPECT_EQ(parse_ok({{"AI", "auto"}}).ai, AiMode::kAuto);
  EXPECT_NE(parse_error({{"AI", "always"}}).find("AI must be OFF, draft or auto (got \"always\")"),
            std::string::npos);
  EXPECT_NE(parse_error({{"AI_DELAY", "-1"}}).find("AI_DELAY must be minutes 0..10080"), std::string::npos);
  EXPECT_NE(parse_error({{"AI_PROMPT", "file:"}}).find("AI_PROMPT must be"), std::string::npos);
  EXPECT_NE(parse_error({{"AI_PROMPT", std::string(16001, 'x')}}).find("at most 16000 characters"),
            std::string::npos);
}

TEST(Parameters, EveryNameIsKnown) {
  std::vector<std::string> expected{"AI",
                                    "AI_DELAY",
                                    "AI_KNOWLEDGE",
                                    "AI_PROMPT",
                                    "ASSIGN",
                                    "AUTOCLOSE",
                                    "AUTO_INFO",
                                    "AWAY_MESSAGE",
                                    "BACKLOG_NOTICE",
                                    "BROADCAST_MONTHLY_QUOTA",
                                    "CLOSE_MESSAGE",
                                    "COALESCE",
                                    "CSAT",
                                    "CUSTOM_COMMANDS",
                                    "DAILY_DIGEST",
                                    "EXTENSIONS_ALLOWED",
                                    "GROUPS_KEYWORDS",
                                    "HIDE_INFO",
                                    "ICON_COLOR",
                                    "IGNORE_CHATS",
                                    "INTERCEPTED_STATUS",
                                    "INTERCEPT_EXTERNAL",
                                    "LANGUAGE",
                                    "LEAVE_CLOSED",
                                    "MONITOR_CHANNELS",
                                    "MONITOR_GROUPS",
                                    "MONITOR_PRIVATE",
                                    "NEW_TOPICS_PER_MINUTE",
                                    "NEW_TOPIC_AFTER_CLOSE",
                                    "PAYMENT_HOOK",
                                    "PRIVATE_KEYWORDS",
                                    "PROXY_BACKLOG",
                                    "PROXY_OUTAGE",
                                    "PROXY_PRIVATE_WEBHOOKS",
                                    "REPLY_ONLY",
                                    "RESTRICTED_KEYWORDS_BACKEND",
                                    "RESTRICTED_KEYWORDS_FRONTEND",
                                    "SILENT_MODE",
                                    "STATUS_ICONS",
                                    "UNANSWERED_ALERT",
                                    "USER_MESSAGES_PER_MINUTE",
                                    "WEBHOOKS",
                                    "WEBHOOKS_SECRET",
                                    "WELCOME",
                                    "WHITE_LIST",
                                    "WORKING_HOURS"};
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

TEST(Parameters, BroadcastMonthlyQuotaIsOffOrANumberOfUsers) {
  EXPECT_EQ(parse_ok({}).broadcast_monthly_quota, 0);
  EXPECT_EQ(parse_ok({{"BROADCAST_MONTHLY_QUOTA", "50000"}}).broadcast_monthly_quota, 50000);
  EXPECT_EQ(parse_ok({{"BROADCAST_MONTHLY_QUOTA", "OFF"}}).broadcast_monthly_quota, 0);
  for (std::string bad : {"0", "-1", "1e6", "1000000001"}) {
    EXPECT_EQ(parse_error({{"BROADCAST_MONTHLY_QUOTA", bad}}),
              "BROADCAST_MONTHLY_QUOTA must be OFF or a number of users a month 1..1000000000 (got \"" + bad +
                  "\")");
  }
}

TEST(Parameters, ProxyBacklogIsAllOrUnansweredAfterAnOutageInSeconds) {
  EXPECT_EQ(parse_ok({}).proxy_backlog, ProxyBacklogMode::kAll);
  EXPECT_EQ(parse_ok({}).proxy_outage_seconds, 60);
  EXPECT_EQ(parse_ok({{"PROXY_BACKLOG", " Unanswered "}}).proxy_backlog, ProxyBacklogMode::kUnanswered);
  EXPECT_EQ(parse_ok({{"PROXY_BACKLOG", "all"}}).proxy_backlog, ProxyBacklogMode::kAll);
  EXPECT_EQ(parse_error({{"PROXY_BACKLOG", "answered"}}),
            "PROXY_BACKLOG must be all or unanswered (got \"answered\")");
  EXPECT_EQ(parse_ok({{"PROXY_OUTAGE", "300"}}).proxy_outage_seconds, 300);
  for (std::string bad : {"0", "-5", "OFF", "86401", "1m"}) {
    EXPECT_EQ(parse_error({{"PROXY_OUTAGE", bad}}),
              "PROXY_OUTAGE must be seconds 1..86400 (got \"" + bad + "\")");
  }
}

TEST(Parameters, Booleans) {
  const std::vector<std::pair<const char*, bool Parameters::*>> fields{
      {"SILENT_MODE", &Parameters::silent_mode},
      {"REPLY_ONLY", &Parameters::reply_only},
      {"AUTO_INFO", &Parameters::auto_info},
      {"NEW_TOPIC_AFTER_CLOSE", &Parameters::new_topic_after_close},
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

TEST(Parameters, CloseMessage) {
  EXPECT_FALSE(parse_ok({{"CLOSE_MESSAGE", "OFF"}}).close_message.has_value());
  EXPECT_EQ(*parse_ok({{"CLOSE_MESSAGE", "Bye {title}"}}).close_message, "Bye {title}");
}

TEST(Parameters, CsatIsOffOrTheQuestion) {
  EXPECT_FALSE(parse_ok({}).csat.has_value());  // OFF unless set
  EXPECT_FALSE(parse_ok({{"CSAT", "OFF"}}).csat.has_value());
  EXPECT_EQ(*parse_ok({{"CSAT", "How did we do?"}}).csat, "How did we do?");
  EXPECT_EQ(*parse_ok({{"CLOSE_MESSAGE", "default"}}).close_message, "");
}

// The product's list of chat kinds; the yes/no of earlier versions is NEW_TOPIC_AFTER_CLOSE.
TEST(Parameters, LeaveClosedTakesTheProductsListAndTheEarlierYesNo) {
  Parameters list = parse_ok({{"LEAVE_CLOSED", R"(["private","group"])"}});
  EXPECT_EQ(list.leave_closed, (std::vector<std::string>{"private", "group"}));
  EXPECT_TRUE(leaves_closed(list, "private"));
  EXPECT_FALSE(leaves_closed(list, "channel"));
  EXPECT_FALSE(list.new_topic_after_close);
  EXPECT_EQ(parse_ok({{"LEAVE_CLOSED", "Channel"}}).leave_closed, (std::vector<std::string>{"channel"}));

  Parameters yes = parse_ok({{"LEAVE_CLOSED", "true"}});
  EXPECT_TRUE(yes.leave_closed.empty());
  EXPECT_TRUE(yes.new_topic_after_close);
  Parameters no = parse_ok({{"LEAVE_CLOSED", "false"}});
  EXPECT_TRUE(no.leave_closed.empty());
  EXPECT_FALSE(no.new_topic_after_close);
  // NEW_TOPIC_AFTER_CLOSE, when given, decides, wherever it stands.
  EXPECT_FALSE(
      parse_ok({{"NEW_TOPIC_AFTER_CLOSE", "false"}, {"LEAVE_CLOSED", "true"}}).new_topic_after_close);

  std::string error = parse_error({{"LEAVE_CLOSED", R"(["private","bots"])"}});
  EXPECT_EQ(error.rfind("LEAVE_CLOSED must be a list of chat kinds", 0), 0u) << error;
}

TEST(Parameters, StatusIcons) {
  Parameters p = parse_ok({{"STATUS_ICONS", R"(["🟢","🟡","⚪"])"}});
  EXPECT_EQ(p.status_icons, (StatusIcons{"🟢", "🟡", "⚪"}));
  EXPECT_EQ(parse_ok({{"STATUS_ICONS", "default"}}).status_icons, StatusIcons{});
  for (std::string bad : {R"(["🟢","🟡"])", R"(["🟢","🟢","⚪"])", R"(["a b","🟡","⚪"])"}) {
    EXPECT_EQ(parse_error({{"STATUS_ICONS", bad}}).rfind("STATUS_ICONS must be", 0), 0u) << bad;
  }
}

TEST(Parameters, InterceptedStatus) {
  EXPECT_EQ(parse_ok({{"INTERCEPTED_STATUS", "true"}}).intercepted_status, InterceptedStatus::kAll);
  EXPECT_EQ(parse_ok({{"INTERCEPTED_STATUS", "false"}}).intercepted_status, InterceptedStatus::kNone);
  EXPECT_EQ(parse_ok({{"INTERCEPTED_STATUS", "owner"}}).intercepted_status, InterceptedStatus::kOwner);
  EXPECT_EQ(parse_error({{"INTERCEPTED_STATUS", "bots"}}),
            "INTERCEPTED_STATUS must be true, false or owner (got \"bots\")");
}

TEST(Parameters, AssignAndUnansweredAlert) {
  Parameters defaults = parse_ok({});
  EXPECT_EQ(defaults.assign, AssignMode::kOff);
  EXPECT_EQ(defaults.unanswered_alert_minutes, 0);
  EXPECT_EQ(parse_ok({{"ASSIGN", "round_robin"}}).assign, AssignMode::kRoundRobin);
  EXPECT_EQ(parse_ok({{"ASSIGN", "Least_Open"}}).assign, AssignMode::kLeastOpen);
  EXPECT_EQ(parse_ok({{"ASSIGN", "OFF"}}).assign, AssignMode::kOff);
  EXPECT_EQ(parse_error({{"ASSIGN", "random"}}),
            "ASSIGN must be OFF, round_robin or least_open (got \"random\")");
  EXPECT_EQ(parse_ok({{"UNANSWERED_ALERT", "15"}}).unanswered_alert_minutes, 15);
  EXPECT_EQ(parse_ok({{"UNANSWERED_ALERT", "off"}}).unanswered_alert_minutes, 0);
  for (std::string bad : {"0", "-5", "1.5", "soon", "525601"}) {
    EXPECT_EQ(parse_error({{"UNANSWERED_ALERT", bad}}),
              "UNANSWERED_ALERT must be OFF or minutes 1..525600 (got \"" + bad + "\")");
  }
  EXPECT_FALSE(defaults.daily_digest_minute);
  EXPECT_EQ(parse_ok({{"DAILY_DIGEST", "09:30"}}).daily_digest_minute, 9 * 60 + 30);
  EXPECT_EQ(parse_ok({{"DAILY_DIGEST", "00:00"}}).daily_digest_minute, 0);
  EXPECT_FALSE(parse_ok({{"DAILY_DIGEST", "OFF"}}).daily_digest_minute);
  for (std::string bad : {"9:30", "24:00", "12:60", "noon", "09-30"}) {
    EXPECT_EQ(parse_error({{"DAILY_DIGEST", bad}}),
              "DAILY_DIGEST must be OFF or a time of day HH:MM (got \"" + bad + "\")");
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

namespace topicdesk::core {
namespace {

TEST(TemplateParameters, WelcomeAndAwayMessageMayNameATemplate) {
  auto p = parse_parameters({{"WELCOME", " Template:hello_1 "}, {"AWAY_MESSAGE", "template:night"}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(template_reference(*p->welcome), "hello_1");
  EXPECT_EQ(template_reference(*p->away_message), "night");
  EXPECT_EQ(template_reference("Hello, {title}!"), std::nullopt);
  auto bad = parse_parameters({{"WELCOME", "template:"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("WELCOME: template:NAME names a template"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::core
