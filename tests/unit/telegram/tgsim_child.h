// A tgsim child process on a free port, for tests that talk to the real simulator: it is killed
// when the object goes (and when the test process dies), and answers synchronous HTTP calls.
// TGSIM=<path> overrides the binary the build names (TD_TGSIM_PATH).
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace topicdesk::testing {

class TgsimChild {
 public:
  // Starts `tgsim --listen 127.0.0.1:0 --limits off` plus `extra_args`; throws when it does not
  // say where it listens within 10 s.
  explicit TgsimChild(const std::vector<std::string>& extra_args = {}) {
    const char* override_path = std::getenv("TGSIM");
    const std::string path = override_path != nullptr ? override_path : TD_TGSIM_PATH;
    if (!std::filesystem::exists(path)) throw std::runtime_error("tgsim not built: " + path);
    std::vector<std::string> args{path, "--listen", "127.0.0.1:0", "--limits", "off"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the test
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    port_ = read_port();
  }
  ~TgsimChild() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(stdout_);
  }
  TgsimChild(const TgsimChild&) = delete;
  TgsimChild& operator=(const TgsimChild&) = delete;

  unsigned short port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A /sim/ control call or a raw Bot API call, synchronously; the answer's JSON.
  boost::json::value request(boost::beast::http::verb method, const std::string& target,
                             const boost::json::value& body = nullptr) const {
    namespace bhttp = boost::beast::http;
    boost::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
    bhttp::request<bhttp::string_body> request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    if (!body.is_null()) {
      request.set(bhttp::field::content_type, "application/json");
      request.body() = boost::json::serialize(body);
    }
    request.prepare_payload();
    bhttp::write(stream, request);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream, buffer, response);
    return boost::json::parse(response.body());
  }
  boost::json::value post(const std::string& target, const boost::json::value& body) const {
    return request(boost::beast::http::verb::post, target, body);
  }

 private:
  // tgsim's first line is "tgsim listening on 127.0.0.1:<port>"; log lines may follow in the
  // same read.
  unsigned short read_port() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{stdout_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) continue;
      char chunk[256];
      ssize_t n = read(stdout_, chunk, sizeof chunk);
      if (n <= 0) break;
      line.append(chunk, static_cast<std::size_t>(n));
    }
    line = line.substr(0, line.find('\n'));
    auto colon = line.rfind(':');
    if (!line.starts_with("tgsim listening on ") || colon == std::string::npos) {
      throw std::runtime_error("tgsim did not start: " + line);
    }
    return static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  unsigned short port_ = 0;
};

}  // namespace topicdesk::testing
