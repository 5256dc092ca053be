// The setup bot's conversations: the updates an admin's taps and messages make, against an
// in-memory ConnectionAdmin and Bot API, and what the bot answers and changes.
#include "setup/setup_bot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "../relay/fake_bot_api.h"
#include "core/parameter_problems.h"
#include "i18n/catalog.h"
#include "setup/setup_access.h"
#include "setup/setup_qr_png.h"
#include "store/store.h"
#include "telegram/tdlib/qr_code.h"

namespace topicdesk::setup {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using relay::testing::FakeBotApi;

constexpr core::UserId kAdmin = 1001;
constexpr core::UserId kStranger = 2002;
const std::string kShopToken = "5550001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1";
const std::string kOtherToken = "5550002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2";
constexpr core::ChatId kGroup = -1001234567890;

// The interface's contract, in memory: names and bots unique, parameters checked as the TOML
// reader checks them, nothing kept when refused.
class FakeConnectionAdmin : public ConnectionAdmin {
 public:
  std::map<std::string, std::string> usernames;  // token → bot username (what getMe would say)
  std::vector<std::string> log;                  // "actor action name"

  std::vector<ConnectionSummary> list() override {
    std::vector<ConnectionSummary> out;
    for (const auto& [name, c] : connections_) out.push_back(c);
    return out;
  }
  core::Outcome<ConnectionSummary> get(const std::string& name) override {
    auto found = connections_.find(name);
    if (found == connections_.end())
      return core::make_error(core::ErrorCode::kNotFound, "no connection " + name);
    return found->second;
  }
  core::Outcome<ConnectionSummary> add(const NewConnection& spec, core::UserId actor) override {
    const core::UserId bot = std::stoll(spec.token.substr(0, spec.token.find(':')));
    for (const auto& [name, c] : connections_) {
      if (name == spec.name || c.bot_id == bot)
        return core::make_error(core::ErrorCode::kConflict, "taken: " + spec.name);
    }
    ConnectionSummary c;
    c.name = spec.name;
    c.mode = spec.mode;
    c.bot_id = bot;
    c.bot_username = usernames[spec.token];
    c.group_id = spec.group_id;
    c.state = ConnectionState::kIncomplete;
    connections_[spec.name] = c;
    tokens[spec.name] = spec.token;
    log.push_back(std::to_string(actor) + " add " + spec.name);
    return c;
  }
  core::OutcomeStatus set_group(const std::string& name, core::ChatId group, core::UserId actor) override {
    auto& c = connections_.at(name);
    c.group_id = group;
    c.state = ConnectionState::kRunning;
    c.id = 7;
    log.push_back(std::to_string(actor) + " set_group " + name);
    return core::Ok{};
  }
  core::OutcomeStatus set_parameter(const std::string& name, const std::string& parameter,
                                    const std::string& value, core::UserId actor) override {
    auto& c = connections_.at(name);
    core::RawParameters next;
    for (const auto& entry : c.parameters) {
      if (entry.first != parameter) next.push_back(entry);
    }
    std::string upper = value;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    if (upper != "OFF") next.emplace_back(parameter, value);
    if (auto problem = core::parameters_problem(next)) return *problem;
    c.parameters = next;
    log.push_back(std::to_string(actor) + " set " + name + " " + parameter);
    return core::Ok{};
  }
  core::OutcomeStatus stop(const std::string& name, core::UserId actor) override {
    connections_.at(name).state = ConnectionState::kStopped;
    log.push_back(std::to_string(actor) + " stop " + name);
    return core::Ok{};
  }
  core::OutcomeStatus start(const std::string& name, core::UserId actor) override {
    connections_.at(name).state = ConnectionState::kRunning;
    log.push_back(std::to_string(actor) + " start " + name);
    return core::Ok{};
  }
  core::OutcomeStatus remove(const std::string& name, core::UserId actor) override {
    connections_.erase(name);
    tokens.erase(name);
    log.push_back(std::to_string(actor) + " remove " + name);
    return core::Ok{};
  }
  core::Outcome<std::string> reset_api_key(const std::string& name, core::UserId actor) override {
    log.push_back(std::to_string(actor) + " key " + name);
    return "td_key_" + name;
  }

  std::map<std::string, std::string> tokens;

 private:
  std::map<std::string, ConnectionSummary> connections_;
};

// A client for one token: calls go to that bot's FakeBotApi.
class ForwardingApi : public telegram::BotApi {
 public:
  explicit ForwardingApi(FakeBotApi& to) : to_(to) {}
  asio::awaitable<telegram::ApiResult> call(std::string method, json::object params) override {
    co_return co_await to_.call(std::move(method), std::move(params));
  }
  asio::awaitable<telegram::ApiResult> upload(std::string method, json::object params,
                                              telegram::InputFile file) override {
    co_return co_await to_.upload(std::move(method), std::move(params), std::move(file));
  }

