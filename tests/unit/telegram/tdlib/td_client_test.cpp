// TdRuntime + TdClient + the sign-in drivers against the scripted C functions.
#include "telegram/tdlib/td_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "i18n/catalog.h"
#include "telegram/tdlib/td_auth.h"
#include "tests/unit/telegram/tdlib/td_harness.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Harness;
using testing::ScriptedTd;

TEST(TdClient, SendsTdlibParametersItselfAndTracksTheState) {
  Harness h;
  auto client = h.open();
  ASSERT_TRUE(client);
  bool reached = h.run<bool>([&]() { return client->wait_auth_state(auth_state::kWaitPhoneNumber, 10s); });
  EXPECT_TRUE(reached);
  EXPECT_EQ(client->auth_state_type(), auth_state::kWaitPhoneNumber);
  auto sent = h.td.requests_of("setTdlibParameters");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].at("database_directory").as_string(), (h.directory / "s1").string())
      << "one directory per session";
  EXPECT_EQ(sent[0].at("api_id"), 4242);
  EXPECT_EQ(sent[0].at("api_hash"), "hash-secret");
}

TEST(TdClient, AnswersAreMatchedByExtraEvenOutOfOrder) {
  Harness h;
  std::vector<std::pair<int, json::object>> held;
  h.handlers["getChat"] = [&](ScriptedTd& td, int id, const json::object& request) {
    held.emplace_back(id, request);
    if (held.size() < 2) return;
    for (auto it = held.rbegin(); it != held.rend(); ++it) {  // the second is answered first
      td.answer(it->first, it->second, json::object{{"@type", "chat"}, {"id", it->second.at("chat_id")}});
    }
  };
  auto client = h.open();
  std::int64_t first = 0, second = 0;
  auto ask = [&](std::int64_t chat, std::int64_t& out) -> asio::awaitable<void> {
    json::object request{{"@type", "getChat"}, {"chat_id", chat}};
    auto answer = co_await client->send(std::move(request), 10s);
    out = answer.ok() ? answer->at("id").as_int64() : -1;
  };
  asio::co_spawn(h.io, ask(11, first), asio::detached);
  asio::co_spawn(h.io, ask(22, second), asio::detached);
  h.io.run_for(10s);  // returns as soon as both are answered
  EXPECT_EQ(first, 11);
  EXPECT_EQ(second, 22);
}

TEST(TdClient, NoAnswerInTimeIsErrorCodeZero) {
  Harness h;
  h.handlers["getUser"] = [](ScriptedTd&, int, const json::object&) {};  // TDLib stays silent
  auto client = h.open();
  auto answer = h.run<json::object>([&]() {
    return client->request(json::object{{"@type", "getUser"}}, 50ms);
  });
  EXPECT_TRUE(is_error(answer));
  EXPECT_EQ(error_code(answer), 0);
  EXPECT_NE(error_message(answer).find("getUser"), std::string::npos);
}

TEST(TdClient, ErrorsComeBackAsResultsNamingTheRequest) {
  Harness h;
  auto client = h.open();
  auto answer = h.run<core::Result<json::object>>([&]() {
    return client->send(json::object{{"@type", "getChats"}});
  });
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().message, "s1: getChats failed: 400 Method not scripted");
}

TEST(TdClient, UpdatesReachHandlersInOrderAndStopAfterRemoval) {
  Harness h;
  auto client = h.open();
  std::vector<std::string> seen;
  int handler = client->add_update_handler([&](const json::object& update) {
    if (update.at("@type") == "updateUser") seen.emplace_back(update.at("user").at("first_name").as_string());
  });
  for (const char* name : {"A", "B", "C"}) {
    h.td.push(client->id(), json::object{{"@type", "updateUser"}, {"user", testing::user_json(1, name)}});
  }
  h.run<bool>([&]() { return client->wait_auth_state(auth_state::kWaitPhoneNumber, 10s); });
  h.io.run_for(0ms);
  // The updates were queued before the state changes, so they have arrived by now.
  EXPECT_EQ(seen, (std::vector<std::string>{"A", "B", "C"}));
  client->remove_update_handler(handler);
  h.td.push(client->id(), json::object{{"@type", "updateUser"}, {"user", testing::user_json(1, "D")}});
  h.run<bool>([&]() { return client->close(10s); });
  EXPECT_EQ(seen.size(), 3u);
}

