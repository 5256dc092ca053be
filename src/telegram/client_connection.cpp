#include "telegram/client_connection.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/ssl.hpp>

namespace topicdesk::telegram {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

Connected failed(const char* stage, beast::error_code ec) { return Connected{nullptr, ec, stage}; }

template <class Stream>
asio::awaitable<RoundTrip> round_trip_over(Stream& stream, beast::flat_buffer& buffer,
                                           const http::request<http::string_body>& request,
                                           std::size_t max_answer_bytes) {
  RoundTrip out;
  auto [write_ec, written] = co_await http::async_write(stream, request, kUseTuple);
  if (write_ec) {
    out.ec = write_ec;
    out.stage = "send request";
    co_return out;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kUseTuple);
  out.answer_started = parser.got_some();
  if (read_ec) {
    out.ec = read_ec;
    out.stage = "read answer";
    co_return out;
  }
  out.response = parser.release();
  co_return out;
}

}  // namespace

asio::awaitable<Connected> connect_client(asio::any_io_executor executor, ssl::context& tls_context,
                                          ClientTarget target,
                                          std::chrono::steady_clock::time_point deadline) {
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(target.host, target.port, kUseTuple);
  if (resolve_ec) co_return failed("resolve", resolve_ec);
  auto connection = std::make_unique<ClientConnection>();
  if (target.tls) {
    connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
  } else {
    connection->plain = std::make_unique<beast::tcp_stream>(executor);
  }
  connection->tcp().expires_at(deadline);
  auto [connect_ec, connected_to] = co_await connection->tcp().async_connect(endpoints, kUseTuple);
  if (connect_ec) co_return failed("connect", connect_ec);
  connection->tcp().socket().set_option(tcp::no_delay(true));
  if (target.tls) {
    // SNI, and the certificate must name the host we asked for.
    if (SSL_set_tlsext_host_name(connection->tls->native_handle(), target.host.c_str()) != 1) {
      co_return failed("tls server name", asio::error::invalid_argument);
    }
    connection->tls->set_verify_callback(ssl::host_name_verification(target.host));
    auto [handshake_ec] = co_await connection->tls->async_handshake(ssl::stream_base::client, kUseTuple);
    if (handshake_ec) co_return failed("tls handshake", handshake_ec);
  }
  co_return Connected{std::move(connection), {}, ""};
}

asio::awaitable<RoundTrip> round_trip(ClientConnection& connection,
                                      const http::request<http::string_body>& request,
                                      std::size_t max_answer_bytes,
                                      std::chrono::steady_clock::time_point deadline) {
  connection.tcp().expires_at(deadline);
  if (connection.tls)
    co_return co_await round_trip_over(*connection.tls, connection.buffer, request, max_answer_bytes);
  co_return co_await round_trip_over(*connection.plain, connection.buffer, request, max_answer_bytes);
}

bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

}  // namespace topicdesk::telegram