 private:
  FakeBotApi& to_;
};

telegram::ApiResult ok(json::value result) {
  telegram::ApiResult r;
  r.ok = true;
  r.result = std::move(result);
  return r;
}

json::object me_of(core::UserId id, const std::string& username) {
  return json::object{{"id", id}, {"is_bot", true}, {"first_name", username}, {"username", username}};
}

json::object member_update(std::int64_t update_id, core::ChatId chat, const std::string& type, bool forum,
                           const std::string& status) {
  json::object chat_json{{"id", chat}, {"type", type}, {"title", "Support"}};
  if (forum) chat_json["is_forum"] = true;
  return json::object{
      {"update_id", update_id},
      {"my_chat_member",
       json::object{{"chat", chat_json},
                    {"from", json::object{{"id", kAdmin}, {"is_bot", false}, {"first_name", "A"}}},
                    {"date", 1},
                    {"old_chat_member", json::object{{"status", "left"}}},
                    {"new_chat_member", json::object{{"status", status}}}}}};
}

// What the connection bot's side of Telegram says: getMe, the group, the bot's membership and
// the my_chat_member updates the group pick reads.
struct BotSide {
  core::UserId id = 5550001;
  std::string username = "shop_bot";
  bool valid = true;
  std::string webhook;
  bool forum = true;
  std::string status = "administrator";
  bool manage_topics = true;
  std::vector<json::object> updates;  // handed out by getUpdates, one per call

  FakeBotApi::Script script() {
    return [this](const FakeBotApi::Call& call, int) -> std::optional<telegram::ApiResult> {
      if (call.method == "getMe") {
        if (!valid) return FakeBotApi::error(401, "Unauthorized");
        return ok(me_of(id, username));
      }
      if (call.method == "getWebhookInfo") return ok(json::object{{"url", webhook}});
      if (call.method == "getChat") {
        json::object chat{{"id", kGroup}, {"type", "supergroup"}, {"title", "Support"}};
        if (forum) chat["is_forum"] = true;
        return ok(chat);
      }
      if (call.method == "getChatMember") {
        json::object member{{"status", status}, {"user", me_of(id, username)}};
        if (status == "administrator") {
          member["can_manage_topics"] = manage_topics;
          member["can_delete_messages"] = true;
        }
        return ok(member);
      }
      if (call.method == "getUpdates") {
        json::array batch;
        if (call.params.contains("offset") && call.params.at("offset").is_int64() &&
            call.params.at("offset").get_int64() == -1) {
          return ok(batch);  // the in-use probe
        }
        if (!updates.empty()) {
          batch.push_back(updates.front());
          updates.erase(updates.begin());
        }
        return ok(batch);
      }
      return std::nullopt;
    };
  }
};

class FakeSignIn : public AccountSignIn {
 public:
  std::vector<std::string> codes;
  std::vector<std::string> passwords;
  std::vector<std::string> forgotten;
  // Telegram's answer to the code, when it refuses it: the sign-in ends with it.
  int refuse_code = 400;
  std::string refuse_code_with;
  asio::awaitable<core::Outcome<AccountUser>> sign_in(std::string name,
                                                      telegram::tdlib::LoginDialog dialog) override {
    names.push_back(name);
    if (dialog.phone_number.empty()) {
      dialog.show_qr_link("tg://login?token=first");
      dialog.show_qr_link("tg://login?token=second");
      co_return AccountUser{777, "owner", "Olga Owner"};
    }
    telegram::tdlib::CodePrompt code_prompt;
    code_prompt.phone_number = dialog.phone_number;
    auto code = co_await dialog.ask_code(code_prompt);
    if (!code) co_return core::make_error("the login was cancelled");
    codes.push_back(*code);
    if (!refuse_code_with.empty()) {
      // As td_auth ends a sign-in Telegram refused: English for the log, words for the admin.
      co_return core::Outcome<AccountUser>(
          core::make_error(name + ": the code was not accepted: 400 " + refuse_code_with),
          telegram::tdlib::login_error_text(refuse_code, refuse_code_with, dialog.phone_number));
    }
    telegram::tdlib::PasswordPrompt password_prompt;
    password_prompt.hint = "pet";
    auto password = co_await dialog.ask_password(password_prompt);
    if (!password) co_return core::make_error("the login was cancelled");
    passwords.push_back(*password);
    co_return AccountUser{777, "owner", "Olga Owner"};
  }
  void forget(const std::string& name) override { forgotten.push_back(name); }
  std::vector<std::string> names;
};

class SetupBotTest : public ::testing::Test {
 protected:
  SetupBotTest()
      : db_path_(std::filesystem::temp_directory_path() /
                 ("setup-bot-test-" + std::to_string(::getpid()) + ".db")) {
    remove_database();
    store_ = store::open_sqlite(db_path_.string());
    AdminList admins;
    admins.ids.insert(kAdmin);
    access_ = std::make_unique<SetupAccess>(admins, *store_);
    shop_.updates.clear();
    bots_[kShopToken].script = shop_.script();
    other_.id = 5550002;
    other_.username = "other_bot";
    bots_[kOtherToken].script = other_.script();
    for (auto& [token, api] : bots_) {
      api.delay_of = [](const FakeBotApi::Call& call) {
        // An empty long poll takes a while, as Telegram's does: no busy loop in the tests.
        return call.method == "getUpdates" ? std::chrono::milliseconds(20) : std::chrono::milliseconds(0);
      };
    }
    admin_.usernames[kShopToken] = "shop_bot";
    admin_.usernames[kOtherToken] = "other_bot";
    SetupBotDeps deps;
    deps.api = &setup_api_;
    deps.connections = &admin_;
    deps.access = access_.get();
    deps.accounts = &sign_in_;
    deps.api_for_token = [this](const std::string& token) -> std::unique_ptr<telegram::BotApi> {
      return std::make_unique<ForwardingApi>(bots_[token]);
    };
    deps.token_of = [this](const std::string& name) -> std::optional<std::string> {
      auto found = admin_.tokens.find(name);
      if (found == admin_.tokens.end()) return std::nullopt;
      return found->second;
    };
    deps.dashboard_link = [](const ConnectionSummary& c, core::UserId admin) -> core::Result<std::string> {
      return "http://desk/ui/login?t=" + c.name + std::to_string(admin);
    };
    deps.latest_topic = [this](const ConnectionSummary&) { return topic_; };
    deps.now = [] { return core::UnixMillis{1'000'000}; };
    deps.group_poll_seconds = 0;
    bot_ = std::make_unique<SetupBot>(io_.get_executor(), deps);
  }
  ~SetupBotTest() override {
    bot_->stop();
    bot_.reset();
    access_.reset();
    store_.reset();
    remove_database();
  }

