// setup::StoreConnectionAdmin (setup/connections_admin.h) on every store backend: the TOML
// reader's rules and messages, the file's connections read-only, nothing half-made by a refused
// request, and every kept change announced to the running desk.
#include "setup/connections_admin.h"

#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::setup {
namespace {

using store::test_support::Backend;
using store::test_support::kGroup;

constexpr core::UserId kAdmin = 4242;

class ConnectionsAdminTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().available) GTEST_SKIP() << GetParam().name << ": no test server (TOPICDESK_TEST_PG)";
    location_ = GetParam().new_location();
    store_ = GetParam().open(location_);
    ConnectionsAdminOptions options;
    options.config_path = "desk.toml";
    options.file_connections.push_back(
        {"support", "bot", "111:file-secret", kGroup, {{"WELCOME", "OFF"}, {"AUTOCLOSE", "24"}}});
    options.changed = [this] { ++changes_; };
    options.now = [] { return core::UnixMillis{5000}; };
    admin_ = std::make_unique<StoreConnectionAdmin>(*store_, std::move(options));
  }
  void TearDown() override {
    admin_.reset();
    store_.reset();
    if (!location_.empty()) GetParam().remove(location_);
  }

  static NewConnection sales() {
    NewConnection spec;
    spec.name = "sales";
    spec.token = "222:sales-secret";
    spec.group_id = kGroup - 1;
    spec.parameters = {{"WELCOME", "Hello {title}"}};
    return spec;
  }

  // Nothing of a refused request is kept, and the desk is not bothered.
  void expect_nothing_kept(int changes_before) {
    EXPECT_TRUE(store_->stored_connections().empty());
    EXPECT_EQ(store_->stored_connections_serial(), 0);
    EXPECT_EQ(changes_, changes_before);
  }

  std::string location_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StoreConnectionAdmin> admin_;
  int changes_ = 0;
};

TEST_P(ConnectionsAdminTest, AddKeepsTheConnectionAndListsItAfterTheFilesOnes) {
  auto added = admin_->add(sales(), kAdmin);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->name, "sales");
  EXPECT_EQ(added->origin, ConnectionOrigin::kDatabase);
  EXPECT_EQ(added->state, ConnectionState::kRunning);
  EXPECT_EQ(added->bot_id, 222);
  EXPECT_EQ(changes_, 1);

  auto kept = store_->stored_connection("sales");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->token, "222:sales-secret");
  EXPECT_EQ(kept->created_by, kAdmin);
  EXPECT_EQ(kept->created_at, 5000);

  auto list = admin_->list();
  ASSERT_EQ(list.size(), 2U);
  EXPECT_EQ(list[0].name, "support");
  EXPECT_EQ(list[0].origin, ConnectionOrigin::kFile);
  EXPECT_EQ(list[0].bot_id, 111);
  EXPECT_EQ(list[0].parameters, (core::RawParameters{{"AUTOCLOSE", "24"}, {"WELCOME", "OFF"}}));
  EXPECT_EQ(list[1].name, "sales");
  EXPECT_EQ(list[1].parameters, (core::RawParameters{{"WELCOME", "Hello {title}"}}));
}

TEST_P(ConnectionsAdminTest, AConnectionWithoutAGroupIsIncompleteUntilOneIsSet) {
  auto spec = sales();
  spec.group_id = 0;
  ASSERT_TRUE(admin_->add(spec, kAdmin));
  EXPECT_EQ(admin_->get("sales")->state, ConnectionState::kIncomplete);
  auto bad = admin_->set_group("sales", 5, kAdmin);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "group_id must be -9223372036854775808..-1");
  ASSERT_TRUE(admin_->set_group("sales", kGroup - 7, kAdmin));
  EXPECT_EQ(admin_->get("sales")->group_id, kGroup - 7);
  EXPECT_EQ(admin_->get("sales")->state, ConnectionState::kRunning);
}

