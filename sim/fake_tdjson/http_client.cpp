#include "sim/fake_tdjson/http_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

namespace tgsim::fake_tdjson {

namespace {

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

constexpr auto kMaxIdle = std::chrono::seconds(30);

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

void HttpConnection::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

HttpResult HttpConnection::request(std::string_view method, std::string_view path, std::string_view body,
                                   int timeout_s) {
  HttpResult result;
  // tgsim closes connections idle for 75 s; never reuse one that may be closing.
  if (fd_ >= 0 && std::chrono::steady_clock::now() - last_used_ > kMaxIdle) disconnect();
  if (fd_ < 0) {
    fd_ = connect_to(base_, result.error);
    if (fd_ < 0) return result;
  }
  timeval timeout{timeout_s, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string request;
  request.append(method).append(" ").append(base_.path_prefix).append(path).append(" HTTP/1.1\r\n");
  request.append("Host: ").append(base_.host).append(":").append(base_.port).append("\r\n");
  request.append("Content-Type: application/json\r\n");
  request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  if (!send_all(fd_, request)) {
    result.error = "cannot send the request";
    disconnect();
    return result;
  }
  if (!read_answer(result)) {
    disconnect();
    return result;
  }
  last_used_ = std::chrono::steady_clock::now();
  return result;
}

// Reads "HTTP/1.1 200 OK\r\n…Content-Length: N\r\n…\r\n\r\n" and N bytes of body.
bool HttpConnection::read_answer(HttpResult& result) {
  auto receive = [&] {
    char chunk[16384];
    auto got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got > 0) buffer_.append(chunk, static_cast<std::size_t>(got));
    if (got == 0) result.error = "the connection was closed";
    if (got < 0) result.error = "no answer: " + std::string(std::strerror(errno));
    return got > 0;
  };
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive()) return false;
  }
  std::string headers = buffer_.substr(0, header_end);
  for (auto& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto space = headers.find(' ');
  auto length_at = headers.find("\r\ncontent-length:");
  if (space == std::string::npos || length_at == std::string::npos) {
    result.error = "malformed HTTP answer (no Content-Length)";
    return false;
  }
  const auto length = static_cast<std::size_t>(std::strtoull(headers.c_str() + length_at + 17, nullptr, 10));
  while (buffer_.size() < header_end + 4 + length) {
    if (!receive()) return false;
  }
  result.status = std::atoi(headers.c_str() + space + 1);
  result.body = buffer_.substr(header_end + 4, length);
  buffer_.erase(0, header_end + 4 + length);
  if (headers.find("\r\nconnection: close") != std::string::npos) disconnect();
  return true;
}

}  // namespace tgsim::fake_tdjson
