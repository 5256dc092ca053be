// The TDLib runtime against tgsim's fake libtdjson.so (the contract of docs/tdlib-subset.md from
// the other side): an account signs in with phone and code, a customer's message becomes a
// kUserMessage, the owner's message from their phone a kOutgoingSeen, and TdFrontendApi's
// sendMessage / copyMessage / resolveUser reach tgsim. TGSIM / TDJSON override the binaries.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>

#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_auth.h"
#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_frontend_api.h"
#include "telegram/tdlib/td_library.h"
#include "telegram/tdlib/td_runtime.h"

namespace topicdesk::telegram::tdlib {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string path_from(const char* env, const char* fallback) {
  const char* value = std::getenv(env);
  return value != nullptr ? value : fallback;
}

// A tgsim child process on a free port.
class Tgsim {
 public:
  Tgsim() {
    const std::string path = path_from("TGSIM", TD_TGSIM_PATH);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(path.c_str(), path.c_str(), "--listen", "127.0.0.1:0", "--limits", "off", nullptr);
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    port_ = read_port();
  }
  ~Tgsim() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(stdout_);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  json::value call(bhttp::verb method, const std::string& target, const json::value& body = nullptr) const {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(10s);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    bhttp::request<bhttp::string_body> request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    if (!body.is_null()) {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = json::serialize(body);
    }
    request.prepare_payload();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream, buffer, response);
    return json::parse(response.body());
  }
  json::value post(const std::string& target, const json::value& body) const {
    return call(bhttp::verb::post, target, body);
  }

 private:
  unsigned short read_port() {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (text.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{stdout_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) continue;
      char chunk[256];
      ssize_t n = read(stdout_, chunk, sizeof chunk);
      if (n <= 0) break;
      text.append(chunk, static_cast<std::size_t>(n));
    }
    text = text.substr(0, text.find('\n'));
    auto colon = text.rfind(':');
    if (!text.starts_with("tgsim listening on ") || colon == std::string::npos) {
      throw std::runtime_error("tgsim did not start: " + text);
    }
    return static_cast<unsigned short>(std::stoi(text.substr(colon + 1)));
  }
  pid_t pid_ = -1;
  int stdout_ = -1;
  unsigned short port_ = 0;
};

std::shared_ptr<TdLibrary> fake_library() {
  static auto library = [] {
    auto loaded = TdLibrary::load(path_from("TDJSON", TD_FAKE_TDJSON_PATH));
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return loaded.value();
  }();
  return library;
}

// Runs the io_context until `done` or the deadline (events come from the receive thread).
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(10ms);
  }
  return true;
}

template <class T>
asio::awaitable<void> store(asio::awaitable<T> body, std::optional<T>* out) {
  out->emplace(co_await std::move(body));
}

template <class T>
std::optional<T> run_for_result(asio::io_context& io, asio::awaitable<T> body) {
  std::optional<T> result;
  asio::co_spawn(io, store<T>(std::move(body), &result), asio::detached);
  run_until(
      io, [&] { return result.has_value(); }, 20s);
  return result;
}

