// Topics API throughput: info_by_topic requests/s over keep-alive connections, SQLite store.
// Starts tgsim and a topicdesk pinned to one core (`taskset`), lets N end users write so the
// desk opens N topics, makes an API key with `topicdesk apikey reset`, then runs C client
// connections (on the other cores) that each send one info_by_topic after the other, for a
// fixed time, over the N topics in turn. Prints requests/s, the desk's CPU use and latency;
// exits 1 if any request failed.
//
//   build/bench/api_bench --topicdesk build/topicdesk --tgsim build/tgsim --connections 32 --seconds 10
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"

using namespace bench;  // NOLINT(google-build-using-namespace): the benchmarks' common names

namespace {
using bench::call;
using bench::cpu_seconds;
using bench::free_port;
using bench::port_from_log;
using bench::spawn;
using bench::wait_for;

struct Child {
  pid_t pid = -1;
  unsigned short port = 0;
};

std::string run_and_read(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  if (pclose(pipe) != 0) throw std::runtime_error(command + " failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

struct Counters {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::vector<std::uint32_t> latencies_us;
};

asio::awaitable<void> client(unsigned short port, std::string key, std::vector<std::string> bodies,
                             std::size_t first, Clock::time_point until, Counters& counters) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  boost::system::error_code ec;
  co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ++counters.failed;
    co_return;
  }
  stream.socket().set_option(asio::ip::tcp::no_delay(true));
  beast::flat_buffer buffer;
  for (std::size_t i = first; Clock::now() < until; ++i) {
    http::request<http::string_body> request{http::verb::post, "/api/v1/topic_action", 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, "application/json");
    request.set("X-API-KEY", key);
    request.keep_alive(true);
    request.body() = bodies[i % bodies.size()];
    request.prepare_payload();
    auto started = Clock::now();
    co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    (response.result_int() == 200 ? counters.ok : counters.failed) += 1;
    counters.latencies_us.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
  }
}

void pin_to_other_cpus(int busy_cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
  for (int cpu = 0; cpu < cpus && cpu < CPU_SETSIZE; ++cpu) {
    if (cpu != busy_cpu) CPU_SET(cpu, &set);
  }
  if (CPU_COUNT(&set) > 0) sched_setaffinity(0, sizeof set, &set);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Topics API info_by_topic throughput benchmark"};
  std::string topicdesk = "build/topicdesk";
  std::string tgsim = "build/tgsim";
  int connections = 32;
  int users = 100;
  double seconds = 10;
  int rounds = 3;
  int desk_cpu = 0;
  app.add_option("--topicdesk", topicdesk, "topicdesk executable");
  app.add_option("--tgsim", tgsim, "tgsim executable");
  app.add_option("--connections", connections, "keep-alive client connections");
  app.add_option("--users", users, "end users, hence dialogs/topics the requests go over");
  app.add_option("--seconds", seconds, "duration of one round");
  app.add_option("--rounds", rounds, "rounds");
  app.add_option("--cpu", desk_cpu,
                 "pin topicdesk to this CPU (-1: no pinning); tgsim and clients use the others");
  CLI11_PARSE(app, argc, argv);

  auto dir = std::filesystem::temp_directory_path() / ("api_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string sim_log = (dir / "tgsim.log").string();
  Child sim{spawn({tgsim, "--listen", "127.0.0.1:0", "--limits", "off", "--seed", "1"}, -1, sim_log)};
  sim.port = port_from_log(sim_log, std::regex(R"(tgsim listening on 127\.0\.0\.1:(\d+))"));

  // World: a bot, its forum group (bot admin), an operator, and `users` end users who write once.
  auto post = [&](const std::string& target, const json::object& body) {
    return call(sim.port, http::verb::post, target, body);
  };
  auto operator_id = post("/sim/users", {{"first_name", "Olga"}}).at("id").as_int64();
  auto bot = post("/sim/bots", {{"username", "bench_bot"}, {"first_name", "bench"}}).as_object();
  std::string token(bot.at("token").as_string());
  auto group = post("/sim/groups", {{"title", "Bench"}, {"is_forum", true}, {"owner_id", operator_id}})
                   .at("id")
                   .as_int64();
  post("/sim/groups/" + std::to_string(group) + "/members",
       {{"user_id", bot.at("id")}, {"status", "administrator"}, {"rights", {{"can_manage_topics", true}}}});

  Child desk{-1, free_port()};
  const std::string config = (dir / "topicdesk.toml").string();
  std::ofstream(config) << "[server]\nlisten = \"127.0.0.1:" << desk.port << "\"\n\n[storage]\nsqlite = \""
                        << (dir / "desk.db").string()
                        << "\"\n\n[telegram]\napi_base = \"http://127.0.0.1:" << sim.port
                        << "\"\n\n[telegram.limits]\nenabled = false\n\n[api]\nrate_per_second = "
                           "1000000000\nburst = 1000000000\n\n[[connection]]\nname = \"shop\"\ntoken = \""
                        << token << "\"\ngroup_id = "
                        << group
                        // The users' first messages make every topic at once: no flood guard.
                        << "\n[connection.parameters]\nNEW_TOPICS_PER_MINUTE = \"OFF\"\n";
  const std::string key =
      run_and_read(topicdesk + " apikey reset --config " + config + " --connection shop 2>/dev/null");
  // The limiter stays on (its cost is measured) with a rate no client reaches.
  desk.pid = spawn({topicdesk, "run", "--config", config}, desk_cpu, (dir / "topicdesk.log").string(), {});
  wait_for("topicdesk /healthz", [&] {
    try {
      // The server answers while the connections connect; the API is there once they did.
      auto health = call(desk.port, http::verb::get, "/healthz");
      return !health.is_object() || health.as_object().at("status") != "starting";
    } catch (const std::exception&) {
      return false;
    }
  });
  for (int i = 0; i < users; ++i) {
    auto user =
        post("/sim/users", {{"first_name", "User" + std::to_string(i)}, {"last_name", "Bench"}}).at("id");
    post("/sim/messages", {{"from", user}, {"chat_id", bot.at("id")}, {"text", "hello"}});
  }
  auto topics = wait_for("every user's topic", [&] {
    auto answer = call(sim.port, http::verb::get, "/sim/groups/" + std::to_string(group) + "/topics");
    const auto& list = answer.at("topics").as_array();
    return list.size() >= static_cast<std::size_t>(users) ? std::optional<json::array>(list) : std::nullopt;
  });
  std::vector<std::string> bodies;
  for (const auto& topic : *topics) {
    bodies.push_back(json::serialize(json::object{
        {"action", "info_by_topic"}, {"group_id", group}, {"topic_id", topic.at("message_thread_id")}}));
  }

  if (desk_cpu >= 0) pin_to_other_cpus(desk_cpu);
  std::printf("topicdesk pid %d on CPU %d, %d connections, %zu topics, rounds of %.0f s\n", desk.pid,
              desk_cpu, connections, bodies.size(), seconds);
  double best = 0;
  std::uint64_t failed = 0;
  for (int round = 1; round <= rounds; ++round) {
    asio::io_context io(1);
    Counters counters;
    const auto started = Clock::now();
    const double cpu_before = cpu_seconds(desk.pid);
    const auto until =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < connections; ++i) {
      asio::co_spawn(io, client(desk.port, key, bodies, static_cast<std::size_t>(i), until, counters),
                     asio::detached);
    }
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    auto& l = counters.latencies_us;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) {
      return l.empty() ? 0u : l[std::min(l.size() - 1, static_cast<std::size_t>(p * l.size()))];
    };
    const double rate = static_cast<double>(counters.ok) / elapsed;
    const double cpu = cpu_seconds(desk.pid) - cpu_before;
    best = std::max(best, rate);
    failed += counters.failed;
    std::printf(
        "round %d: %.0f info_by_topic/s (%llu ok, %llu failed in %.1f s), topicdesk used %.2f CPU-s = %.0f "
        "requests per CPU-second, latency p50 %u us p99 %u us\n",
        round, rate, static_cast<unsigned long long>(counters.ok),
        static_cast<unsigned long long>(counters.failed), elapsed, cpu,
        cpu > 0 ? static_cast<double>(counters.ok) / cpu : 0.0, pct(0.5), pct(0.99));
    std::fflush(stdout);
  }
  for (pid_t pid : {desk.pid, sim.pid}) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  std::filesystem::remove_all(dir);
  std::printf("best: %.0f info_by_topic/s, %llu failed requests\n", best,
              static_cast<unsigned long long>(failed));
  return failed == 0 && best > 0 ? 0 : 1;  // any failed request fails the run
}