  void remove_database() {
    for (const char* suffix : {"", "-wal", "-shm", ".lock"})
      std::filesystem::remove(db_path_.string() + suffix);
  }

  void deliver(json::object update) {
    asio::co_spawn(io_, bot_->handle(std::move(update)), asio::detached);
    settle();
  }
  // Runs the bot until nothing is left to do now (pending long polls may stay).
  void settle() {
    for (int i = 0; i < 20; ++i) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
  }
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
      if (done()) return true;
    }
    return false;
  }

  void text(const std::string& body, core::UserId from = kAdmin) {
    deliver(json::object{
        {"update_id", ++update_id_},
        {"message", json::object{{"message_id", ++message_id_},
                                 {"date", 1},
                                 {"from", json::object{{"id", from}, {"is_bot", false}, {"first_name", "U"}}},
                                 {"chat", json::object{{"id", from}, {"type", "private"}}},
                                 {"text", body}}}});
  }
  void tap(const std::string& data, core::UserId from = kAdmin) {
    json::object chat{{"id", from}, {"type", "private"}};
    json::object message{{"message_id", 42}, {"date", 1}, {"chat", chat}};
    json::object person{{"id", from}, {"is_bot", false}, {"first_name", "U"}};
    json::object query{{"id", "q" + std::to_string(update_id_ + 1)},
                       {"from", person},
                       {"chat_instance", "1"},
                       {"data", data},
                       {"message", message}};
    deliver(json::object{{"update_id", ++update_id_}, {"callback_query", query}});
  }

  // Every text the setup bot sent or edited, in order.
  std::vector<std::string> said() const {
    std::vector<std::string> out;
    for (const auto& call : setup_api_.calls) {
      if (call.method == "sendMessage" || call.method == "editMessageText")
        out.emplace_back(call.params.at("text").as_string());
    }
    return out;
  }
  std::string last_said() const {
    auto all = said();
    return all.empty() ? std::string() : all.back();
  }
  bool said_containing(const std::string& part) const {
    auto all = said();
    return std::any_of(all.begin(), all.end(),
                       [&](const std::string& s) { return s.find(part) != std::string::npos; });
  }
  // The buttons of the last message with a keyboard: text → callback_data or url.
  std::map<std::string, std::string> last_buttons() const {
    std::map<std::string, std::string> out;
    for (auto call = setup_api_.calls.rbegin(); call != setup_api_.calls.rend(); ++call) {
      const auto* markup = call->params.if_contains("reply_markup");
      if (markup == nullptr) continue;
      for (const auto& r : markup->as_object().at("inline_keyboard").as_array()) {
        for (const auto& b : r.as_array()) {
          const auto& o = b.as_object();
          out[std::string(o.at("text").as_string())] =
              std::string(o.contains("url") ? o.at("url").as_string() : o.at("callback_data").as_string());
        }
      }
      return out;
    }
    return out;
  }
  std::string en(std::string_view key) const { return i18n::text("en", key); }

  void connect_shop_bot() {
    text("/start");
    tap("n");
    tap("nb");
    text(kShopToken);
  }

  std::filesystem::path db_path_;
  std::unique_ptr<store::Store> store_;
  asio::io_context io_;
  FakeBotApi setup_api_;
  std::map<std::string, FakeBotApi> bots_;
  BotSide shop_;
  BotSide other_;
  FakeConnectionAdmin admin_;
  FakeSignIn sign_in_;
  std::unique_ptr<SetupAccess> access_;
  std::optional<std::string> topic_;
  std::unique_ptr<SetupBot> bot_;
  std::int64_t update_id_ = 0;
  std::int64_t message_id_ = 100;
};