TEST(FakeTdjson, AnAccountSignsInRelaysAndSends) {
  Tgsim sim;
  ::setenv("TGSIM_URL", sim.base().c_str(), 1);
  const std::int64_t anna = sim.post("/sim/accounts", {{"first_name", "Anna"},
                                                       {"username", "anna_shop"},
                                                       {"phone_number", "+4915100000009"},
                                                       {"login_code", "24680"}})
                                .at("id")
                                .to_number<std::int64_t>();
  const std::int64_t carl = sim.post("/sim/users", {{"first_name", "Carl"}, {"username", "carl"}})
                                .at("id")
                                .to_number<std::int64_t>();
  const std::int64_t olga =
      sim.post("/sim/users", {{"first_name", "Olga"}}).at("id").to_number<std::int64_t>();
  const std::int64_t group =
      sim.post("/sim/groups", {{"title", "Support"}, {"is_forum", true}, {"owner_id", olga}})
          .at("id")
          .to_number<std::int64_t>();
  sim.post("/sim/groups/" + std::to_string(group) + "/members", {{"user_id", anna}, {"status", "member"}});

  auto directory =
      std::filesystem::temp_directory_path() / ("topicdesk-fake-td-" + std::to_string(::getpid()));
  std::filesystem::remove_all(directory);
  asio::io_context io;
  TdRuntime runtime(fake_library());
  runtime.set_receive_timeout(0.05);
  TdParameters parameters;
  parameters.database_directory = directory.string();
  parameters.api_id = 12345;
  parameters.api_hash = "0123456789abcdef0123456789abcdef";
  auto opened = TdClient::open(runtime, io.get_executor(), parameters, "anna");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  TdClient& client = *opened.value();

  AdapterContext context;
  context.backend_group_id = group;
  context.self_id = anna;
  ProfileCache profiles;
  std::vector<Incoming> incoming;
  client.add_update_handler([&](const json::object& update) {
    if (auto in = make_incoming(update, context, profiles, 0)) incoming.push_back(std::move(*in));
  });

  LoginDialog dialog;
  dialog.phone_number = "+4915100000009";
  dialog.step_timeout = 10s;
  dialog.ask_code = [](CodePrompt) -> asio::awaitable<std::optional<std::string>> { co_return "24680"; };
  dialog.ask_password = [](PasswordPrompt) -> asio::awaitable<std::optional<std::string>> {
    co_return std::nullopt;
  };
  auto me = run_for_result(io, log_in_interactively(client, dialog));
  ASSERT_TRUE(me && me->ok()) << (me && !me->ok() ? me->error().message : "no answer");
  EXPECT_EQ(me->value().at("id").to_number<std::int64_t>(), anna);

  // A customer writes to the account.
  sim.post("/sim/messages", {{"from", carl}, {"chat_id", anna}, {"text", "Hello Anna"}});
  auto user_message = [&](core::EventKind kind) {
    return std::find_if(incoming.begin(), incoming.end(),
                        [&](const Incoming& in) { return in.event && in.event->kind == kind; });
  };
  ASSERT_TRUE(run_until(io, [&] { return user_message(core::EventKind::kUserMessage) != incoming.end(); }));
  const core::Event customer = *user_message(core::EventKind::kUserMessage)->event;
  EXPECT_EQ(customer.chat_id, carl);
  EXPECT_EQ(customer.from.id, carl);
  EXPECT_EQ(customer.text, "Hello Anna");
  EXPECT_GT(customer.message_id, 0);

  // The owner answers from their phone: intercepted.
  sim.post("/sim/messages", {{"from", anna}, {"chat_id", carl}, {"text", "from my phone"}});
  ASSERT_TRUE(run_until(io, [&] { return user_message(core::EventKind::kOutgoingSeen) != incoming.end(); }));
  EXPECT_EQ(user_message(core::EventKind::kOutgoingSeen)->event->chat_id, carl);

  // The desk answers through the account.
  TdFrontendApi api(client);
  auto sent =
      run_for_result(io, api.call("sendMessage", json::object{{"chat_id", carl}, {"text", "from the desk"}}));
  ASSERT_TRUE(sent && sent->ok) << (sent ? sent->description : "no answer");
  EXPECT_GT(sent->result.at("message_id").to_number<std::int64_t>(), 0);
  auto seen_by_carl = sim.call(bhttp::verb::get,
                               "/sim/chats/" + std::to_string(anna) + "/messages?as=" + std::to_string(carl));
  EXPECT_NE(json::serialize(seen_by_carl).find("from the desk"), std::string::npos) << seen_by_carl;
  EXPECT_EQ(std::count_if(incoming.begin(), incoming.end(),
                          [](const Incoming& in) { return in.event && in.event->text == "from the desk"; }),
            0)
      << "the desk's own sends are not intercepted";

  // The customer's message copied into the backend group (General) by the account.
  auto copied = run_for_result(
      io, api.call(
              "copyMessage",
              json::object{{"chat_id", group}, {"from_chat_id", carl}, {"message_id", customer.message_id}}));
  ASSERT_TRUE(copied && copied->ok) << (copied ? copied->description : "no answer");
  auto in_group = sim.call(bhttp::verb::get,
                           "/sim/chats/" + std::to_string(group) + "/messages?as=" + std::to_string(olga));
  EXPECT_NE(json::serialize(in_group).find("Hello Anna"), std::string::npos) << in_group;

  // /new @carl
  auto resolved = run_for_result(io, api.call("resolveUser", json::object{{"username", "@carl"}}));
  ASSERT_TRUE(resolved && resolved->ok) << (resolved ? resolved->description : "no answer");
  EXPECT_EQ(resolved->result.at("id").to_number<std::int64_t>(), carl);
  auto unknown = run_for_result(io, api.call("resolveUser", json::object{{"username", "nobody_here"}}));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->error_code, 400) << unknown->description;

  EXPECT_TRUE(run_for_result(io, client.close(10s)).value_or(false));
  EXPECT_TRUE(runtime.stop(5s));
  std::filesystem::remove_all(directory);  // (the api goes before the client, at the end of scope)
}

}  // namespace
}  // namespace topicdesk::telegram::tdlib
