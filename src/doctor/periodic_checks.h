// The running desk's own doctor: the bot checks (bot_checks.h) of every connection it knows, at
// start, then every `every`, and again when someone asks (FindingsBoard::request_check, the
// dashboard's "Check now"). The findings go to the board, which the dashboard reads.
//
// Threading: run() and stop() on `executor` (the relay loop, where the connections' Bot API
// clients live); a request may come from any thread.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "doctor/bot_checks.h"
#include "doctor/findings.h"

namespace topicdesk::doctor {

struct CheckedConnection {
  core::ConnectionId id = 0;
  telegram::BotApi* api = nullptr;  // outlives the checks
  BotCheck check;
};

class PeriodicChecks {
 public:
  PeriodicChecks(boost::asio::any_io_executor executor, FindingsBoard& board,
                 std::vector<CheckedConnection> connections, std::chrono::milliseconds every);
  ~PeriodicChecks();
  boost::asio::awaitable<void> run();
  void stop();

 private:
  struct Wake;  // shared with the board's request callback, which may outlive this object
  FindingsBoard& board_;
  std::vector<CheckedConnection> connections_;
  std::chrono::milliseconds every_;
  std::shared_ptr<Wake> wake_;
};

}  // namespace topicdesk::doctor
