#include "app/local_http.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace topicdesk::app {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

core::Result<LocalHttpResult> local_http_json(const std::string& host, int port, const std::string& method,
                                              const std::string& target, const boost::json::value* body) {
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    net::ip::tcp::resolver resolver(io);
    stream.connect(resolver.resolve(host, std::to_string(port)));

    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    if (body) {
      req.set(http::field::content_type, "application/json");
      req.body() = boost::json::serialize(*body);
    }
    req.prepare_payload();
    http::write(stream, req);

    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);

    LocalHttpResult result{static_cast<int>(res.result_int()), {}};
    boost::system::error_code parse_ec;
    result.body = boost::json::parse(res.body(), parse_ec);
    if (parse_ec) result.body = boost::json::string(res.body());
    return result;
  } catch (const std::exception& e) {
    return core::make_error(method + " http://" + host + ":" + std::to_string(port) + target + ": " +
                            e.what());
  }
}

}  // namespace topicdesk::app