TEST(TdClient, TwoSessionsNeverShareADatabaseDirectory) {
  Harness h;
  auto first = h.open("shared");
  ASSERT_TRUE(first);
  auto second = TdClient::open(*h.runtime, h.io.get_executor(), h.parameters("shared"), "other");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("already used by another session"), std::string::npos);
  EXPECT_NE(second.error().message.find((h.directory / "shared").string()), std::string::npos);
  EXPECT_TRUE(h.run<bool>([&]() { return first->close(10s); }));
  first.reset();  // closed: the lock is released at once
  auto third = TdClient::open(*h.runtime, h.io.get_executor(), h.parameters("shared"), "third");
  EXPECT_TRUE(third.ok());
}

TEST(TdClient, ADestroyedClientKeepsItsDirectoryUntilTdlibHasClosedIt) {
  Harness h;
  int closing_client = 0;
  h.handlers["close"] = [&](ScriptedTd&, int id, const json::object&) { closing_client = id; };  // held
  auto first = h.open("shared");
  const int id = first->id();
  first.reset();
  EXPECT_EQ(closing_client, id) << "destroying an open client closes it";
  EXPECT_FALSE(TdClient::open(*h.runtime, h.io.get_executor(), h.parameters("shared"), "early").ok())
      << "TDLib still has the database open";
  h.handlers.erase("close");  // later clients close normally
  h.td.push_auth_state(id, testing::state(auth_state::kClosed));
  // The receive thread releases the lock when it sees Closed.
  bool reopened = testing::wait_for_condition(10s, [&] {
    return TdClient::open(*h.runtime, h.io.get_executor(), h.parameters("shared"), "late").ok();
  });
  EXPECT_TRUE(reopened);
}

TEST(TdClient, ARevokedSessionFailsRequestsInFlightWith401) {
  Harness h;
  h.handlers["getChat"] = [](ScriptedTd& td, int id, const json::object&) {
    td.push_auth_state(id, testing::state(auth_state::kLoggingOut));
    td.push_auth_state(id, testing::state(auth_state::kClosed));
  };
  auto client = h.open();
  h.run<bool>([&]() { return client->wait_auth_state(auth_state::kWaitPhoneNumber, 10s); });
  auto answer = h.run<json::object>([&]() {
    return client->request(json::object{{"@type", "getChat"}}, 10s);
  });
  EXPECT_EQ(error_code(answer), 401);
  auto after = h.run<json::object>([&]() { return client->request(json::object{{"@type", "getMe"}}, 10s); });
  EXPECT_EQ(error_code(after), 401) << "a closed client answers at once";
}

TEST(TdRuntime, StopClosesEveryClientAndJoins) {
  Harness h;
  auto a = h.open("a");
  auto b = h.open("b");
  h.run<bool>([&]() { return b->wait_auth_state(auth_state::kWaitPhoneNumber, 10s); });
  EXPECT_TRUE(h.runtime->stop(10s));
  EXPECT_EQ(h.td.requests_of("close").size(), 2u);
}

TEST(TdRuntime, StopGivesUpAfterTheDeadline) {
  Harness h;
  h.handlers["close"] = [](ScriptedTd&, int, const json::object&) {};  // never closes
  auto client = h.open();
  EXPECT_FALSE(h.runtime->stop(100ms));
}

// --- sign-in ----------------------------------------------------------------------------

TEST(TdAuth, BotTokenSignsIn) {
  Harness h;
  h.is_bot = true;
  auto client = h.open();
  auto me = h.run<core::Result<json::object>>([&]() { return log_in_bot(*client, "123:abc", 10s); });
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(me->at("id"), 5000);
  EXPECT_EQ(client->auth_state_type(), auth_state::kReady);
}

TEST(TdAuth, RefusedBotTokenIsAClearErrorWithoutTheToken) {
  Harness h;
  auto client = h.open();
  auto me = h.run<core::Result<json::object>>([&]() { return log_in_bot(*client, "999:wrong", 10s); });
  ASSERT_FALSE(me.ok());
  EXPECT_NE(me.error().message.find("bot token was refused: 401 ACCESS_TOKEN_INVALID"), std::string::npos);
  EXPECT_EQ(me.error().message.find("999:wrong"), std::string::npos) << "tokens never appear in messages";
}

TEST(TdAuth, BotLoginRefusesAPersonalAccountSession) {
  Harness h;  // is_bot = false: getMe answers a regular user
  auto client = h.open();
  auto me = h.run<core::Result<json::object>>([&]() { return log_in_bot(*client, "123:abc", 10s); });
  ASSERT_FALSE(me.ok());
  EXPECT_NE(me.error().message.find("personal account"), std::string::npos);
}

