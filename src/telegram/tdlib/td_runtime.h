// The TDLib runtime: ONE thread calls td_receive for every client of the process (TDLib
// allows only one) and posts each answer or update to the Asio executor of the client it
// belongs to ("@client_id"). Clients (td_client.h) register here; nothing else calls td_receive.
//
// Threading: every public function is thread-safe. Handlers run on their client's executor,
// never on the receive thread.
#pragma once
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "telegram/tdlib/td_library.h"

namespace topicdesk::telegram::tdlib {

class TdRuntime {
 public:
  // Gets every answer and update of one client, already parsed, on the client's executor.
  using Handler = std::function<void(boost::json::object message)>;

  explicit TdRuntime(std::shared_ptr<TdLibrary> library);
  ~TdRuntime();  // stop() with the default deadline
  TdRuntime(const TdRuntime&) = delete;
  TdRuntime& operator=(const TdRuntime&) = delete;

  // Starts the receive thread (idempotent).
  void start();
  // A new TDLib client id whose messages go to `handler` on `executor`. TDLib activates the
  // client with its first request; send one soon (TdClient sends getAuthorizationState).
  int add_client(boost::asio::any_io_executor executor, Handler handler);
  // Stops delivering to the client (its later messages are dropped). Does not close it;
  // `keep_until_closed` (e.g. the database directory lock) is held until TDLib reports the
  // client closed, so no second instance opens the directory while this one still runs.
  void remove_client(int client_id, std::shared_ptr<void> keep_until_closed = {});
  void send(int client_id, const boost::json::object& request) const;

  // Clean stop: sends `close` to every client not yet closed, waits until each reports
  // authorizationStateClosed or `deadline` passes, then ends the receive thread and joins it.
  // Returns false when some client did not close in time.
  bool stop(std::chrono::milliseconds deadline = std::chrono::seconds(10));

  TdLibrary& library() const { return *library_; }
  // How long one td_receive call may block; bounds how fast stop() returns. Before start().
  void set_receive_timeout(double seconds) { receive_timeout_ = seconds; }

 private:
  struct Client {
    boost::asio::any_io_executor executor;
    std::shared_ptr<Handler> handler;
    bool closed = false;
  };
  void receive_loop();
  void deliver(std::string text);
  void note_closed(int client_id);
  bool all_closed() const;  // mutex held

  std::shared_ptr<TdLibrary> library_;
  double receive_timeout_ = 0.5;
  mutable std::mutex mutex_;
  std::condition_variable closed_changed_;
  std::map<int, Client> clients_;
  std::map<int, bool> closed_;  // every client ever created here → closed
  std::map<int, std::shared_ptr<void>> keep_until_closed_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace topicdesk::telegram::tdlib
