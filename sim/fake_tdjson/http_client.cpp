#include "sim/fake_tdjson/http_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

namespace tgsim::fake_tdjson {

namespace {

// Closes the socket when the request ends, whichever way.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

int connect_to(const BaseUrl& base, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(base.host.c_str(), base.port.c_str(), &hints, &found); rc != 0) {
    error = std::string("cannot resolve ") + base.host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (auto* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) error = "cannot connect to " + base.host + ":" + base.port + ": " + std::strerror(errno);
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

}  // namespace

bool parse_base_url(std::string_view url, BaseUrl& out) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  url.remove_prefix(kScheme.size());
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  out.port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
  out.path_prefix = std::string(prefix);
  return !out.host.empty() && !out.port.empty();
}

HttpResult http_request(const BaseUrl& base, std::string_view method, std::string_view path, std::string_view body,
                        int timeout_s) {
  HttpResult result;
  Socket socket(connect_to(base, result.error));
  if (socket.fd() < 0) return result;
  timeval timeout{timeout_s, 0};
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string request;
  request.append(method).append(" ").append(base.path_prefix).append(path).append(" HTTP/1.1\r\n");
  request.append("Host: ").append(base.host).append(":").append(base.port).append("\r\n");
  request.append("Content-Type: application/json\r\nConnection: close\r\n");
  request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  if (!send_all(socket.fd(), request)) {
    result.error = "cannot send the request";
    return result;
  }
  std::string response;
  char buffer[16384];
  for (;;) {
    auto got = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (got == 0) break;
    if (got < 0) {
      result.error = "no answer: " + std::string(std::strerror(errno));
      return result;
    }
    response.append(buffer, static_cast<std::size_t>(got));
  }
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (the server closes after one answer).
  auto space = response.find(' ');
  auto header_end = response.find("\r\n\r\n");
  if (space == std::string::npos || header_end == std::string::npos) {
    result.error = "malformed HTTP answer";
    return result;
  }
  result.status = std::atoi(response.c_str() + space + 1);
  result.body = response.substr(header_end + 4);
  return result;
}

}  // namespace tgsim::fake_tdjson
