// A minimal blocking HTTP/1.1 client over POSIX sockets for the fake libtdjson (one request
// per connection, loopback use). No Boost.Asio: the shared library stays small and self-contained.
#pragma once
#include <string>
#include <string_view>

namespace tgsim::fake_tdjson {

struct BaseUrl {
  std::string host;
  std::string port;
  std::string path_prefix;  // without a trailing slash
};

// "http://127.0.0.1:8081[/prefix]"; false when the URL is not plain http with a host.
bool parse_base_url(std::string_view url, BaseUrl& out);

struct HttpResult {
  int status = 0;     // 0: no answer (connection failed or timed out)
  std::string body;
  std::string error;  // why there was no answer
};

HttpResult http_request(const BaseUrl& base, std::string_view method, std::string_view path, std::string_view body,
                        int timeout_s);

}  // namespace tgsim::fake_tdjson
