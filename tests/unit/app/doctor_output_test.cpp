// `topicdesk doctor` prints its findings in English exactly as it always has, although they are
// catalogue texts now (the setup bot shows the same findings in its admin's language).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <sstream>

#include "../relay/fake_bot_api.h"
#include "app/doctor.h"
#include "doctor/bot_checks.h"

namespace topicdesk::app {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using relay::testing::FakeBotApi;

constexpr core::ChatId kGroup = -1001234567890;

telegram::ApiResult ok(json::value result) {
  telegram::ApiResult r;
  r.ok = true;
  r.result = std::move(result);
  return r;
}

// A bot whose group is no forum and who may not manage topics; privacy on, a webhook set.
FakeBotApi::Script troubled_bot(std::string status) {
  return [status](const FakeBotApi::Call& call, int) -> std::optional<telegram::ApiResult> {
    if (call.method == "getMe")
      return ok(
          json::object{{"id", 111}, {"is_bot", true}, {"first_name", "Shop"}, {"username", "shop_bot"}});
    if (call.method == "getChat")
      return ok(json::object{{"id", kGroup}, {"type", "supergroup"}, {"title", "Support"}});
    if (call.method == "getChatMember") {
      return ok(json::object{{"status", status},
                             {"can_manage_topics", false},
                             {"can_delete_messages", false},
                             {"user", json::object{{"id", 111}, {"is_bot", true}}}});
    }
    if (call.method == "getWebhookInfo") return ok(json::object{{"url", "https://example.com/hook"}});
    return std::nullopt;
  };
}

std::string printed(const doctor::Findings& findings) {
  std::ostringstream out;
  print_findings(findings, out);
  return out.str();
}

TEST(DoctorOutput, TheBotChecksPrintAsTheyAlwaysDid) {
  asio::io_context io;
  FakeBotApi api;
  api.script = troubled_bot("administrator");
  doctor::Findings findings;
  doctor::BotCheck check{kGroup, true, "https://api.telegram.org"};
  asio::co_spawn(io, doctor::check_bot(api, check, findings), asio::detached);
  io.run();
  EXPECT_EQ(printed(findings),
            "  ok    token valid: @shop_bot (id 111)\n"
            "  note  privacy mode is on: fine while the bot is an administrator of the group\n"
            "  FIX   group \"Support\" is not a forum\n"
            "        -> turn on Topics in the group's settings\n"
            "  ok    the bot is an administrator (sees every message whatever its privacy mode)\n"
            "  FIX   the bot cannot manage topics\n"
            "        -> give the bot the 'Manage topics' right\n"
            "  note  the bot cannot delete messages: not needed for relaying, useful for cleaning up topics\n"
            "  note  a webhook is set (https://example.com/hook); `run` removes it to use getUpdates\n");
}

TEST(DoctorOutput, ARejectedTokenAndAPlainMemberPrintAsTheyAlwaysDid) {
  asio::io_context io;
  FakeBotApi rejected;
  rejected.script = [](const FakeBotApi::Call&, int) {
    return std::optional(FakeBotApi::error(401, "Unauthorized"));
  };
  FakeBotApi member;
  member.script = troubled_bot("member");
  doctor::Findings findings;
  doctor::BotCheck check{kGroup, true, "https://api.telegram.org"};
  asio::co_spawn(io, doctor::check_bot(rejected, check, findings), asio::detached);
  asio::co_spawn(io, doctor::check_bot(member, check, findings), asio::detached);
  io.run();
  const std::string out = printed(findings);
  EXPECT_NE(out.find("  FIX   Telegram rejected the token: Unauthorized\n"
                     "        -> copy the token again from @BotFather (or /revoke it and use the new one)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find("  FIX   the bot is 'member' in the group\n"
               "        -> make the bot an administrator (it must see every message and manage topics)\n"),
      std::string::npos)
      << out;
}

TEST(DoctorOutput, AHelperBotPrintsAsItAlwaysDid) {
  asio::io_context io;
  FakeBotApi api;
  api.script = [](const FakeBotApi::Call& call, int) -> std::optional<telegram::ApiResult> {
    if (call.method == "getMe")
      return ok(
          json::object{{"id", 222}, {"is_bot", true}, {"first_name", "Aide"}, {"username", "aide_bot"}});
    if (call.method == "getChatMember") return ok(json::object{{"status", "member"}});
    return std::nullopt;
  };
  doctor::Findings findings;
  doctor::HelperCheck check{kGroup, "env:HELPER", "https://api.telegram.org"};
  asio::co_spawn(io, doctor::check_helper(api, check, findings), asio::detached);
  io.run();
  EXPECT_EQ(printed(findings),
            "  ok    helper @aide_bot (env:HELPER): token valid (id 222)\n"
            "  FIX   helper @aide_bot (env:HELPER) is 'member' in group -1001234567890\n"
            "        -> make the helper an administrator of the group (it posts into topics)\n");
}

TEST(DoctorOutput, TheSameFindingsReadInAnotherLanguage) {
  doctor::Findings findings;
  findings.fail(i18n::Message{"doctor.no_manage_topics", {}},
                i18n::Message{"doctor.no_manage_topics_fix", {}});
  findings.pass("PostgreSQL 16 reachable: db");  // a text only the shell prints stays as written
  EXPECT_EQ(doctor::what_text(findings.items[0], "ru"), "бот не может управлять темами");
  EXPECT_EQ(doctor::fix_text(findings.items[0], "ru"), "дайте боту право «Управление темами»");
  EXPECT_EQ(doctor::what_text(findings.items[1], "en"), "PostgreSQL 16 reachable: db");
  EXPECT_EQ(doctor::fix_text(findings.items[1], "en"), "");
}

}  // namespace
}  // namespace topicdesk::app
