// The Bot API proxy (docs/architecture.md "Transports"): the bot's own program points
// its API base URL at the desk. Every call is forwarded to Telegram unchanged and answered
// unchanged, except the update calls, which the proxy serves itself from the program's queue:
// the desk polls Telegram once, stores each update for the relay AND for the program in one
// transaction (keep_for_program), and the program gets them through getUpdates or its webhook.
// Messages the program sends to private chats become kOutgoingSeen events (intercepted), its
// edits of them kOutgoingEdit events (the intercepted copy follows).
//
// The path is read as Telegram's server reads it (proxy_parsing.h): percent-decoded, the method
// name case-insensitive, anything but one method name "Not Found: method not found"; the call
// goes upstream under the normalised path, never the raw one. setWebhook is checked against the
// addresses the desk must not POST to (webhook_target.h).
//
// Several desk instances on one database (docs/architecture.md "Transports"): every instance
// registers every proxy connection and serves its program's calls; only the instance that owns
// the connection (set_owned) runs the program's webhook pusher and commits polled batches. On
// the others, forwarded calls go to Telegram as usual, intercepted sends and edits are written
// to the shared inbox table (the owner's drain takes them), getUpdates is served from the shared
// queue (a waiting long poll looks at the store every ProxyOptions::store_poll_interval, since
// the owner's commits are not announced here), and the webhook calls are store reads and writes.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/parameters.h"
#include "core/result.h"
#include "http/server.h"
#include "proxy/forwarder.h"
#include "proxy/webhook_target.h"
#include "store/store.h"
#include "telegram/update_parser.h"

namespace topicdesk::proxy {

// Update ids of intercepted events start here: far above Telegram's (32-bit) update ids, so the
// inbox never mistakes one for the other. Above it they count up per connection from a sequence
// kept in the store (connection state), taken under a row lock, so instances sharing the
// database and restarts never hand out one id twice.
inline constexpr std::int64_t kInterceptedUpdateIdBase = std::int64_t{1} << 53;

// Request bodies: multipart uploads with a known token may carry files (Telegram takes up to
// 50 MB); everything else, and every request with an unknown token, is small.
inline constexpr std::size_t kUploadBodyLimit = 64 * 1024 * 1024;
inline constexpr std::size_t kCallBodyLimit = 1024 * 1024;

// Every update kind: the desk polls for all of them so the program can get any.
const std::vector<std::string>& all_update_kinds();

struct ProxyConnection {
  core::ConnectionId id = 0;
  std::string name;
  std::string token;
  core::UserId bot_id = 0;
  core::ChatId group_id = 0;      // the backend group: its updates are the desk's, never the program's
  bool intercept = true;          // INTERCEPT_EXTERNAL: false skips recording the program's sends
  bool private_webhooks = false;  // PROXY_PRIVATE_WEBHOOKS: setWebhook may name private addresses
  // PROXY_BACKLOG and PROXY_OUTAGE: what the program gets when it comes back (came_back())
  core::ProxyBacklogMode backlog = core::ProxyBacklogMode::kAll;
  core::UnixMillis outage_millis = 60'000;
};

// What the program should get of one raw update: nullopt for the desk's own (the backend
// group's, presses of the desk's rating buttons, core::kRatingCallbackPrefix, and the pre-checkouts and
// payments of the desk's invoices, core::kInvoicePayloadPrefix).
struct ProgramUpdate {
  std::string kind;
  core::ChatId chat_id = 0;
};
std::optional<ProgramUpdate> classify_update(std::string_view raw_json, core::ChatId group_id);

// Whether the program comes back now (docs/backup-system.md): it took nothing (no getUpdates, no
// delivery its webhook took) since `last_take` (0: not since the desk started), for at least
// `outage_millis`, while the queue held an update older than that (`oldest`, 0: none waits).
// A program that polls or takes its webhook's deliveries, or an idle one, never comes back.
bool came_back(core::UnixMillis now, core::UnixMillis last_take, core::UnixMillis oldest,
               core::UnixMillis outage_millis);

// The chat of the user's dialog an update belongs to (store::ProxyUpdate::dialog_chat): the
// private chat of a message or an edit; 0 for every other kind and chat.
core::ChatId dialog_chat(const ProgramUpdate& update);

// Messages of a successful forwarded call that went to a private chat, as kOutgoingSeen events
// (update_id left 0). `params` are the call's parameters (for copyMessage's chat_id).
std::vector<core::Event> sent_messages(std::string_view method, const boost::json::object& params,
                                       const boost::json::value& result,
                                       const telegram::ParseContext& context);

// The edited message of a successful editMessageText / Caption / ReplyMarkup / Media call in a
// private chat as a kOutgoingEdit event (update_id left 0); nullopt for other methods, other
// chats and inline messages (whose answer is `true`).
std::optional<core::Event> edited_message(std::string_view method, const boost::json::value& result,
                                          const telegram::ParseContext& context);

// The call's parameters from the query string and a JSON or urlencoded body (multipart: the
// plain text fields). Never throws; unreadable parts are skipped.
boost::json::object call_params(const http::Request& request);

struct ProxyOptions {
  // How often a long poll of a connection owned by another instance looks at the store for
  // updates (that instance's commits wake only its own long polls).
  std::chrono::milliseconds store_poll_interval{250};
  // How often an idle webhook pusher (nothing to deliver, or no webhook) looks at the store
  // again: a setWebhook served by another instance is not announced to the owner.
  std::chrono::milliseconds pusher_idle_interval{5000};
};

class BotApiProxy {
 public:
  // Writes one intercepted event (update_id set) into the connection's inbox, inside the
  // proxy's transaction; the desk's is relay::Inbox::add_event, which also wakes the drain.
  using InboxWriter = std::function<void(core::ConnectionId, const core::Event&)>;

