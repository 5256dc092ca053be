#include "sim/server/http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace tgsim::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<PostResult> http_post(std::string url, std::string body,
                                      std::vector<std::pair<std::string, std::string>> headers,
                                      std::chrono::seconds timeout) {
  PostResult result;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    result.error = "Wrong URL";
    co_return result;
  }
  std::string host = parsed->host();
  std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target = std::string(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = "Failed to resolve host: " + ec.message();
    co_return result;
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = ec == beast::error::timeout ? "Connection timed out" : "Connection refused";
    co_return result;
  }
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, host + ":" + port);
  request.set(http::field::content_type, "application/json");
  for (auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = "Connection reset by peer";
    co_return result;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result.error = ec == beast::error::timeout ? "Read timeout expired" : "Connection reset by peer";
    co_return result;
  }
  result.status = static_cast<int>(parser.get().result_int());
  result.reason = std::string(parser.get().reason());
  result.body = std::move(parser.get().body());
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  co_return result;
}

}  // namespace tgsim::server