struct DialogLog {
  std::vector<std::string> codes;  // answers given, in order
  std::vector<std::string> passwords;
  std::vector<int> code_attempts;
  std::vector<std::string> told;
  std::vector<std::string> links;
  std::string hint;
};

LoginDialog scripted_dialog(DialogLog& log, std::vector<std::string> codes,
                            std::vector<std::string> passwords, std::string phone = "+4915100000") {
  LoginDialog dialog;
  dialog.phone_number = std::move(phone);
  dialog.step_timeout = std::chrono::seconds(10);
  dialog.ask_code = [&log, codes](CodePrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    log.code_attempts.push_back(prompt.attempt);
    if (log.codes.size() >= codes.size()) co_return std::nullopt;
    log.codes.push_back(codes[log.codes.size()]);
    co_return log.codes.back();
  };
  dialog.ask_password = [&log,
                         passwords](PasswordPrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    log.hint = prompt.hint;
    if (log.passwords.size() >= passwords.size()) co_return std::nullopt;
    log.passwords.push_back(passwords[log.passwords.size()]);
    co_return log.passwords.back();
  };
  dialog.tell = [&log](const std::string& message) { log.told.push_back(message); };
  dialog.show_qr_link = [&log](const std::string& link) { log.links.push_back(link); };
  return dialog;
}

TEST(TdAuth, PhoneCodeAndPasswordWithOneMistakeEach) {
  Harness h;
  h.password = "secret";
  auto client = h.open();
  DialogLog log;
  auto me = h.run<core::Outcome<json::object>>([&]() {
    return log_in_interactively(*client, scripted_dialog(log, {"11111", "12345"}, {"guess", "secret"}));
  });
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(me->at("first_name"), "Owner");
  EXPECT_EQ(log.code_attempts, (std::vector<int>{1, 2}));
  EXPECT_EQ(log.passwords.size(), 2u);
  EXPECT_EQ(log.hint, "pet");
  ASSERT_EQ(log.told.size(), 2u);
  EXPECT_EQ(log.told[0], "That code is wrong; 2 attempt(s) left.");
  EXPECT_EQ(h.td.requests_of("setAuthenticationPhoneNumber")[0].at("phone_number"), "+4915100000");
}

TEST(TdAuth, ThreeWrongCodesEndTheLogin) {
  Harness h;
  auto client = h.open();
  DialogLog log;
  auto me = h.run<core::Outcome<json::object>>([&]() {
    return log_in_interactively(*client, scripted_dialog(log, {"1", "2", "3", "4"}, {}));
  });
  ASSERT_FALSE(me.ok());
  EXPECT_NE(me.error().message.find("the code was wrong 3 times"), std::string::npos);
  EXPECT_EQ(h.td.requests_of("checkAuthenticationCode").size(), 3u);
  // The same for someone who reads another language (the setup bot's admin).
  EXPECT_EQ(me.text().key, "setup.login.code_wrong_times");
  EXPECT_EQ(me.message_in("en"), "the login code was wrong 3 times");
  EXPECT_EQ(me.message_in("de"), "der Anmeldecode war 3-mal falsch");
}

