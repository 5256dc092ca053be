// `topicdesk demo`: the newcomer's first look. Starts tgsim (simulator + playground), creates a
// demo world through its control API, runs the desk against it as a child process, plays a
// short scripted exchange, and keeps everything running until Ctrl+C.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/commands.h"
#include "app/local_http.h"

extern char** environ;

namespace topicdesk::app {
namespace json = boost::json;
namespace {

constexpr const char* kHost = "127.0.0.1";

volatile std::sig_atomic_t g_stop_requested = 0;
void on_stop_signal(int) { g_stop_requested = 1; }

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", args[0], std::strerror(rc)));
  }
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Polls `ready` every 50 ms until it holds or the deadline passes.
template <class Predicate>
bool wait_for(Predicate ready, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class DemoWorld {
 public:
  explicit DemoWorld(int sim_port) : port_(sim_port) {}

  json::value call(const std::string& method, const std::string& target, const json::value& body = nullptr) {
    auto res = local_http_json(kHost, port_, method, target, body.is_null() ? nullptr : &body);
    if (!res) throw std::runtime_error(res.error().message);
    if (res->status != 200) {
      throw std::runtime_error(
          fmt::format("{} {} answered {}: {}", method, target, res->status, json::serialize(res->body)));
    }
    return res->body;
  }
  std::int64_t user(const std::string& first, const std::string& last, const std::string& username,
                    const std::string& lang) {
    return call("POST", "/sim/users",
                {{"first_name", first}, {"last_name", last}, {"username", username}, {"language_code", lang}})
        .at("id")
        .to_number<std::int64_t>();
  }
  std::int64_t say(std::int64_t from, std::int64_t chat, json::object fields) {
    fields["from"] = from;
    fields["chat_id"] = chat;
    return call("POST", "/sim/messages", fields).at("message_id").to_number<std::int64_t>();
  }
  std::int64_t topic_of(std::int64_t group, std::int64_t user_id) {
    auto topics = call("GET", fmt::format("/sim/groups/{}/topics", group)).at("topics").as_array();
    for (const auto& t : topics) {
      if (std::string(t.at("name").as_string()).find(fmt::format("#{}", user_id)) != std::string::npos) {
        return t.at("message_thread_id").to_number<std::int64_t>();
      }
    }
    return 0;
  }

  std::int64_t bot_id = 0, group_id = 0, olga = 0, max = 0, ann = 0, boris = 0, chen = 0;
  std::string token;

 private:
  int port_;
};

void build_world(DemoWorld& w) {
  w.olga = w.user("Olga", "Operator", "olga_ops", "en");
  w.max = w.user("Max", "Support", "max_support", "en");
  auto bot = w.call("POST", "/sim/bots", {{"username", "shop_support_bot"}, {"first_name", "Shop Support"}});
  w.bot_id = bot.at("id").to_number<std::int64_t>();
  w.token = std::string(bot.at("token").as_string());
  w.group_id = w.call("POST", "/sim/groups",
                      {{"title", "Shop support desk"}, {"is_forum", true}, {"owner_id", w.olga}})
                   .at("id")
                   .to_number<std::int64_t>();
  auto members = fmt::format("/sim/groups/{}/members", w.group_id);
  w.call("POST", members,
         {{"user_id", w.max}, {"status", "administrator"}, {"rights", {{"can_manage_topics", true}}}});
  w.call(
      "POST", members,
      {{"user_id", w.bot_id},
       {"status", "administrator"},
       {"rights", {{"can_manage_topics", true}, {"can_delete_messages", true}, {"can_pin_messages", true}}}});
  w.ann = w.user("Ann", "Lee", "ann_lee", "en");
  w.boris = w.user("Boris", "Petrov", "boris_p", "ru");
  w.chen = w.user("Chen", "Wei", "", "zh");
}

std::string write_config(const DemoOptions& o, const DemoWorld& w) {
  std::filesystem::create_directories(o.data_dir);
  auto path = std::filesystem::absolute(std::filesystem::path(o.data_dir) / "topicdesk.toml").string();
  std::ofstream out(path);
  out << fmt::format(
      R"(# Written by `topicdesk demo`: the desk against the local simulator.
[server]
listen = "{host}:{desk_port}"

[storage]
sqlite = "{db}"

[telegram]
api_base = "http://{host}:{sim_port}"

[[connection]]
name = "shop"
token = "{token}"
group_id = {group}

[connection.parameters]
WELCOME = "Hi {{title}}! Thanks for writing. An operator will answer here shortly."
AUTOCLOSE = 24
{language}
)",
      fmt::arg("host", kHost), fmt::arg("desk_port", o.desk_port), fmt::arg("sim_port", o.sim_port),
      fmt::arg("db", std::filesystem::absolute(std::filesystem::path(o.data_dir) / "demo.db").string()),
      fmt::arg("token", w.token), fmt::arg("group", w.group_id),
      fmt::arg("language", o.language.empty() ? std::string() : "LANGUAGE = \"" + o.language + "\""));
  return path;
}

void play_first_exchange(DemoWorld& w) {
  w.say(w.ann, w.bot_id, {{"text", "/start spring_campaign"}});
  w.say(w.ann, w.bot_id, {{"text", "Hi! My order #1042 hasn't arrived yet. Can you check?"}});
  w.say(w.boris, w.bot_id, {{"text", "Здравствуйте! Can I change the delivery address for my order?"}});
  w.say(w.chen, w.bot_id, {{"photo", "receipt.jpg"}, {"caption", "Is this charge correct?"}});
  std::int64_t thread = 0;
  if (!wait_for([&] { return (thread = w.topic_of(w.group_id, w.ann)) != 0; }, std::chrono::seconds(60))) {
    throw std::runtime_error("the desk did not create a topic for the first demo user within 60 s");
  }
  w.say(w.olga, w.group_id,
        {{"message_thread_id", thread}, {"text", "/ courier says it left the warehouse today"}});
  w.say(w.olga, w.group_id,
        {{"message_thread_id", thread},
         {"text", "Sorry for the wait, Ann! Your parcel ships today; tracking follows."}});
}

// Olga asks the desk for a dashboard link in General (/web), as an operator would: the demo
// prints it, so one click opens the dashboard signed in as her. Empty when none came in time.
std::string dashboard_link(DemoWorld& w) {
  const auto sent = w.say(w.olga, w.group_id, {{"text", "/web"}});
  std::string link;
  const auto messages = fmt::format("/sim/chats/{}/messages?as={}&after={}", w.group_id, w.olga, sent);
  wait_for(
      [&] {
        const auto answer = w.call("GET", messages);
        for (const auto& m : answer.at("messages").as_array()) {
          const auto* text = m.as_object().if_contains("text");
          if (text == nullptr || !text->is_string()) continue;
          std::string_view t = text->get_string();
          auto at = t.find("http");
          if (at == std::string_view::npos || t.find("/ui/login?t=", at) == std::string_view::npos) continue;
          auto end = t.find_first_of(" \n", at);
          link = std::string(t.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
          return true;
        }
        return false;
      },
      std::chrono::seconds(30));
  return link;
}

}  // namespace

int demo_command(const DemoOptions& options) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  try {
    std::filesystem::create_directories(options.data_dir);
    std::filesystem::remove(std::filesystem::path(options.data_dir) / "demo.db");  // a fresh world each run
    ChildProcess sim(
        {options.tgsim_path, "--listen", fmt::format("{}:{}", kHost, options.sim_port), "--limits", "on"},
        (std::filesystem::path(options.data_dir) / "tgsim.log").string());
    DemoWorld world(options.sim_port);
    if (!wait_for(
            [&] { return local_http_json(kHost, options.sim_port, "GET", "/sim/version", nullptr).ok(); },
            std::chrono::seconds(15))) {
      std::cerr << "tgsim did not start; see " << options.data_dir << "/tgsim.log\n";
      return 1;
    }
    build_world(world);
    auto config_path = write_config(options, world);
    ChildProcess desk({"/proc/self/exe", "run", "--config", config_path},
                      (std::filesystem::path(options.data_dir) / "topicdesk.log").string());
    play_first_exchange(world);
    const std::string dashboard = dashboard_link(world);

    std::cout << fmt::format(
                     "\n  topicdesk demo is running.\n\n"
                     "  Playground (end users left, backend group right):  http://{0}:{1}/\n"
                     "  Dashboard, signed in as Olga (one click, 10 min):   {4}\n"
                     "  Desk metrics:                                        http://{0}:{2}/metrics\n"
                     "  Config and logs:                                     {3}\n\n"
                     "  Type as an end user on the left, answer as Olga in a topic on the right.\n"
                     "  A new dashboard link: write /web in General as Olga.\n"
                     "  Press Ctrl+C to stop.\n",
                     kHost, options.sim_port, options.desk_port, options.data_dir,
                     dashboard.empty() ? "(no link came: write /web in General)" : dashboard)
              << std::flush;
    while (!g_stop_requested && sim.running() && desk.running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // idle until a signal arrives
    }
    if (!desk.running()) std::cerr << "the desk stopped; see " << options.data_dir << "/topicdesk.log\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace topicdesk::app
