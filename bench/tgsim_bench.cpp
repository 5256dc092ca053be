// tgsim throughput: Bot API requests/s over keep-alive connections, flood limits off.
// Starts a tgsim process (pinned to one core when --cpu is given), builds a small world
// through the control API, then runs N connections that each send one request after the
// other for a fixed time. Prints requests/s, latency percentiles and tgsim's memory.
//
//   build-sim/bench/tgsim_bench --tgsim build-sim/tgsim --method sendMessage --connections 32 --seconds 10
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"

using namespace bench;  // NOLINT(google-build-using-namespace): the benchmarks' common names

namespace {

struct Tgsim {
  pid_t pid = -1;
  unsigned short port = 0;
};

// Starts tgsim and reads "tgsim listening on 127.0.0.1:<port>" from its stdout.
Tgsim start_tgsim(const std::string& binary, int cpu) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    if (cpu >= 0) {
      std::string cpu_text = std::to_string(cpu);
      execlp("taskset", "taskset", "-c", cpu_text.c_str(), binary.c_str(), "--listen", "127.0.0.1:0",
             "--limits", "off", "--seed", "1", static_cast<char*>(nullptr));
    }
    execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--limits", "off", "--seed", "1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  char buffer[256];
  std::smatch match;
  const std::regex ready(R"(tgsim listening on 127\.0\.0\.1:(\d+))");
  while (!std::regex_search(seen, match, ready)) {
    ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("tgsim exited before listening: " + seen);
    seen.append(buffer, static_cast<std::size_t>(n));
  }
  return Tgsim{pid, static_cast<unsigned short>(std::stoi(match[1]))};
}

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Counters {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::vector<std::uint32_t> latencies_us;
};

asio::awaitable<void> client(unsigned short port, std::string target, std::string body,
                             Clock::time_point until, Counters& counters) {
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
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = std::move(body);
  request.prepare_payload();
  beast::flat_buffer buffer;
  while (Clock::now() < until) {
    auto started = Clock::now();
    co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (response.result_int() == 200) {
      ++counters.ok;
    } else {
      ++counters.failed;
    }
    counters.latencies_us.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count()));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tgsim Bot API throughput benchmark"};
  std::string binary = "build/tgsim";
  std::string method = "sendMessage";
  int connections = 32;
  double seconds = 10;
  int tgsim_cpu = 0;
  int rounds = 1;
  app.add_option("--tgsim", binary, "tgsim executable");
  app.add_option("--method", method, "getMe, sendMessage (private chat) or sendMessageTopic (forum topic)");
  app.add_option("--connections", connections, "keep-alive client connections");
  app.add_option("--seconds", seconds, "duration of one round");
  app.add_option("--rounds", rounds, "rounds (memory is printed after each; use many for a soak)");
  app.add_option("--cpu", tgsim_cpu, "pin tgsim to this CPU (-1: no pinning); clients run on the others");
  CLI11_PARSE(app, argc, argv);

  Tgsim sim = start_tgsim(binary, tgsim_cpu);
  // World: a user who started the bot, a forum group with the bot as admin and a topic.
  auto user =
      bench::call(sim.port, http::verb::post, "/sim/users", {{"first_name", "Bench"}}).at("id").as_int64();
  auto bot = bench::call(sim.port, http::verb::post, "/sim/bots", {{"username", "bench_bot"}}).as_object();
  std::string token(bot.at("token").as_string());
  auto group = bench::call(sim.port, http::verb::post, "/sim/groups",
                           {{"title", "Bench"}, {"is_forum", true}, {"owner_id", user}})
                   .at("id")
                   .as_int64();
  bench::call(
      sim.port, http::verb::post, "/sim/groups/" + std::to_string(group) + "/members",
      {{"user_id", bot.at("id")}, {"status", "administrator"}, {"rights", {{"can_manage_topics", true}}}});
  bench::call(sim.port, http::verb::post, "/sim/messages",
              {{"from", user}, {"chat_id", bot.at("id")}, {"text", "/start"}});
  auto topic = bench::call(sim.port, http::verb::post, "/bot" + token + "/createForumTopic",
                           {{"chat_id", group}, {"name", "Bench"}});
  auto thread = topic.at("result").at("message_thread_id").as_int64();

  std::string target = "/bot" + token + "/" + (method == "sendMessageTopic" ? "sendMessage" : method);
  std::string body = "{}";
  if (method == "sendMessage") {
    body = json::serialize(json::object{{"chat_id", user}, {"text", "benchmark message"}});
  } else if (method == "sendMessageTopic") {
    body = json::serialize(
        json::object{{"chat_id", group}, {"message_thread_id", thread}, {"text", "benchmark"}});
  }

  if (tgsim_cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 64; ++cpu) {
      if (cpu != tgsim_cpu) CPU_SET(cpu, &set);
    }
    sched_setaffinity(0, sizeof set, &set);
  }
  std::printf("tgsim pid %d port %u, %d connections, method %s, limits off, RSS at start %ld kB\n", sim.pid,
              sim.port, connections, method.c_str(), rss_kb(sim.pid));
  double best = 0;
  for (int round = 1; round <= rounds; ++round) {
    asio::io_context io(1);
    Counters counters;
    const auto started = Clock::now();
    const double cpu_before = bench::cpu_seconds(sim.pid);
    const auto until =
        started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < connections; ++i)
      asio::co_spawn(io, client(sim.port, target, body, until, counters), asio::detached);
    io.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    auto& l = counters.latencies_us;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) {
      return l.empty() ? 0u : l[std::min(l.size() - 1, static_cast<std::size_t>(p * l.size()))];
    };
    const double rate = static_cast<double>(counters.ok) / elapsed;
    const double cpu = bench::cpu_seconds(sim.pid) - cpu_before;
    best = std::max(best, rate);
    // Requests per CPU-second of tgsim: what one fully available core would serve, even when the
    // machine is shared and tgsim did not get its core to itself.
    std::printf(
        "round %d: %.0f requests/s wall (%llu ok, %llu failed in %.1f s), tgsim used %.2f CPU-s = %.0f "
        "requests per CPU-second, latency p50 %u us p99 %u us, tgsim RSS %ld kB\n",
        round, rate, static_cast<unsigned long long>(counters.ok),
        static_cast<unsigned long long>(counters.failed), elapsed, cpu,
        cpu > 0 ? static_cast<double>(counters.ok) / cpu : 0.0, pct(0.5), pct(0.99), rss_kb(sim.pid));
    std::fflush(stdout);
  }
  kill(sim.pid, SIGTERM);
  waitpid(sim.pid, nullptr, 0);
  std::printf("best: %.0f requests/s\n", best);
  return 0;
}