  BotApiProxy(boost::asio::any_io_executor executor, store::Store& store, Forwarder& forwarder,
              InboxWriter inbox_writer, ProxyOptions options = {});
  ~BotApiProxy();

  // Registers a connection (again: replaces its settings). `owned`: whether this instance runs
  // it (see set_owned); a connection may be registered before this instance owns it. Before
  // calls arrive or on the executor.
  void add_connection(ProxyConnection connection, bool owned = true);
  // Whether this instance owns the connection (default true: a single desk owns all). Owned, it
  // runs the program's webhook pusher (from start() on) and its commits wake the long polls
  // (updates_committed); not owned, the pusher stops and long polls watch the store. Every
  // call of the program is served either way. On the executor; unknown ids are ignored.
  void set_owned(core::ConnectionId id, bool owned);
  bool owned(core::ConnectionId id) const;
  // Calls arrive on another loop than `executor` (the HTTP server's, ServerOptions::handlers):
  // forwards go out from there through `edge_forwarder` (which must live on that loop and
  // outlive the proxy), so a store that stalls never holds the program's calls to Telegram; what
  // reads or writes the store (getUpdates, webhook calls, recording intercepted sends) runs on
  // `executor`. Before add_routes().
  void serve_at_edge(Forwarder& edge_forwarder);
  // Whether a registered connection has this token. Thread-safe.
  bool knows_token(std::string_view token) const;
  // GET/POST /bot<token>/<method> and /file/bot<token>/<path>, with the body limits above; with
  // `handler` in place of handle() (a caller that answers some calls itself).
  void add_routes(http::Server& server);
  void add_routes(http::Server& server, http::Handler handler);
  // One such request (for a caller with routes of its own: the desk answers while starting).
  boost::asio::awaitable<http::Response> handle(http::Request& request);
  // How large a body such a request may send, decided from its head (the token's connection).
  std::size_t body_limit(const http::RequestHead& head) const;
  // The desk's own HTTP endpoint, which setWebhook may never name. Before calls arrive.
  void set_desk_address(DeskAddress desk);

  // Inside the transaction that commits a polled batch to the inbox.
  void keep_for_program(core::ConnectionId id, const std::vector<telegram::Incoming>& batch,
                        core::UnixMillis now);
  // After that commit: wakes the program's long polls and webhook pusher.
  void updates_committed(core::ConnectionId id);

  // Starts the webhook pushers (one per owned connection; connections owned later get theirs
  // from set_owned or add_connection).
  void start();
  // Ends long polls (answered with what there is) and pushers.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace topicdesk::proxy