// Telegram's refusals while signing in, in words of the reader's language; the English message
// for the shell stays Telegram's own.
TEST(TdAuth, TelegramsKnownRefusalsAreCatalogueTexts) {
  auto key = [](int code, std::string_view message) {
    return login_error_text(code, message, "+4915100000").key;
  };
  EXPECT_EQ(key(400, "PHONE_CODE_INVALID"), "setup.login.phone_code_invalid");
  EXPECT_EQ(key(400, "PHONE_CODE_EXPIRED"), "setup.login.phone_code_expired");
  EXPECT_EQ(key(400, "PASSWORD_HASH_INVALID"), "setup.login.password_invalid");
  EXPECT_EQ(key(400, "PHONE_NUMBER_INVALID"), "setup.login.phone_number_invalid");
  EXPECT_EQ(key(400, "PHONE_NUMBER_BANNED"), "setup.login.phone_number_banned");
  EXPECT_EQ(key(400, "PHONE_NUMBER_UNOCCUPIED"), "setup.login.phone_number_unoccupied");
  EXPECT_EQ(key(401, "AUTH_KEY_UNREGISTERED"), "setup.login.session_revoked");
  EXPECT_EQ(key(401, "SESSION_REVOKED"), "setup.login.session_revoked");
  const auto flood = login_error_text(420, "FLOOD_WAIT_333");
  EXPECT_EQ(i18n::text("en", flood),
            "Telegram refuses more attempts for now: wait 333 seconds and try again");
  const auto retry = login_error_text(429, "Too Many Requests: retry after 142");
  EXPECT_EQ(i18n::text("ru", retry), "Telegram пока не принимает новые попытки: повторите через 142 с");
  const auto other = login_error_text(400, "PHONE_PASSWORD_FLOOD");
  EXPECT_EQ(i18n::text("en", other), "Telegram answered: 400 PHONE_PASSWORD_FLOOD");
  // Persian: the values keep their own direction inside the right-to-left sentence.
  const std::string fsi = "\u2068", lri = "\u2066", pdi = "\u2069";
  const std::string fa_phone =
      i18n::text("fa", login_error_text(400, "PHONE_NUMBER_INVALID", "+491701234567"));
  EXPECT_NE(fa_phone.find(fsi + "+491701234567" + pdi), std::string::npos) << fa_phone;
  const std::string fa_other = i18n::text("fa", other);
  EXPECT_NE(fa_other.find(lri + "400 PHONE_PASSWORD_FLOOD" + pdi), std::string::npos) << fa_other;
}

TEST(TdAuth, ARefusedPhoneNumberSaysWhyInEnglishAndInWords) {
  Harness h;
  h.handlers["setAuthenticationPhoneNumber"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.answer(id, request,
              json::object{{"@type", "error"}, {"code", 400}, {"message", "PHONE_NUMBER_BANNED"}});
  };
  auto client = h.open();
  DialogLog log;
  auto me = h.run<core::Outcome<json::object>>(
      [&]() { return log_in_interactively(*client, scripted_dialog(log, {}, {})); });
  ASSERT_FALSE(me.ok());
  EXPECT_NE(me.error().message.find("Telegram refused the phone number +4915100000: 400 PHONE_NUMBER_BANNED"),
            std::string::npos)
      << me.error().message;
  EXPECT_EQ(me.message_in("it"), "Telegram ha bloccato il numero di telefono +4915100000");
}

TEST(TdAuth, ThreeWrongPasswordsEndTheLogin) {
  Harness h;
  h.password = "secret";
  auto client = h.open();
  DialogLog log;
  auto me = h.run<core::Outcome<json::object>>([&]() {
    return log_in_interactively(*client, scripted_dialog(log, {"12345"}, {"a", "b", "c"}));
  });
  ASSERT_FALSE(me.ok());
  EXPECT_NE(me.error().message.find("wrong 2FA password"), std::string::npos);
}

TEST(TdAuth, QrLoginShowsEveryNewLinkUntilConfirmed) {
  Harness h;
  auto client = h.open();
  DialogLog log;
  LoginDialog dialog = scripted_dialog(log, {}, {}, "");
  const int id = client->id();
  // The "other device": a new link once the first is shown, confirmation after the second.
  dialog.show_qr_link = [&](const std::string& link) {
    log.links.push_back(link);
    if (log.links.size() == 1) {
      h.td.push_auth_state(id, json::object{{"@type", auth_state::kWaitOtherDeviceConfirmation},
                                            {"link", "tg://login?token=second"}});
    } else {
      h.td.push_auth_state(id, testing::state(auth_state::kReady));
    }
  };
  auto me = h.run<core::Outcome<json::object>>([&]() { return log_in_interactively(*client, dialog); });
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_EQ(log.links, (std::vector<std::string>{"tg://login?token=first", "tg://login?token=second"}));
  EXPECT_TRUE(h.td.requests_of("setAuthenticationPhoneNumber").empty());
}

TEST(TdAuth, AStoredSessionIsReadyAtOnce) {
  Harness h;
  h.handlers["setTdlibParameters"] = [](ScriptedTd& td, int id, const json::object& request) {
    td.push_auth_state(id, testing::state(auth_state::kReady));
    td.answer(id, request, testing::state("ok"));
  };
  auto client = h.open();
  DialogLog log;
  auto me = h.run<core::Outcome<json::object>>(
      [&]() { return log_in_interactively(*client, scripted_dialog(log, {}, {})); });
  ASSERT_TRUE(me.ok()) << me.error().message;
  EXPECT_TRUE(log.code_attempts.empty());
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
