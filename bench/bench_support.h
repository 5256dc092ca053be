// What the C++ benchmarks share: starting a child process with its output in a log file, waiting
// for a port it prints, blocking set-up requests, and a process's CPU time.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// The names every benchmark uses (`using namespace bench;` brings them in).
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Runs `args` (through taskset when cpu >= 0) with stdout+stderr to `log`; env KEY=VALUE pairs added.
inline pid_t spawn(const std::vector<std::string>& args, int cpu, const std::string& log,
                   const std::vector<std::string>& env = {}) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (FILE* out = std::fopen(log.c_str(), "w")) {
    dup2(fileno(out), STDOUT_FILENO);
    dup2(fileno(out), STDERR_FILENO);
  }
  for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
  std::vector<std::string> full;
  if (cpu >= 0) full = {"taskset", "-a", "-c", std::to_string(cpu)};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  _exit(127);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Polls `predicate` until it returns something truthy, for at most a minute (set-up only).
template <class Predicate>
auto wait_for(const char* what, Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto value = predicate()) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling interval of a deadline wait
  }
  throw std::runtime_error(std::string("timed out waiting for ") + what);
}

// The port a child printed into its log, as the first group of `pattern`.
inline unsigned short port_from_log(const std::string& log, const std::regex& pattern) {
  return wait_for("a listening port", [&]() -> unsigned short {
    std::smatch match;
    std::string text = read_file(log);
    return std::regex_search(text, match, pattern) ? static_cast<unsigned short>(std::stoi(match[1])) : 0;
  });
}

inline unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// One blocking request on a fresh connection for the set-up phase; throws unless 200. A body
// that is not a JSON object reads as null.
inline boost::json::value call(unsigned short port, boost::beast::http::verb verb, const std::string& target,
                               const boost::json::object& body = {}) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  if (verb != http::verb::get) request.body() = boost::json::serialize(body);
  request.prepare_payload();
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  if (response.result_int() != 200) throw std::runtime_error(target + " -> " + response.body());
  return response.body().empty() || response.body()[0] != '{' ? boost::json::value()
                                                              : boost::json::parse(response.body());
}

// CPU seconds (user + system) the process has used so far.
inline double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto after_name = content.rfind(')');
  if (after_name == std::string::npos) return 0;
  std::istringstream fields(content.substr(after_name + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace bench
