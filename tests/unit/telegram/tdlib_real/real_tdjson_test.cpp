// The production libtdjson.so (npm @prebuilt-tdlib/linux-x64-glibc, TDLib 1.8.67), offline:
// td_execute requests, and a client driven to authorizationStateWaitPhoneNumber through
// TdRuntime/TdClient, with the real library's JSON fed through the desk's own parsers.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_library.h"
#include "telegram/tdlib/td_runtime.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;

// One library per process: TDLib cannot be unloaded.
std::shared_ptr<TdLibrary> real_library() {
  static std::shared_ptr<TdLibrary> library = [] {
    std::shared_ptr<TdLibrary> loaded;
    if (std::filesystem::exists(TD_NPM_TDJSON)) {
      auto result = TdLibrary::load(TD_NPM_TDJSON);
      EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
      if (result.ok()) loaded = result.value();
    }
    return loaded;
  }();
  return library;
}

#define REQUIRE_REAL_LIBRARY()                                            \
  auto library = real_library();                                          \
  if (!library)                                                           \
  GTEST_SKIP() << TD_NPM_TDJSON                                           \
               << " is absent: run `npm install` in the project to test " \
                  "against the production TDLib"

json::object execute(TdLibrary& library, const json::object& request) {
  return json::parse(library.execute(json::serialize(request))).as_object();
}

TEST(RealTdjson, VersionIs1_8_6x) {
  REQUIRE_REAL_LIBRARY();
  auto answer = execute(*library, {{"@type", "getOption"}, {"name", "version"}});
  ASSERT_EQ(answer.at("@type"), "optionValueString");
  EXPECT_TRUE(answer.at("value").as_string().starts_with("1.8.")) << answer;
}

TEST(RealTdjson, TextEntitiesUseUtf16OffsetsLikeTheAdapter) {
  REQUIRE_REAL_LIBRARY();
  auto answer =
      execute(*library, {{"@type", "getTextEntities"}, {"text", "🙂 @alice https://example.org /start"}});
  ASSERT_EQ(answer.at("@type"), "textEntities");
  json::array bot = bot_entities(answer.at("entities").as_array());
  ASSERT_EQ(bot.size(), 3u) << answer;
  EXPECT_EQ(bot[0].at("type"), "mention");
  EXPECT_EQ(bot[0].at("offset"), 3) << "🙂 is two UTF-16 units, then a space";
  EXPECT_EQ(bot[1].at("type"), "url");
  EXPECT_EQ(bot[2].at("type"), "bot_command");
}

TEST(RealTdjson, ParseTextEntitiesRoundTripsThroughTheAdapter) {
  REQUIRE_REAL_LIBRARY();
  auto answer = execute(*library, {{"@type", "parseTextEntities"},
                                   {"text", "<b>bold</b> <a href=\"https://example.org/\">link</a>"},
                                   {"parse_mode", {{"@type", "textParseModeHTML"}}}});
  ASSERT_EQ(answer.at("@type"), "formattedText") << answer;
  EXPECT_EQ(answer.at("text"), "bold link");
  json::array bot = bot_entities(answer.at("entities").as_array());
  ASSERT_EQ(bot.size(), 2u);
  EXPECT_EQ(bot[0].at("type"), "bold");
  EXPECT_EQ(bot[1].at("type"), "text_link");
  EXPECT_EQ(bot[1].at("url"), "https://example.org/");
  // And back: what the desk would send is what TDLib itself produced.
  json::object sent = formatted_text("bold link", bot);
  EXPECT_EQ(sent.at("entities").as_array()[1].at("type").at("@type"), "textEntityTypeTextUrl");
}

TEST(RealTdjson, AClientReachesWaitPhoneNumberAndClosesCleanly) {
  REQUIRE_REAL_LIBRARY();
  auto directory =
      std::filesystem::temp_directory_path() / ("topicdesk-tdlib-real-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  asio::io_context io;
  TdRuntime runtime(library);
  runtime.set_receive_timeout(0.2);
  TdParameters parameters;
  parameters.database_directory = directory.string();
  parameters.api_id = 94575;  // TDLib's public test application; nothing is sent offline
  parameters.api_hash = "a3406de8d171bb422bb6ddf3bbd800e2";
  auto client = TdClient::open(runtime, io.get_executor(), parameters, "real");
  ASSERT_TRUE(client.ok()) << client.error().message;

  std::vector<std::string> states;
  (*client)->add_update_handler([&](const json::object& update) {
    if (update.at("@type") == "updateAuthorizationState") {
      states.emplace_back(update.at("authorization_state").at("@type").as_string());
    }
  });
  bool reached = false, version_ok = false, closed = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        reached = co_await (*client)->wait_auth_state(auth_state::kWaitPhoneNumber, std::chrono::seconds(30));
        json::object get_version{{"@type", "getOption"}, {"name", "version"}};
        auto version = co_await (*client)->send(std::move(get_version), std::chrono::seconds(10));
        version_ok = version.ok() && version->at("@type") == "optionValueString";
        closed = co_await (*client)->close(std::chrono::seconds(30));
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(reached) << "states seen: " << states.size();
  EXPECT_TRUE(version_ok) << "a request answered through @extra matching";
  EXPECT_TRUE(closed);
  ASSERT_GE(states.size(), 2u);
  EXPECT_EQ(states.front(), auth_state::kWaitTdlibParameters) << "the client sent setTdlibParameters itself";
  EXPECT_EQ(states.back(), auth_state::kClosed);
  EXPECT_TRUE(std::filesystem::exists(directory / "td.binlog"))
      << "the database lives in the session's directory";
  EXPECT_TRUE(runtime.stop(std::chrono::seconds(5)));
  client.value().reset();
  std::filesystem::remove_all(directory);
}

TEST(RealTdjson, LoadErrorsNameThePath) {
  auto missing = TdLibrary::load("/nonexistent/libtdjson.so");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/libtdjson.so"), std::string::npos);
  auto not_tdlib = TdLibrary::load("libm.so.6");
  ASSERT_FALSE(not_tdlib.ok());
  EXPECT_NE(not_tdlib.error().message.find("libm.so.6 is not TDLib"), std::string::npos)
      << not_tdlib.error().message;
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
