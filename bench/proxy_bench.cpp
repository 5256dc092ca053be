// Bot API proxy overhead: the latency of one Bot API call made straight to tgsim vs the
// same call made through topicdesk's proxy (mode = "proxy"), on loopback, over one keep-alive
// connection each, calls one after the other. Starts tgsim and topicdesk itself.
//
//   build/bench/proxy_bench --topicdesk build/topicdesk --tgsim build/tgsim --calls 2000 [--intercept off]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"

using namespace bench;  // NOLINT(google-build-using-namespace): the benchmarks' common names
using tcp = asio::ip::tcp;

namespace {

// One keep-alive HTTP/1.1 connection, used synchronously.
class Client {
 public:
  Client(asio::io_context& io, unsigned short port) : socket_(io) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket_.set_option(tcp::no_delay(true));
  }
  std::pair<unsigned, std::string> post(const std::string& target, const std::string& body) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    return {response.result_int(), response.body()};
  }

 private:
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

Stats measure(Client& client, const std::string& target, const std::string& body, int calls) {
  std::vector<double> micros;
  micros.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    auto start = Clock::now();
    auto [status, text] = client.post(target, body);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (status != 200) throw std::runtime_error(target + " failed: " + text);
  }
  std::sort(micros.begin(), micros.end());
  Stats s;
  s.p50 = micros[micros.size() / 2];
  s.p99 = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  for (double m : micros) s.mean += m / static_cast<double>(micros.size());
  return s;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string topicdesk = arg(argc, argv, "--topicdesk", "build/topicdesk");
  const std::string tgsim = arg(argc, argv, "--tgsim", "build/tgsim");
  const int calls = std::stoi(arg(argc, argv, "--calls", "2000"));
  // on: every sendMessage through the proxy is also recorded and copied into the topic.
  const std::string intercept = arg(argc, argv, "--intercept", "on") == "off" ? "false" : "true";
  auto dir = std::filesystem::temp_directory_path() / ("proxy-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<pid_t> children;
  try {
    asio::io_context io;
    std::string sim_log = (dir / "tgsim.log").string();
    children.push_back(bench::spawn({tgsim, "--listen", "127.0.0.1:0", "--limits", "off"}, -1, sim_log));
    unsigned short sim_port =
        bench::port_from_log(sim_log, std::regex(R"(tgsim listening on 127\.0\.0\.1:(\d+))"));

    auto bot = bench::call(sim_port, http::verb::post, "/sim/bots",
                           {{"username", "bench_bot"}, {"first_name", "Bench"}});
    std::string token(bot.at("token").as_string());
    auto owner =
        bench::call(sim_port, http::verb::post, "/sim/users", {{"first_name", "Olga"}}).at("id").as_int64();
    auto group = bench::call(sim_port, http::verb::post, "/sim/groups",
                             {{"title", "bench"}, {"is_forum", true}, {"owner_id", owner}})
                     .at("id")
                     .as_int64();
    bench::call(sim_port, http::verb::post, "/sim/groups/" + std::to_string(group) + "/members",
                {{"user_id", bot.at("id")},
                 {"status", "administrator"},
                 {"rights", json::object{{"can_manage_topics", true}}}});
    auto user =
        bench::call(sim_port, http::verb::post, "/sim/users", {{"first_name", "Ann"}}).at("id").as_int64();
    bench::call(sim_port, http::verb::post, "/sim/messages",
                {{"from", user}, {"chat_id", bot.at("id")}, {"text", "hi"}});

    std::string config = (dir / "topicdesk.toml").string();
    std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:" << bench::free_port()
                          << "\"\n[storage]\nsqlite = \"" << (dir / "desk.db").string()
                          << "\"\n[telegram]\napi_base = \"http://127.0.0.1:" << sim_port
                          << "\"\n[[connection]]\nname = \"bench\"\nmode = \"proxy\"\ntoken = \"" << token
                          << "\"\ngroup_id = " << group
                          << "\n[connection.parameters]\nINTERCEPT_EXTERNAL = " << intercept << "\n";
    std::string desk_log = (dir / "topicdesk.log").string();
    children.push_back(bench::spawn({topicdesk, "run", "--config", config}, -1, desk_log));
    unsigned short desk_port =
        bench::port_from_log(desk_log, std::regex(R"(listening on 127\.0\.0\.1:(\d+))"));
    // The server answers while the connection connects (503 for proxied calls): wait for it.
    bench::wait_for("the connection", [&] {
      return bench::read_file(desk_log).find("topicdesk is running") != std::string::npos;
    });

    Client direct(io, sim_port), proxied(io, desk_port);
    std::string send = json::serialize(json::object{{"chat_id", user}, {"text", "benchmark"}});
    std::printf(
        "%d calls each, one keep-alive connection, loopback, INTERCEPT_EXTERNAL = %s (microseconds)\n", calls,
        intercept.c_str());
    std::printf("%-12s %-8s %9s %9s %9s\n", "method", "path", "p50", "p99", "mean");
    for (auto [method, body] : {std::pair<std::string, std::string>{"getMe", "{}"}, {"sendMessage", send}}) {
      std::string target = "/bot" + token + "/" + method;
      measure(direct, target, body, calls / 10);  // warm-up
      measure(proxied, target, body, calls / 10);
      Stats d = measure(direct, target, body, calls);
      Stats p = measure(proxied, target, body, calls);
      std::printf("%-12s %-8s %9.0f %9.0f %9.0f\n", method.c_str(), "direct", d.p50, d.p99, d.mean);
      std::printf("%-12s %-8s %9.0f %9.0f %9.0f\n", method.c_str(), "proxy", p.p50, p.p99, p.mean);
      std::printf("%-12s %-8s %9.0f %9.0f %9.0f\n", method.c_str(), "added", p.p50 - d.p50, p.p99 - d.p99,
                  p.mean - d.mean);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "proxy_bench: %s (logs in %s)\n", e.what(), dir.c_str());
    for (pid_t pid : children) kill(pid, SIGTERM);
    for (pid_t pid : children) waitpid(pid, nullptr, 0);
    return 1;
  }
  for (pid_t pid : children) kill(pid, SIGTERM);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
