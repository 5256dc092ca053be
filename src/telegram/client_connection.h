// One outbound HTTP/1.1 connection, plain or TLS, and the two steps every outbound client takes
// with it: connect (resolve, TCP_NODELAY, SNI and certificate check against the host) and one
// request/answer round trip. Shared by the Bot API client, the proxy's forwarder and the
// webhook sender, which keep idle connections in a ConnectionPool (telegram/connection_pool.h).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace topicdesk::telegram {

struct ClientConnection {
  std::unique_ptr<boost::beast::tcp_stream> plain;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;
  boost::beast::flat_buffer buffer;  // bytes read past one answer stay here for the next

  boost::beast::tcp_stream& tcp() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }
};

struct ClientTarget {
  std::string host;
  std::string port;
  bool tls = false;
};

struct Connected {
  std::unique_ptr<ClientConnection> connection;  // null on failure
  boost::beast::error_code ec;
  const char* stage = "";  // resolve, connect, tls server name, tls handshake
};

boost::asio::awaitable<Connected> connect_client(boost::asio::any_io_executor executor,
                                                 boost::asio::ssl::context& tls_context, ClientTarget target,
                                                 std::chrono::steady_clock::time_point deadline);

// What one request/answer round trip produced.
struct RoundTrip {
  boost::beast::error_code ec;
  const char* stage = "";       // send request, read answer
  bool answer_started = false;  // some bytes of an answer arrived before the error
  bool connected = true;        // pooled_round_trip: false when no connection could be made
  boost::beast::http::response<boost::beast::http::string_body> response;
};

boost::asio::awaitable<RoundTrip> round_trip(
    ClientConnection& connection, const boost::beast::http::request<boost::beast::http::string_body>& request,
    std::size_t max_answer_bytes, std::chrono::steady_clock::time_point deadline);

// Errors of a kept-alive connection the server had already closed: the request was not taken,
// so one retry on a fresh connection is safe (when no answer byte had arrived).
bool is_stale_connection_error(const boost::beast::error_code& ec);

}  // namespace topicdesk::telegram