TEST_F(SetupBotTest, StrangersAreRefusedPolitelyAndChangeNothing) {
  text("/start", kStranger);
  ASSERT_EQ(said().size(), 1U);
  EXPECT_NE(last_said().find(std::to_string(kStranger)), std::string::npos) << last_said();
  tap("nb", kStranger);
  ASSERT_FALSE(setup_api_.of("answerCallbackQuery").empty());
  EXPECT_TRUE(setup_api_.of("answerCallbackQuery").back().params.at("show_alert").as_bool());
  text(kShopToken, kStranger);
  EXPECT_TRUE(admin_.list().empty());
  EXPECT_TRUE(bots_[kShopToken].calls.empty()) << "a stranger's token is never tried";
}

TEST_F(SetupBotTest, AOneTimeCodeMakesItsSenderAnAdminOnce) {
  auto code = issue_claim_code(*store_, 1'000'000);
  ASSERT_TRUE(code) << code.error().message;
  text("000-000-0000", kStranger);
  EXPECT_FALSE(access_->is_admin(kStranger, ""));
  text(*code, kStranger);
  EXPECT_TRUE(access_->is_admin(kStranger, ""));
  EXPECT_TRUE(said_containing(en("setup.claimed")));
  // Spent: nobody else can use it.
  constexpr core::UserId kThird = 3003;
  text(*code, kThird);
  EXPECT_FALSE(access_->is_admin(kThird, ""));
  // It is in the database: another process (another desk instance) sees the claimed admin.
  auto reopened = store::open_sqlite(db_path_.string(), store::OpenAs::kTool);
  SetupAccess reloaded(AdminList{}, *reopened);
  EXPECT_TRUE(reloaded.is_admin(kStranger, ""));
  EXPECT_FALSE(reloaded.is_admin(kThird, ""));
}

TEST_F(SetupBotTest, AnExpiredClaimCodeIsRefused) {
  auto code = issue_claim_code(*store_, 1'000'000 - 31 * 60 * 1000);
  ASSERT_TRUE(code);
  text(*code, kStranger);
  EXPECT_FALSE(access_->is_admin(kStranger, ""));
}

TEST_F(SetupBotTest, AdminsByUsernameAreRecognised) {
  auto list = parse_admin_entry("@Olga_Admin", AdminList{});
  ASSERT_TRUE(list);
  SetupAccess access(*list, *store_);
  EXPECT_TRUE(access.is_admin(99, "olga_admin"));
  EXPECT_FALSE(access.is_admin(99, "someone"));
  EXPECT_FALSE(parse_admin_entry("@x", AdminList{}));
  EXPECT_FALSE(parse_admin_entry("-5", AdminList{}));
}