TEST_P(ConnectionsAdminTest, BadInputGetsTheReadersMessageAndKeepsNothing) {
  struct Case {
    std::function<void(NewConnection&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](NewConnection& s) { s.name = "Sales"; }, "name must be 1-32 of a-z, 0-9, _ and -"},
      {[](NewConnection& s) { s.name = ""; }, "name must be 1-32 of a-z, 0-9, _ and -"},
      {[](NewConnection& s) { s.name = std::string(33, 'a'); }, "name must be 1-32 of a-z, 0-9, _ and -"},
      {[](NewConnection& s) { s.mode = "robot"; },
       "mode must be \"bot\", \"proxy\", \"mtproto\" or \"account\""},
      {[](NewConnection& s) { s.mode = "account"; },
       "mode = \"account\" needs [tdlib] api_id and api_hash (from https://my.telegram.org) in desk.toml"},
      {[](NewConnection& s) { s.token = "not a token"; },
       "token does not look like a bot token (digits:secret, as @BotFather gives it)"},
      {[](NewConnection& s) { s.group_id = 12; }, "group_id must be -9223372036854775808..-1"},
      {[](NewConnection& s) {
         s.parameters = {{"AUTOCLOSE", "0"}};
       },
       "AUTOCLOSE must be OFF or hours 1..1000000 (got \"0\")"},
      {[](NewConnection& s) {
         s.parameters = {{"autoclose", "24"}};
       },
       "unknown parameter autoclose (parameter names are upper case: AUTOCLOSE)"},
      {[](NewConnection& s) {
         s.parameters = {{"NO_SUCH", "1"}};
       },
       "unknown parameter NO_SUCH"},
  };
  for (const auto& c : cases) {
    auto spec = sales();
    c.change(spec);
    auto added = admin_->add(spec, kAdmin);
    ASSERT_FALSE(added) << c.message;
    EXPECT_EQ(added.error().message, c.message);
    EXPECT_EQ(added.error().code, core::ErrorCode::kInvalid);
    expect_nothing_kept(0);
  }
}

TEST_P(ConnectionsAdminTest, ANameOrABotTakenIsAConflict) {
  auto spec = sales();
  spec.name = "support";
  auto taken = admin_->add(spec, kAdmin);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(taken.error().message, "name \"support\" is used by another connection (in desk.toml)");

  spec = sales();
  spec.token = "111:another-secret-of-the-same-bot";
  auto same_bot = admin_->add(spec, kAdmin);
  ASSERT_FALSE(same_bot);
  EXPECT_EQ(same_bot.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(same_bot.error().message,
            "token is the same bot as connection \"support\"; one connection per bot");
  expect_nothing_kept(0);

  ASSERT_TRUE(admin_->add(sales(), kAdmin));
  spec = sales();
  spec.token = "333:x";
  EXPECT_EQ(admin_->add(spec, kAdmin).error().code, core::ErrorCode::kConflict);
  spec = sales();
  spec.name = "sales2";
  EXPECT_EQ(admin_->add(spec, kAdmin).error().message,
            "token is the same bot as connection \"sales\"; one connection per bot");
  EXPECT_EQ(store_->stored_connections().size(), 1U);
}

TEST_P(ConnectionsAdminTest, TheFilesConnectionsAreReadOnly) {
  const auto forbidden =
      "connection \"support\" is written in desk.toml: edit desk.toml and restart the desk to "
      "change it";
  for (const auto& status :
       {admin_->set_parameter("support", "AUTOCLOSE", "12", kAdmin),
        admin_->set_group("support", kGroup - 3, kAdmin), admin_->stop("support", kAdmin),
        admin_->start("support", kAdmin), admin_->remove("support", kAdmin)}) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, core::ErrorCode::kForbidden);
    EXPECT_EQ(status.error().message, forbidden);
  }
  EXPECT_EQ(admin_->reset_api_key("support", kAdmin).error().code, core::ErrorCode::kForbidden);
  expect_nothing_kept(0);
  auto support = admin_->get("support");
  ASSERT_TRUE(support);
  EXPECT_EQ(support->origin, ConnectionOrigin::kFile);
}

