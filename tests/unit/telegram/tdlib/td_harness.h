// A TdRuntime + TdClient over ScriptedTd that plays TDLib's side of the protocol: the state
// machine of authorization (parameters, phone or QR, code, 2FA password, ready, close) and
// whatever a test adds in `handlers` (by request @type). Runs everything on one io_context.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>

#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_runtime.h"
#include "tests/unit/telegram/tdlib/scripted_td.h"

namespace topicdesk::telegram::tdlib::testing {

namespace json = boost::json;

inline json::object state(const char* type) { return json::object{{"@type", type}}; }

inline json::object user_json(std::int64_t id, const std::string& first_name, bool bot = false) {
  return json::object{
      {"@type", "user"},
      {"id", id},
      {"first_name", first_name},
      {"last_name", ""},
      {"usernames", json::object{{"active_usernames", json::array{first_name == "Bob" ? "bob" : "owner"}}}},
      {"phone_number", "4915100000"},
      {"type", json::object{{"@type", bot ? "userTypeBot" : "userTypeRegular"}}}};
}

struct Harness {
  using Handler = std::function<void(ScriptedTd& td, int client_id, const json::object& request)>;

  // The account TDLib pretends to sign in.
  std::string code = "12345";
  std::string password;  // empty: no 2FA
  std::string bot_token = "123:abc";
  bool is_bot = false;
  std::map<std::string, Handler> handlers;  // per request @type; replaces the default answer

  ScriptedTd td;
  boost::asio::io_context io;
  std::filesystem::path directory;
  std::unique_ptr<TdRuntime> runtime;

  Harness() {
    static int counter = 0;
    directory = std::filesystem::temp_directory_path() /
                ("topicdesk-tdlib-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(directory);
    td.on_request = [this](ScriptedTd& t, int id, const json::object& request) { play(t, id, request); };
    runtime = std::make_unique<TdRuntime>(td.library());
    runtime->set_receive_timeout(0.05);
  }
  ~Harness() {
    runtime.reset();  // stops (closing clients) before the script goes away
    std::filesystem::remove_all(directory);
  }

  TdParameters parameters(const std::string& session = "s1") const {
    TdParameters p;
    p.database_directory = (directory / session).string();
    p.api_id = 4242;
    p.api_hash = "hash-secret";
    return p;
  }
  std::unique_ptr<TdClient> open(const std::string& session = "s1") {
    auto client = TdClient::open(*runtime, io.get_executor(), parameters(session), session);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
    return client.ok() ? std::move(client).value() : nullptr;
  }
  template <class T>
  T run(std::function<boost::asio::awaitable<T>()> body) {
    return run_coroutine<T>(io, std::move(body));
  }

  void play(ScriptedTd& t, int id, const json::object& request) {
    const std::string type(request.at("@type").as_string());
    if (auto it = handlers.find(type); it != handlers.end()) {
      it->second(t, id, request);
      return;
    }
    auto ok = [&] { t.answer(id, request, state("ok")); };
    auto error = [&](int code_value, const char* message) {
      t.answer(id, request, json::object{{"@type", "error"}, {"code", code_value}, {"message", message}});
    };
    if (type == "getAuthorizationState") {
      t.push_auth_state(id, state(auth_state::kWaitTdlibParameters));
      t.answer(id, request, state(auth_state::kWaitTdlibParameters));
    } else if (type == "setTdlibParameters") {
      t.push_auth_state(id, state(auth_state::kWaitPhoneNumber));  // before the answer, as TDLib does
      ok();
    } else if (type == "checkAuthenticationBotToken") {
      if (request.at("token").as_string() != bot_token) return error(401, "ACCESS_TOKEN_INVALID");
      ok();
      t.push_auth_state(id, state(auth_state::kReady));
    } else if (type == "setAuthenticationPhoneNumber") {
      ok();
      t.push_auth_state(
          id, json::object{
                  {"@type", auth_state::kWaitCode},
                  {"code_info", json::object{{"phone_number", request.at("phone_number")},
                                             {"type", state("authenticationCodeTypeTelegramMessage")}}}});
    } else if (type == "requestQrCodeAuthentication") {
      ok();
      t.push_auth_state(id, json::object{{"@type", auth_state::kWaitOtherDeviceConfirmation},
                                         {"link", "tg://login?token=first"}});
    } else if (type == "checkAuthenticationCode") {
      if (request.at("code").as_string() != code) return error(400, "PHONE_CODE_INVALID");
      ok();
      after_first_factor(t, id);
    } else if (type == "checkAuthenticationPassword") {
      if (request.at("password").as_string() != password) return error(400, "PASSWORD_HASH_INVALID");
      ok();
      t.push_auth_state(id, state(auth_state::kReady));
    } else if (type == "getMe") {
      t.answer(id, request, user_json(5000, "Owner", is_bot));
    } else if (type == "close") {
      ok();
      t.push_auth_state(id, state(auth_state::kClosing));
      t.push_auth_state(id, state(auth_state::kClosed));
    } else {
      error(400, "Method not scripted");
    }
  }
  void after_first_factor(ScriptedTd& t, int id) {
    if (password.empty()) {
      t.push_auth_state(id, state(auth_state::kReady));
    } else {
      t.push_auth_state(id, json::object{{"@type", auth_state::kWaitPassword},
                                         {"password_hint", "pet"},
                                         {"has_recovery_email_address", false}});
    }
  }
};

}  // namespace topicdesk::telegram::tdlib::testing