TEST_F(SetupBotTest, FromATokenToARelayingConnection) {
  text("/start");
  EXPECT_TRUE(said_containing(en("setup.home_empty")));
  EXPECT_EQ(last_buttons().at(en("setup.button_new")), "n");
  tap("n");
  tap("nb");
  EXPECT_EQ(last_said(), en("setup.ask_token"));
  EXPECT_EQ(setup_api_.of("editMessageText").size(), 2U) << "menus are edited in place";

  // An invalid token: refused, nothing kept.
  shop_.valid = false;
  text(kShopToken);
  EXPECT_NE(last_said().find("Unauthorized"), std::string::npos) << last_said();
  EXPECT_TRUE(admin_.list().empty());
  text("not a token");
  EXPECT_EQ(last_said(), en("setup.token_malformed"));

  // The valid token: kept, and the group link offered with the rights filled in.
  shop_.valid = true;
  text(kShopToken);
  ASSERT_EQ(admin_.list().size(), 1U);
  EXPECT_EQ(admin_.list()[0].name, "shop_bot");
  EXPECT_EQ(admin_.list()[0].mode, "bot");
  EXPECT_EQ(admin_.log.front(), std::to_string(kAdmin) + " add shop_bot");
  EXPECT_EQ(last_buttons().at("➕ Add @shop_bot to a group"),
            "https://t.me/shop_bot?startgroup=setup&admin=manage_topics+delete_messages+pin_messages");

  // Added to a group as a plain member: the bot says what to fix.
  shop_.status = "member";
  bots_[kShopToken].script = shop_.script();
  shop_.updates.push_back(member_update(1, kGroup, "supergroup", true, "member"));
  ASSERT_TRUE(run_until([&] { return said_containing("make the bot an administrator"); })) << last_said();
  EXPECT_EQ(admin_.list()[0].group_id, 0) << "a group with problems is not kept";

  // Promoted without the topics right: still refused, exactly why.
  shop_.status = "administrator";
  shop_.manage_topics = false;
  shop_.updates.push_back(member_update(2, kGroup, "supergroup", true, "administrator"));
  ASSERT_TRUE(run_until([&] { return said_containing("Manage topics"); })) << last_said();
  EXPECT_EQ(admin_.list()[0].group_id, 0);

  // Fixed; Check again keeps the group and the connection starts.
  shop_.manage_topics = true;
  tap("chk:shop_bot");
  ASSERT_TRUE(run_until([&] { return admin_.list()[0].group_id == kGroup; })) << last_said();
  EXPECT_TRUE(said_containing("\"Support\" is ready"));
  EXPECT_EQ(last_buttons().at(en("setup.button_test")), "test:shop_bot");
  // The watcher of the group stopped, its updates confirmed for the connection's own poller.
  ASSERT_TRUE(run_until([&] {
    auto polls = bots_[kShopToken].of("getUpdates");
    return !polls.empty() && polls.back().params.at("timeout").as_int64() == 0 &&
           polls.back().params.at("offset").as_int64() == 3;
  }));

  // The test message.
  tap("test:shop_bot");
  EXPECT_NE(last_said().find("No topic yet"), std::string::npos);
  topic_ = "🟪 Ann Lee";
  tap("test:shop_bot");
  EXPECT_NE(last_said().find("🟪 Ann Lee"), std::string::npos);
}

TEST_F(SetupBotTest, AGroupWithoutTopicsIsRefusedWithTheFix) {
  connect_shop_bot();
  shop_.forum = false;
  bots_[kShopToken].script = shop_.script();
  shop_.updates.push_back(member_update(1, kGroup, "supergroup", false, "administrator"));
  ASSERT_TRUE(run_until([&] { return said_containing("is not a forum"); })) << last_said();
  EXPECT_TRUE(said_containing("turn on Topics"));
  EXPECT_EQ(admin_.list()[0].group_id, 0);
  // A channel is not a group at all.
  shop_.updates.push_back(member_update(2, -1009, "channel", false, "administrator"));
  ASSERT_TRUE(run_until([&] { return said_containing("channel, not a group"); })) << last_said();
}

TEST_F(SetupBotTest, ATokenOfAConnectedBotIsRefused) {
  connect_shop_bot();
  ASSERT_EQ(admin_.list().size(), 1U);
  tap("nb");
  text(kShopToken);
  EXPECT_NE(last_said().find("already connected as \"shop_bot\""), std::string::npos) << last_said();
  EXPECT_EQ(admin_.list().size(), 1U);
}

TEST_F(SetupBotTest, ABotUsedByAnotherProgramGetsTheProxyAndMtprotoChoice) {
  shop_.webhook = "https://example.com/hook";
  bots_[kShopToken].script = shop_.script();
  connect_shop_bot();
  EXPECT_TRUE(admin_.list().empty()) << "nothing is kept until the admin chooses";
  EXPECT_TRUE(said_containing("webhook set (https://example.com/hook)"));
  auto buttons = last_buttons();
  EXPECT_EQ(buttons.at(en("setup.button_mode_proxy")), "m:proxy");
  EXPECT_EQ(buttons.at(en("setup.button_mode_mtproto")), "m:mtproto");
  tap("m:proxy");
  ASSERT_EQ(admin_.list().size(), 1U);
  EXPECT_EQ(admin_.list()[0].mode, "proxy");
  // Its program still polls: the setup bot never calls getUpdates for it, and takes the group's id.
  EXPECT_NE(last_said().find("send me the group's id"), std::string::npos) << last_said();
  text("the support group");
  EXPECT_EQ(last_said(), en("setup.group_id_malformed"));
  text(std::to_string(kGroup));
  ASSERT_TRUE(run_until([&] { return admin_.list()[0].group_id == kGroup; })) << last_said();
  for (const auto& poll : bots_[kShopToken].of("getUpdates")) {
    EXPECT_EQ(poll.params.at("offset").as_int64(), -1) << "only the in-use probe";
  }
}