TEST_P(ConnectionsAdminTest, UnknownNamesAreNotFound) {
  EXPECT_EQ(admin_->get("nobody").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(admin_->stop("nobody", kAdmin).error().message, "no connection is named \"nobody\"");
  EXPECT_EQ(admin_->set_parameter("nobody", "AUTOCLOSE", "2", kAdmin).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(admin_->remove("nobody", kAdmin).error().code, core::ErrorCode::kNotFound);
}

TEST_P(ConnectionsAdminTest, ParametersAreCheckedOffTurnsOffAndDefaultResets) {
  ASSERT_TRUE(admin_->add(sales(), kAdmin));
  const int after_add = changes_;
  auto bad = admin_->set_parameter("sales", "AUTOCLOSE", "0", kAdmin);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "AUTOCLOSE must be OFF or hours 1..1000000 (got \"0\")");
  auto unknown = admin_->set_parameter("sales", "welcome", "x", kAdmin);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown parameter welcome (parameter names are upper case: WELCOME)");
  EXPECT_EQ(changes_, after_add) << "a refused value changes nothing";
  // The same refusals for a reader of another language (the setup bot's admin).
  EXPECT_EQ(bad.message_in("en"), bad.error().message);
  EXPECT_EQ(bad.message_in("de"),
            "AUTOCLOSE muss OFF oder eine Stundenzahl 1..1000000 sein (erhalten: \"0\")");
  EXPECT_EQ(unknown.message_in("ru"),
            "неизвестный параметр welcome (названия параметров пишутся заглавными буквами: WELCOME)");
  EXPECT_EQ(admin_->stop("nobody", kAdmin).message_in("fr"), "aucune connexion ne s'appelle « nobody »");

  ASSERT_TRUE(admin_->set_parameter("sales", "AUTOCLOSE", "12", kAdmin));
  ASSERT_TRUE(admin_->set_parameter("sales", "WELCOME", "off", kAdmin));
  EXPECT_EQ(admin_->get("sales")->parameters, (core::RawParameters{{"AUTOCLOSE", "12"}, {"WELCOME", "OFF"}}))
      << "OFF turns WELCOME off, as WELCOME = \"OFF\" does in the file";
  ASSERT_TRUE(admin_->set_parameter("sales", "WELCOME", "DEFAULT", kAdmin));
  EXPECT_EQ(admin_->get("sales")->parameters, (core::RawParameters{{"AUTOCLOSE", "12"}}));
  EXPECT_EQ(changes_, after_add + 3);
}

TEST_P(ConnectionsAdminTest, StopStartAndRemove) {
  ASSERT_TRUE(admin_->add(sales(), kAdmin));
  ASSERT_TRUE(admin_->stop("sales", kAdmin));
  EXPECT_EQ(admin_->get("sales")->state, ConnectionState::kStopped);
  EXPECT_FALSE(store_->stored_connection("sales")->wanted_running);
  ASSERT_TRUE(admin_->start("sales", kAdmin));
  EXPECT_EQ(admin_->get("sales")->state, ConnectionState::kRunning);
  ASSERT_TRUE(admin_->remove("sales", kAdmin));
  EXPECT_EQ(admin_->get("sales").error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(admin_->list().size(), 1U);
  ASSERT_TRUE(admin_->add(sales(), kAdmin)) << "the name and the bot are free again";
}

TEST_P(ConnectionsAdminTest, TheRunningDesksViewIsShown) {
  ConnectionsAdminOptions options;
  options.live = [](const std::string& name) -> std::optional<LiveStatus> {
    if (name != "sales") return std::nullopt;
    return LiveStatus{ConnectionState::kFailed,
                      i18n::Message{"setup.problem.token_rejected", {{"reason", "Unauthorized"}}}, 9, 222,
                      "sales_bot"};
  };
  StoreConnectionAdmin admin(*store_, std::move(options));
  ASSERT_TRUE(admin.add(sales(), kAdmin));
  auto s = admin.get("sales");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, ConnectionState::kFailed);
  EXPECT_EQ(i18n::text("en", s->problem), "Telegram rejected the bot token (Unauthorized)");
  EXPECT_EQ(i18n::text("ru", s->problem), "Telegram отклонил токен бота (Unauthorized)");
  EXPECT_EQ(s->id, 9);
  EXPECT_EQ(s->bot_username, "sales_bot");
  ASSERT_TRUE(admin.stop("sales", kAdmin));
  EXPECT_EQ(admin.get("sales")->state, ConnectionState::kStopped) << "a stopped connection is stopped";
}

TEST_P(ConnectionsAdminTest, AnApiKeyIsMadeForADatabaseConnection) {
  ASSERT_TRUE(admin_->add(sales(), kAdmin));
  auto key = admin_->reset_api_key("sales", kAdmin);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_TRUE(key->starts_with("tdk_"));
  EXPECT_EQ(store_->api_keys().size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectionsAdminTest,
                         ::testing::ValuesIn(store::test_support::all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace topicdesk::setup
