// tgsim's one HTTP server: Bot API, file downloads, the /sim/ control API and the playground,
// on a single-threaded io_context with C++20 coroutines. Also delivers webhooks.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "sim/botapi/bot_api.h"
#include "sim/botapi/call_log.h"
#include "sim/botapi/faults.h"
#include "sim/botapi/stats.h"
#include "sim/control/control_api.h"
#include "sim/model/flood_limiter.h"
#include "sim/model/world.h"
#include "sim/td/sessions.h"

namespace tgsim::server {

struct Options {
  std::string address = "127.0.0.1";
  unsigned short port = 0;
  bool limits = true;
  // Messages a minute one bot may post into one group (Telegram's 20). Tests of the desk's own
  // pacing raise it, so a wave of hundreds of users fits a test's minutes.
  int group_per_minute = model::FloodLimiter::kGroupPerMinute;
  std::uint64_t seed = 1;
};

class Server {
 public:
  Server(boost::asio::io_context& io, const Options& options);
  // Binds and starts accepting; throws if the address cannot be bound (a start-up failure).
  void start();
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  struct HttpRequest {
    std::string_view method;  // GET, POST, ...
    std::string_view target;
    std::string_view content_type;
    std::string_view body;
    unsigned short peer_port = 0;  // the client's TCP port (GET /sim/calls)
  };
  struct HttpAnswer {
    botapi::Reply reply;
    bool drop = false;  // close the connection without answering (fault injection)
  };
  boost::asio::awaitable<HttpAnswer> handle(HttpRequest request);

 private:
  struct Poller;

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<HttpAnswer> handle_bot_api(std::string_view path, std::string_view query,
                                                    const HttpRequest& request);
  boost::asio::awaitable<botapi::Reply> long_poll(const botapi::Call& call);
  // POST /sim/payments/pay: the pre-checkout query is sent, then (unless "wait": false) the
  // answer waits for the bot's answer or the deadline: paid, refused or expired.
  boost::asio::awaitable<botapi::Reply> pay(const HttpRequest& request);
  // The fake libtdjson's front (/td/v1/...): sessions, requests and their update streams.
  // Answers at once, or fills `poll` and returns nothing when the request is a long poll.
  struct TdPoll {
    std::string key;
    std::uint64_t offset = 0;
    int timeout_s = 0;
  };
  std::optional<botapi::Reply> td_request(std::string_view path, std::string_view query,
                                          const HttpRequest& request, TdPoll& poll);
  boost::asio::awaitable<botapi::Reply> td_long_poll(std::string key, std::uint64_t offset, int timeout_s);
  boost::asio::awaitable<void> clock_loop();
  void wake_td(Id session_id);
  boost::asio::awaitable<void> webhook_loop(Id bot_id, std::uint64_t generation);
  void wake(Id bot_id);
  void webhook_changed(Id bot_id);
  botapi::Reply static_file(std::string_view path) const;

  boost::asio::io_context& io_;
  Options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  model::World world_;
  model::FloodLimiter limiter_;
  botapi::Stats stats_;
  botapi::Faults faults_;
  botapi::BotApi bot_api_;
  control::ControlApi control_;
  td::Sessions sessions_;
  std::unordered_map<Id, Poller*> td_pollers_;
  std::unordered_map<Id, Poller*> pollers_;
  std::unordered_map<Id, boost::asio::steady_timer*> webhook_timers_;

  // Bot API calls received and not yet answered (in /sim/stats as `in_flight`): what a client
  // that dies now may not have learned the outcome of.
  struct CallInFlight {
    Id bot_id = 0;
    std::string method;
    int messages = 0;  // messages the call creates if it succeeds
    std::int64_t received_ms = 0;
    std::string text;  // its text or caption: tests tell which message a kill caught in flight
  };
  class InFlightGuard;
  using CallsInFlight = std::map<std::uint64_t, CallInFlight>;
  // Shared with the guards of suspended calls, which may outlive the server at shutdown.
  std::shared_ptr<CallsInFlight> in_flight_ = std::make_shared<CallsInFlight>();
  std::uint64_t calls_received_ = 0;
  botapi::CallLog call_log_;  // answered Bot API calls (GET /sim/calls)
};

}  // namespace tgsim::server