TEST_F(SetupBotTest, AnotherPollerIsAConflictToo) {
  bots_[kShopToken].script = [base = shop_.script()](const FakeBotApi::Call& call, int nth) {
    if (call.method == "getUpdates")
      return std::optional(FakeBotApi::error(409, "Conflict: terminated by other getUpdates request"));
    return base(call, nth);
  };
  connect_shop_bot();
  EXPECT_TRUE(said_containing("Another program is reading @shop_bot's updates"));
  EXPECT_TRUE(admin_.list().empty());
}

TEST_F(SetupBotTest, ParametersAreCheckedAsTheFileAndChangeLive) {
  connect_shop_bot();
  tap("c:shop_bot");
  EXPECT_TRUE(said_containing("Connection \"shop_bot\""));
  tap("p:shop_bot");
  EXPECT_EQ(last_buttons().at("AUTOCLOSE"), "pv:shop_bot:AUTOCLOSE");
  tap("pv:shop_bot:AUTOCLOSE");
  EXPECT_NE(last_said().find("AUTOCLOSE = " + en("setup.param_unset")), std::string::npos) << last_said();
  EXPECT_NE(last_said().find(en("setup.param.AUTOCLOSE")), std::string::npos) << "its own help";
  text("0");
  EXPECT_NE(last_said().find("AUTOCLOSE must be OFF or hours 1..1000000"), std::string::npos) << last_said();
  EXPECT_TRUE(admin_.list()[0].parameters.empty()) << "a refused value is not kept";
  text("12");
  ASSERT_EQ(admin_.list()[0].parameters.size(), 1U);
  EXPECT_EQ(admin_.list()[0].parameters[0], std::make_pair(std::string("AUTOCLOSE"), std::string("12")));
  EXPECT_TRUE(said_containing("AUTOCLOSE of \"shop_bot\" is now 12"));
  EXPECT_EQ(last_buttons().at("✏️ AUTOCLOSE"), "pv:shop_bot:AUTOCLOSE");
  tap("pv:shop_bot:AUTOCLOSE");
  EXPECT_NE(last_said().find("AUTOCLOSE = 12"), std::string::npos);
  text("off");
  EXPECT_TRUE(admin_.list()[0].parameters.empty());
  EXPECT_EQ(admin_.log.back(), std::to_string(kAdmin) + " set shop_bot AUTOCLOSE");
}

TEST_F(SetupBotTest, TheCardStopsStartsResetsTheKeyLinksAndDeletesAfterConfirmation) {
  connect_shop_bot();
  tap("key:shop_bot");
  EXPECT_NE(last_said().find("td_key_shop_bot"), std::string::npos);
  tap("web:shop_bot");
  EXPECT_NE(last_said().find("http://desk/ui/login?t=shop_bot1001"), std::string::npos);
  tap("stop:shop_bot");
  EXPECT_EQ(admin_.list()[0].state, ConnectionState::kStopped);
  EXPECT_EQ(last_buttons().at(en("setup.button_start")), "start:shop_bot");
  tap("start:shop_bot");
  EXPECT_EQ(admin_.list()[0].state, ConnectionState::kRunning);
  tap("del:shop_bot");
  EXPECT_EQ(admin_.list().size(), 1U) << "nothing is deleted before the confirmation";
  EXPECT_EQ(last_buttons().at(en("setup.button_delete_yes")), "dely:shop_bot");
  tap("dely:shop_bot");
  EXPECT_TRUE(admin_.list().empty());
  EXPECT_EQ(admin_.log.back(), std::to_string(kAdmin) + " remove shop_bot");
}

TEST_F(SetupBotTest, TheDoctorShowsTheSameFindings) {
  connect_shop_bot();
  shop_.manage_topics = false;
  bots_[kShopToken].script = shop_.script();
  tap("doc:shop_bot");
  EXPECT_NE(last_said().find("token valid: @shop_bot"), std::string::npos) << last_said();
  EXPECT_NE(last_said().find("give the bot the 'Manage topics' right"), std::string::npos) << last_said();
  EXPECT_NE(last_said().find(en("setup.doctor_unhealthy")), std::string::npos);
}

TEST_F(SetupBotTest, AnAccountByQrCodeGetsAPhotoReplacedAsTheLinkChanges) {
  text("/start");
  tap("na");
  text(kOtherToken);
  EXPECT_EQ(last_buttons().at(en("setup.button_qr")), "ai:qr");
  tap("ai:qr");
  ASSERT_TRUE(run_until([&] { return admin_.list().size() == 1; })) << last_said();
  const auto photos = setup_api_.of("sendPhoto");
  ASSERT_EQ(photos.size(), 1U);
  EXPECT_EQ(photos[0].file->content_type, "image/png");
  EXPECT_EQ(photos[0].file->bytes.substr(1, 3), "PNG");
  const auto replaced = setup_api_.of("editMessageMedia");
  ASSERT_EQ(replaced.size(), 1U);
  EXPECT_EQ(replaced[0].file->field, "qr");
  EXPECT_EQ(admin_.list()[0].mode, "account");
  EXPECT_EQ(admin_.list()[0].name, "other_bot");
  EXPECT_TRUE(said_containing("Signed in as Olga Owner (@owner)"));
  ASSERT_TRUE(run_until([&] { return last_buttons().contains("➕ Add @other_bot to a group"); }));
}

