// The pure parts of the desk's TDLib sessions: which modes use TDLib, where a session
// lives, which desk-bot updates an account connection keeps, and what the General notice says.
#include "app/td_connections.h"

#include <gtest/gtest.h>

namespace topicdesk::app {
namespace {

constexpr core::ChatId kGroup = -1001234567890;

telegram::Incoming incoming(core::ChatId chat, std::int64_t update_id) {
  core::Event e;
  e.chat_id = chat;
  return telegram::Incoming{.update_id = update_id, .event = e, .parse_error = ""};
}

ConnectionConfig connection(ConnectionMode mode) {
  ConnectionConfig c;
  c.name = "sales";
  c.mode = mode;
  c.token = "123:secret-token";
  c.group_id = kGroup;
  return c;
}

TEST(TdConnections, OnlyMtprotoAndAccountModesUseTdlib) {
  EXPECT_TRUE(uses_tdlib(ConnectionMode::kMtproto));
  EXPECT_TRUE(uses_tdlib(ConnectionMode::kAccount));
  EXPECT_FALSE(uses_tdlib(ConnectionMode::kBot));
  EXPECT_FALSE(uses_tdlib(ConnectionMode::kProxy));
}

TEST(TdConnections, EachSessionHasItsOwnDirectory) {
  Config settings;
  settings.tdlib.data_dir = "/var/lib/topicdesk/tdlib";
  EXPECT_EQ(session_directory(settings, "sales"), "/var/lib/topicdesk/tdlib/sales");
  EXPECT_NE(session_directory(settings, "sales"), session_directory(settings, "shop"));
}

TEST(TdConnections, AccountConnectionsKeepOnlyTheDeskBotsGroupUpdates) {
  std::vector<telegram::Incoming> batch{incoming(kGroup, 1), incoming(555, 2), incoming(-100777, 3)};
  telegram::Incoming malformed{.update_id = 4, .event = std::nullopt, .parse_error = "bad"};
  batch.push_back(malformed);
  keep_backend_group_only(batch, kGroup);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].update_id, 1);
  EXPECT_EQ(batch[1].update_id, 4);  // kept: recorded as malformed, confirmed either way
}

TEST(TdConnections, NoticesSayWhatHappenedAndHowToFixItWithoutSecrets) {
  auto missing = session_notice(connection(ConnectionMode::kAccount), "missing");
  EXPECT_NE(missing.find("not signed in"), std::string::npos);
  EXPECT_NE(missing.find("topicdesk connect account --config FILE --name sales"), std::string::npos);
  auto revoked = session_notice(connection(ConnectionMode::kAccount), "revoked");
  EXPECT_NE(revoked.find("session was ended"), std::string::npos);
  auto bot = session_notice(connection(ConnectionMode::kMtproto), "error: ACCESS_TOKEN_INVALID");
  EXPECT_NE(bot.find("could not sign in to Telegram as the bot"), std::string::npos);
  EXPECT_NE(bot.find("ACCESS_TOKEN_INVALID"), std::string::npos);
  for (const auto& text : {missing, revoked, bot}) EXPECT_EQ(text.find("secret-token"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::app