TEST_F(SetupBotTest, AnAccountByPhoneCodeAndPasswordWhoseMessageIsDeleted) {
  text("/start");
  tap("na");
  text(kOtherToken);
  tap("ai:phone");
  text("12345");
  EXPECT_EQ(last_said(), en("setup.phone_malformed"));
  text("+49 170 1234567");
  ASSERT_TRUE(run_until([&] { return said_containing("+491701234567"); })) << last_said();
  text("1 2 3 4 5");
  ASSERT_TRUE(run_until([&] { return said_containing("(hint: pet)"); })) << last_said();
  EXPECT_EQ(sign_in_.codes, std::vector<std::string>{"12345"});
  text("my secret pass");
  ASSERT_TRUE(run_until([&] { return admin_.list().size() == 1; })) << last_said();
  EXPECT_EQ(sign_in_.passwords, std::vector<std::string>{"my secret pass"});
  const auto deleted = setup_api_.of("deleteMessage");
  ASSERT_EQ(deleted.size(), 1U);
  EXPECT_EQ(deleted[0].params.at("message_id").as_int64(), message_id_) << "the password's message";
}

TEST_F(SetupBotTest, AnAccountThatCannotBeKeptLeavesNoSession) {
  text("/start");
  tap("na");
  text(kOtherToken);
  // Meanwhile the shell connected the same bot.
  NewConnection spec;
  spec.name = "taken";
  spec.token = kOtherToken;
  ASSERT_TRUE(admin_.add(spec, 0));
  tap("ai:qr");
  ASSERT_TRUE(run_until([&] { return !sign_in_.forgotten.empty(); }));
  EXPECT_EQ(sign_in_.forgotten[0], sign_in_.names[0]);
}

TEST_F(SetupBotTest, LanguageIsTheAdminsChoiceAndKept) {
  text("/language");
  std::set<std::string> choices;
  const auto menus = setup_api_.of("sendMessage");
  const json::value keyboard = menus.back().params.at("reply_markup").at("inline_keyboard");
  for (const auto& r : keyboard.as_array()) {
    for (const auto& b : r.as_array()) choices.insert(std::string(b.at("callback_data").as_string()));
  }
  for (const auto& language : i18n::languages())
    EXPECT_TRUE(choices.contains("lang:" + language)) << language;
  ASSERT_TRUE(std::find(i18n::languages().begin(), i18n::languages().end(), "ru") != i18n::languages().end());
  tap("lang:ru");
  EXPECT_EQ(access_->language_of(kAdmin), "ru");
  text("/start");
  EXPECT_TRUE(said_containing(i18n::text("ru", "setup.home_title")));
  EXPECT_NE(i18n::text("ru", "setup.home_title"), en("setup.home_title"));
}

// Texts made before the admin's language is known — the doctor's findings, a parameter's refusal,
// Telegram's refusal of a sign-in — are shown in the admin's language.
TEST_F(SetupBotTest, ARussianAdminReadsAFailedCheckAndItsFixInRussian) {
  tap("lang:ru");
  connect_shop_bot();
  shop_.manage_topics = false;
  bots_[kShopToken].script = shop_.script();
  tap("doc:shop_bot");
  const std::string shown = last_said();
  EXPECT_NE(shown.find("❌ " + i18n::text("ru", "doctor.no_manage_topics") + "\n   → " +
                       i18n::text("ru", "doctor.no_manage_topics_fix")),
            std::string::npos)
      << shown;
  EXPECT_NE(
      shown.find("✅ " + i18n::text("ru", "doctor.token_valid", {{"bot", "shop_bot"}, {"id", "5550001"}})),
      std::string::npos)
      << shown;
  EXPECT_NE(shown.find("бот не может управлять темами"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("cannot manage topics"), std::string::npos) << "no English left: " << shown;
  EXPECT_EQ(shown.find("Manage topics"), std::string::npos) << shown;

  // The group check while a group is picked says the same.
  shop_.updates.push_back(member_update(1, kGroup, "supergroup", true, "administrator"));
  ASSERT_TRUE(run_until([&] { return said_containing("дайте боту право «Управление темами»"); }))
      << last_said();
}

TEST_F(SetupBotTest, AGermanAdminReadsAParameterOutOfRangeByTheReadersRule) {
  tap("lang:de");
  connect_shop_bot();
  tap("pv:shop_bot:AUTOCLOSE");
  text("0");
  // The rule the configuration reader prints in English after the file and line …
  auto english = core::parse_parameters({{"AUTOCLOSE", "0"}});
  ASSERT_FALSE(english);
  EXPECT_EQ(english.error().message, "AUTOCLOSE must be OFF or hours 1..1000000 (got \"0\")");
  // … in German here.
  EXPECT_EQ(
      last_said(),
      i18n::text("de", "setup.param_refused",
                 {{"reason", "AUTOCLOSE muss OFF oder eine Stundenzahl 1..1000000 sein (erhalten: \"0\")"}}));
  EXPECT_TRUE(admin_.list()[0].parameters.empty());
  text("zwölf");
  EXPECT_NE(last_said().find("(erhalten: \"zwölf\")"), std::string::npos) << last_said();
}

// The reason inside a refusal — what the schedule's or the keyword rule's parser found — is the
// admin's language too; only the value and the names people type stay as written.
TEST_F(SetupBotTest, AGermanAdminReadsWhyASchedulesOrKeywordRulesValueIsRefused) {
  tap("lang:de");
  connect_shop_bot();
  tap("pv:shop_bot:WORKING_HOURS");
  text("Mars/Base; mon-fri 09:00-18:00");
  auto zone = core::parameters_problem({{"WORKING_HOURS", "Mars/Base; mon-fri 09:00-18:00"}});
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(last_said(), i18n::text("de", "setup.param_refused", {{"reason", i18n::text("de", *zone)}}));
  EXPECT_NE(last_said().find("Teil 1 (die Zeitzone): unbekannte Zeitzone „Mars/Base“"), std::string::npos)
      << last_said();
  EXPECT_EQ(last_said().find("unknown time zone"), std::string::npos) << last_said();
  text("Europe/Berlin; mon-fry 09:00-18:00");
  EXPECT_NE(last_said().find("„fry“ ist kein Wochentag"), std::string::npos) << last_said();
  EXPECT_EQ(last_said().find("is not a weekday"), std::string::npos) << last_said();
  EXPECT_TRUE(admin_.list()[0].parameters.empty()) << "a refused value is not kept";

  tap("pv:shop_bot:PRIVATE_KEYWORDS");
  text("~refund");
  EXPECT_NE(last_said().find("„~refund“ allein passt auf fast alles"), std::string::npos) << last_said();
  EXPECT_EQ(last_said().find("alone matches"), std::string::npos) << last_said();
}

TEST_F(SetupBotTest, APersianAdminReadsARefusedLoginCodeWithItsValuesIsolated) {
  const std::string fsi = "\u2068", rli = "\u2067", pdi = "\u2069";
  tap("lang:fa");
  sign_in_.refuse_code_with = "PHONE_CODE_INVALID";
  text("/start");
  tap("na");
  text(kOtherToken);
  tap("ai:phone");
  text("+49 170 1234567");
  // The number it asks the code for keeps its own direction in the Persian sentence.
  ASSERT_TRUE(run_until([&] { return said_containing(fsi + "+491701234567" + pdi); })) << last_said();
  text("1 2 3 4 5");
  const std::string why = i18n::text("fa", "setup.login.phone_code_invalid");
  ASSERT_TRUE(run_until([&] { return said_containing(why); })) << last_said();
  const std::string shown = last_said();
  EXPECT_EQ(shown, i18n::text("fa", "setup.sign_in_failed", {{"reason", why}}));
  EXPECT_NE(shown.find(rli + why + pdi), std::string::npos) << "the reason is isolated: " << shown;
  EXPECT_EQ(shown.find("PHONE_CODE_INVALID"), std::string::npos) << shown;
  EXPECT_TRUE(admin_.list().empty()) << "nothing is kept";
}

TEST_F(SetupBotTest, ATelegramRefusalWithoutWordsIsFramedAndTranslated) {
  tap("lang:es");
  sign_in_.refuse_code_with = "PHONE_CODE_HASH_EMPTY";
  text("/start");
  tap("na");
  text(kOtherToken);
  tap("ai:phone");
  text("+49 170 1234567");
  ASSERT_TRUE(run_until([&] { return said_containing("+491701234567"); })) << last_said();
  text("1 2 3 4 5");
  ASSERT_TRUE(run_until([&] { return said_containing("Telegram respondió: 400 PHONE_CODE_HASH_EMPTY"); }))
      << last_said();
}

TEST(SetupQr, LoginLinksBecomePngPhotos) {
  auto matrix = telegram::tdlib::encode_qr("tg://login?token=abc");
  ASSERT_TRUE(matrix);
  const std::string png = qr_png(*matrix);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

}  // namespace
}  // namespace topicdesk::setup
