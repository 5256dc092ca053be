#include "proxy/bot_api_proxy.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>

#include "core/backoff.h"
#include "core/clock.h"
#include "core/event_json.h"
#include "core/secret.h"
#include "http/error_status.h"
#include "http/webhook_ingress.h"
#include "proxy/proxy_parsing.h"
#include "telegram/log_limiter.h"
#include "telegram/redact.h"

namespace topicdesk::proxy {
namespace asio = boost::asio;
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

// The last intercepted update id handed out (above kInterceptedUpdateIdBase), and the row every
// intercept writes first to take its lock (see Impl::intercept).
constexpr std::string_view kSequenceKey = "proxy:intercept_seq";
constexpr std::string_view kSequenceLockKey = "proxy:intercept_lock";
constexpr std::string_view kAllowedKey = "proxy:allowed_updates";
// Every update below this id was confirmed by the program: one Telegram delivers again (the desk
// stopped between its commit and confirming the offset) is not queued a second time.
constexpr std::string_view kConfirmedKey = "proxy:confirmed_below";
constexpr int kMaxLimit = 100;
constexpr std::int64_t kMaxTimeoutSeconds = 50;

// Telegram's default when the program never named allowed_updates.
bool allowed_by_default(std::string_view kind) {
  return kind != "chat_member" && kind != "message_reaction" && kind != "message_reaction_count";
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

http::Response api_json(unsigned status, std::string body) {
  http::Response response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

// The Bot API's error shape; error_code is the HTTP status of the kind (http::status_for).
http::Response api_error(core::ErrorCode kind, std::string_view description) {
  const unsigned status = http::status_for(kind);
  json::object o{{"ok", false}, {"error_code", status}, {"description", description}};
  return api_json(status, json::serialize(o));
}

http::Response api_ok(const json::value& result) {
  json::object o{{"ok", true}, {"result", result}};
  return api_json(200, json::serialize(o));
}

const std::set<std::string, std::less<>> kSendMethods = {
    "sendmessage", "sendphoto",     "sendvideo",      "sendanimation",  "sendaudio", "senddocument",
    "sendvoice",   "sendvideonote", "sendsticker",    "sendlocation",   "sendvenue", "sendcontact",
    "sendpoll",    "senddice",      "sendmediagroup", "sendinvoice",    "sendgame",  "sendpaidmedia",
    "copymessage", "copymessages",  "forwardmessage", "forwardmessages"};

// Edits of the program's own messages: answered with the edited Message.
const std::set<std::string, std::less<>> kEditMethods = {"editmessagetext", "editmessagecaption",
                                                         "editmessagereplymarkup", "editmessagemedia"};

core::Event bare_sent_message(core::ChatId chat, core::MessageId id, core::UserId bot_id) {
  core::Event e;
  e.kind = core::EventKind::kOutgoingSeen;
  e.chat_id = chat;
  e.message_id = id;
  e.from.id = bot_id;
  e.from.is_bot = true;
  e.sender_is_bot = true;
  e.content = core::ContentKind::kOther;
  return e;
}

std::optional<core::Event> message_event(const json::value& message, const telegram::ParseContext& context) {
  const auto* m = message.if_object();
  if (!m) return std::nullopt;
  const auto* chat = m->if_contains("chat");
  if (!chat || !chat->is_object()) return std::nullopt;
  const auto* type = chat->get_object().if_contains("type");
  if (!type || !type->is_string() || type->get_string() != "private") return std::nullopt;
  json::object update{{"update_id", 1}, {"message", message}};
  auto parsed = telegram::parse_update(json::value(std::move(update)), context);
  if (!parsed.ok() || !parsed.value()) return std::nullopt;
  core::Event e = std::move(*parsed.value());
  e.kind = core::EventKind::kOutgoingSeen;
  e.update_id = 0;
  e.sender_is_bot = true;
  e.from.is_bot = true;
  if (const auto* markup = m->if_contains("reply_markup"); markup && markup->is_object()) {
    e.reply_markup_json = json::serialize(*markup);
  }
  return e;
}

}  // namespace

const std::vector<std::string>& all_update_kinds() {
  static const std::vector<std::string> kKinds{"message",
                                               "edited_message",
                                               "channel_post",
                                               "edited_channel_post",
                                               "business_connection",
                                               "business_message",
                                               "edited_business_message",
                                               "deleted_business_messages",
                                               "message_reaction",
                                               "message_reaction_count",
                                               "inline_query",
                                               "chosen_inline_result",
                                               "callback_query",
                                               "shipping_query",
                                               "pre_checkout_query",
                                               "purchased_paid_media",
                                               "poll",
                                               "poll_answer",
                                               "my_chat_member",
                                               "chat_member",
                                               "chat_join_request",
                                               "chat_boost",
                                               "removed_chat_boost"};
  return kKinds;
}

std::optional<ProgramUpdate> classify_update(std::string_view raw_json, core::ChatId group_id) {
  boost::system::error_code ec;
  json::value v = json::parse(raw_json, ec);
  if (ec || !v.is_object()) return ProgramUpdate{"", 0};  // the program gets even what we cannot read
  ProgramUpdate out;
  for (const auto& [key, value] : v.get_object()) {
    if (key == "update_id" || !value.is_object()) continue;
    out.kind = std::string(key);
    const auto& payload = value.get_object();
    if (key == "callback_query") {
      // The desk's own buttons (the satisfaction rating) are answered by the desk.
      const auto* data = payload.if_contains("data");
      if (data && data->is_string() &&
          std::string_view(data->get_string()).starts_with(core::kRatingCallbackPrefix))
        return std::nullopt;
    }
    // The desk's own invoices (/invoice in a topic): their pre-checkouts and payments are the desk's.
    auto desk_invoice = [](const json::object& o) {
      const auto* p = o.if_contains("invoice_payload");
      return p && p->is_string() &&
             std::string_view(p->get_string()).starts_with(core::kInvoicePayloadPrefix);
    };
    if (key == "pre_checkout_query" && desk_invoice(payload)) return std::nullopt;
    if (const auto* paid = payload.if_contains("successful_payment"); paid && paid->is_object()) {
      if (desk_invoice(paid->get_object())) return std::nullopt;
    }
    if (const auto* refunded = payload.if_contains("refunded_payment"); refunded && refunded->is_object()) {
      if (desk_invoice(refunded->get_object())) return std::nullopt;
    }
    const json::value* chat = payload.if_contains("chat");
    if (!chat) {
      if (const auto* message = payload.if_contains("message"); message && message->is_object()) {
        chat = message->get_object().if_contains("chat");
      }
    }
    if (chat && chat->is_object()) {
      if (const auto* id = chat->get_object().if_contains("id"); id && id->is_int64())
        out.chat_id = id->get_int64();
    }
    break;
  }
  if (group_id != 0 && out.chat_id == group_id) return std::nullopt;
  return out;
}

bool came_back(core::UnixMillis now, core::UnixMillis last_take, core::UnixMillis oldest,
               core::UnixMillis outage_millis) {
  return now - last_take >= outage_millis && oldest != 0 && now - oldest >= outage_millis;
}

core::ChatId dialog_chat(const ProgramUpdate& update) {
  if (update.kind != "message" && update.kind != "edited_message") return 0;
  return update.chat_id > 0 ? update.chat_id : 0;  // private chats: the user's id, positive
}

std::vector<core::Event> sent_messages(std::string_view method, const json::object& params,
                                       const json::value& result, const telegram::ParseContext& context) {
  std::vector<core::Event> out;
  std::string name = lowercase(method);
  if (!kSendMethods.contains(name)) return out;
  std::string copied_batch;  // media_group_id shared by the ids of one copy call
  auto collect = [&](const json::value& item) {
    if (auto e = message_event(item, context)) {
      out.push_back(std::move(*e));
      return;
    }
    // copyMessage(s) / forwardMessages answer MessageIds: the chat is the call's, the content
    // unknown. The relay copies them from the user's chat together (core::kCopiedBatchPrefix).
    const auto* o = item.if_object();
    if (!o || o->contains("chat")) return;
    auto chat = int_param(params, "chat_id");
    const auto* id = o->if_contains("message_id");
    if (!chat || *chat <= 0 || !id || !id->is_int64()) return;
    if (copied_batch.empty())
      copied_batch = std::string(core::kCopiedBatchPrefix) + std::to_string(id->get_int64());
    out.push_back(bare_sent_message(*chat, id->get_int64(), context.bot_id));
    out.back().media_group_id = copied_batch;
  };
  if (const auto* array = result.if_array()) {
    for (const auto& item : *array) collect(item);
  } else {
    collect(result);
  }
  return out;
}

std::optional<core::Event> edited_message(std::string_view method, const json::value& result,
                                          const telegram::ParseContext& context) {
  std::string name = lowercase(method);
  if (!kEditMethods.contains(name)) return std::nullopt;
  auto e = message_event(result, context);  // inline messages answer `true`: not an object
  if (!e) return std::nullopt;
  e->kind = core::EventKind::kOutgoingEdit;
  e->media_replaced = name == "editmessagemedia";
  return e;
}

// ---- the proxy ---------------------------------------------------------------------------

struct BotApiProxy::Impl : std::enable_shared_from_this<Impl> {
  asio::any_io_executor executor;
  store::Store& store;
  Forwarder& forwarder;
  InboxWriter inbox_writer;
  ProxyOptions options;
  // A deque: requests and pushers hold references to their connection across awaits while
  // more connections are registered. Written on `executor` under connections_mutex; read there
  // freely, and under the mutex by calls served at the edge (find_token).
  std::deque<ProxyConnection> connections;
  mutable std::mutex connections_mutex;
  // Set by serve_at_edge(): calls arrive on the HTTP server's loop; forwards go out from there
  // through this forwarder, and what touches the store runs on `executor`.
  Forwarder* edge_forwarder = nullptr;
  std::map<core::ConnectionId, bool> owned;  // by connection; absent: owned
  std::set<core::ConnectionId> pushing;      // connections whose webhook pusher runs
  bool started = false;
  std::map<core::ConnectionId, std::set<asio::steady_timer*>>
      waiting;                                                        // long polls and pushers, by connection
  std::map<std::string, std::unique_ptr<Forwarder>> webhook_clients;  // by scheme://host:port
  // When the program last took updates (a getUpdates call, a delivery its webhook took)
  std::map<core::ConnectionId, core::UnixMillis> last_take;
  DeskAddress desk;
  telegram::LogLimiter log_limiter;
  bool stopped = false;

  Impl(asio::any_io_executor e, store::Store& s, Forwarder& f, InboxWriter writer, ProxyOptions o)
      : executor(std::move(e)), store(s), forwarder(f), inbox_writer(std::move(writer)), options(o) {}

  bool is_owned(core::ConnectionId id) const {
    auto found = owned.find(id);
    return found == owned.end() || found->second;
  }

  ProxyConnection* by_id_mutable(core::ConnectionId id) {
    for (auto& c : connections) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  // Runs the connection's webhook pusher unless it runs already, the proxy has not started or
  // has stopped, or another instance owns the connection.
  void spawn_pusher(core::ConnectionId id) {
    const ProxyConnection* c = by_id(id);
    if (!c || !started || stopped || !is_owned(id) || pushing.contains(id)) return;
    pushing.insert(id);
    asio::co_spawn(
        executor, run_pusher(id), [self = shared_from_this(), id, name = c->name](std::exception_ptr error) {
          self->pushing.erase(id);
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              spdlog::error("proxy {}: webhook pusher stopped: {}", name, telegram::redact_tokens(e.what()));
            }
            return;
          }
          // Owned again while it was ending: a fresh one takes over.
          self->spawn_pusher(id);
        });
  }

  const ProxyConnection* by_token(std::string_view token) const {
    const ProxyConnection* found = nullptr;
    for (const auto& c : connections) {
      if (core::constant_time_equal(token, c.token)) found = &c;  // all compared: constant time per token
    }
    return found;
  }

  // A copy of the connection with this token, safe from any thread.
  std::optional<ProxyConnection> find_token(std::string_view token) const {
    std::lock_guard lock(connections_mutex);
    const ProxyConnection* found = by_token(token);
    if (found == nullptr) return std::nullopt;
    return *found;
  }

  const ProxyConnection* by_id(core::ConnectionId id) const {
    for (const auto& c : connections) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  // Multipart uploads of a known bot may be large; nothing else is.
  std::size_t body_limit(const http::RequestHead& head) const {
    std::string_view target = head.target();
    auto path = parse_call_path(target.substr(0, target.find('?')));
    if (!path || !find_token(path->token)) return kCallBodyLimit;
    auto type = head.find(bhttp::field::content_type);
    if (type == head.end() || !boost::beast::iequals(type->value().substr(0, 19), "multipart/form-data")) {
      return kCallBodyLimit;
    }
    return kUploadBodyLimit;
  }

  void wake(core::ConnectionId id) {
    for (auto* timer : waiting[id]) timer->cancel();
  }

  std::vector<std::string> allowed_kinds(core::ConnectionId id) {
    auto stored = store.state_get(id, std::string(kAllowedKey));
    if (!stored || stored->empty()) return {};
    json::object holder{{"a", json::parse(*stored)}};
    return list_param(holder, "a").value_or(std::vector<std::string>{});
  }

  std::int64_t confirmed_below(core::ConnectionId id) {
    auto stored = store.state_get(id, std::string(kConfirmedKey));
    if (!stored || stored->empty()) return 0;
    try {
      return std::stoll(*stored);
    } catch (const std::exception&) {
      return 0;
    }
  }

  void confirm(core::ConnectionId id, std::int64_t below) {
    store.transaction([&] {
      store.proxy_confirm(id, below);
      if (below > confirmed_below(id)) store.state_set(id, std::string(kConfirmedKey), std::to_string(below));
    });
  }

  bool allowed(const std::vector<std::string>& kinds, std::string_view kind) {
    if (kinds.empty()) return allowed_by_default(kind);
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  }

  // Unconfirmed updates the program may get; leading ones it does not want are dropped.
  std::vector<store::ProxyUpdate> ready_updates(core::ConnectionId id, std::int64_t from, int limit) {
    auto kinds = allowed_kinds(id);
    std::vector<store::ProxyUpdate> out;
    for (auto& update : store.proxy_updates(id, from, limit)) {
      if (allowed(kinds, update.kind) || update.kind.empty()) {
        out.push_back(std::move(update));
      } else if (out.empty()) {
        confirm(id, update.update_id + 1);
      }
    }
    return out;
  }

  // Before the program takes updates: when it comes back (came_back()), PROXY_BACKLOG =
  // unanswered drops the updates of dialogs an operator answered meanwhile.
  void before_take(const ProxyConnection& c) {
    const core::UnixMillis now = core::unix_millis_now();
    const core::UnixMillis last = last_take[c.id];
    if (now - last < c.outage_millis) return;  // taking all along: no queue to look at
    auto backlog = store.proxy_backlog(c.id);
    if (!came_back(now, last, backlog.oldest, c.outage_millis)) return;
    if (c.backlog != core::ProxyBacklogMode::kUnanswered) {
      spdlog::info(
          "proxy {}: the program comes back to {} waiting updates; it gets them all (PROXY_BACKLOG = all)",
          c.name, backlog.count);
      last_take[c.id] = now;  // told once per return
      return;
    }
    // A webhook the desk keeps retrying comes here at every try: only a drop is told.
    const std::int64_t dropped = store.proxy_drop_answered(c.id);
    if (dropped == 0) return;
    spdlog::info(
        "proxy {}: the program comes back to {} waiting updates; {} of dialogs operators answered meanwhile "
        "dropped (PROXY_BACKLOG = unanswered)",
        c.name, backlog.count, dropped);
  }

  void took(core::ConnectionId id) { last_take[id] = core::unix_millis_now(); }

  asio::awaitable<http::Response> get_updates(const ProxyConnection& c, const json::object& params) {
    if (store.proxy_webhook(c.id)) {
      co_return api_error(
          core::ErrorCode::kConflict,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
          "delete the webhook first");
    }
    std::int64_t offset = int_param(params, "offset").value_or(0);
    int limit = static_cast<int>(
        std::clamp<std::int64_t>(int_param(params, "limit").value_or(kMaxLimit), 1, kMaxLimit));
    std::int64_t timeout =
        std::clamp<std::int64_t>(int_param(params, "timeout").value_or(0), 0, kMaxTimeoutSeconds);
    if (auto kinds = list_param(params, "allowed_updates")) remember_allowed(c.id, *kinds);
    if (offset > 0) confirm(c.id, offset);  // Telegram: everything below offset is confirmed
    before_take(c);
    took(c.id);
    std::int64_t from = std::max<std::int64_t>(offset, 0);
    auto updates = ready_updates(c.id, from, limit);
    if (updates.empty() && timeout > 0 && !stopped) {
      auto self = shared_from_this();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
      // Woken by this instance's commits (updates_committed); where another instance owns the
      // connection its commits are not announced here, so the store is looked at on a timer.
      while (updates.empty() && !stopped) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        std::chrono::steady_clock::duration wait = deadline - now;
        if (!is_owned(c.id))
          wait = std::min<std::chrono::steady_clock::duration>(wait, options.store_poll_interval);
        asio::steady_timer timer(executor, wait);
        waiting[c.id].insert(&timer);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        waiting[c.id].erase(&timer);
        updates = ready_updates(c.id, from, limit);
      }
      took(c.id);
    }
    std::string body = R"({"ok":true,"result":[)";
    for (std::size_t i = 0; i < updates.size(); ++i) {
      if (i > 0) body += ',';
      body += updates[i].payload;  // unchanged, as Telegram sent it
    }
    body += "]}";
    co_return api_json(200, std::move(body));
  }

  asio::awaitable<http::Response> webhook_call(const ProxyConnection& c, const std::string& method,
                                               const json::object& params) {
    if (method == "getwebhookinfo") co_return webhook_info(c);
    const auto* drop = params.if_contains("drop_pending_updates");
    if (drop &&
        ((drop->is_bool() && drop->get_bool()) || (drop->is_string() && drop->get_string() == "true"))) {
      auto pending = store.proxy_updates(c.id, 0, std::numeric_limits<int>::max());
      if (!pending.empty()) confirm(c.id, pending.back().update_id + 1);
    }
    std::string url;
    if (const auto* u = params.if_contains("url"); u && u->is_string()) url = std::string(u->get_string());
    if (method == "deletewebhook" || url.empty()) {
      store.proxy_set_webhook(c.id, std::nullopt);
      json::object o{{"ok", true}, {"result", true}, {"description", "Webhook was deleted"}};
      co_return api_json(200, json::serialize(o));
    }
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http") || parsed->host().empty()) {
      co_return api_error(core::ErrorCode::kInvalid,
                          "Bad Request: bad webhook: invalid webhook URL specified");
    }
    if (auto refused = co_await refused_target(c, *parsed))
      co_return api_error(core::ErrorCode::kInvalid, *refused);
    store::ProxyWebhook webhook{.url = url};
    if (const auto* secret = params.if_contains("secret_token"); secret && secret->is_string()) {
      webhook.secret_token = std::string(secret->get_string());
    }
    if (auto kinds = list_param(params, "allowed_updates")) remember_allowed(c.id, *kinds);
    webhook.max_connections = static_cast<int>(int_param(params, "max_connections").value_or(40));
    store.proxy_set_webhook(c.id, webhook);
    wake(c.id);
    json::object o{{"ok", true}, {"result", true}, {"description", "Webhook was set"}};
    co_return api_json(200, json::serialize(o));
  }

  // Why the desk must not POST to the URL's host (resolved now), or nullopt.
  asio::awaitable<std::optional<std::string>> refused_target(const ProxyConnection& c,
                                                             boost::urls::url_view url) {
    const std::string host = url.host_address();
    const unsigned short port = url.has_port() ? url.port_number() : (url.scheme() == "https" ? 443 : 80);
    asio::ip::tcp::resolver resolver(executor);
    auto [ec, results] =
        co_await resolver.async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable));
    std::vector<asio::ip::address> addresses;  // none when it does not resolve: refused
    if (!ec) {
      for (const auto& entry : results) addresses.push_back(entry.endpoint().address());
    }
    co_return refused_webhook_target(host, port, addresses, desk, c.private_webhooks);
  }

  http::Response webhook_info(const ProxyConnection& c) {
    auto webhook = store.proxy_webhook(c.id);
    json::object info{{"url", webhook ? webhook->url : ""},
                      {"has_custom_certificate", false},
                      {"pending_update_count", store.proxy_updates(c.id, 0, 100000).size()}};
    if (webhook) {
      info["max_connections"] = webhook->max_connections;
      if (webhook->last_error_at != 0) {
        info["last_error_date"] = webhook->last_error_at / 1000;
        info["last_error_message"] = webhook->last_error;
      }
    }
    return api_ok(info);
  }

  void remember_allowed(core::ConnectionId id, const std::vector<std::string>& kinds) {
    json::array a;
    for (const auto& k : kinds) a.emplace_back(k);
    store.state_set(id, std::string(kAllowedKey), json::serialize(a));
  }

  asio::awaitable<void> sleep(core::ConnectionId id, std::chrono::milliseconds delay) {
    asio::steady_timer timer(executor, delay);
    waiting[id].insert(&timer);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    waiting[id].erase(&timer);
  }

  // POSTs one update to the program's webhook; the error text when it was not taken.
  asio::awaitable<std::string> push(const ProxyConnection& c, const store::ProxyWebhook& webhook,
                                    const store::ProxyUpdate& update) {
    auto url = boost::urls::parse_absolute_uri(webhook.url);
    if (!url) co_return "invalid webhook URL";
    // Checked again on every push: the name may resolve elsewhere now, the option may be off.
    if (auto refused = co_await refused_target(c, *url)) co_return *refused;
    std::string base = std::string(url->scheme()) + "://" + std::string(url->encoded_authority());
    auto& client = webhook_clients[base];
    if (!client) client = std::make_unique<Forwarder>(executor, base);
    std::string target(url->encoded_path());
    if (target.empty()) target = "/";
    if (url->has_query()) target += "?" + std::string(url->encoded_query());
    http::Request request{bhttp::verb::post, target, 11};
    request.set(bhttp::field::content_type, "application/json");
    if (!webhook.secret_token.empty()) request.set(http::kSecretTokenHeader, webhook.secret_token);
    request.body() = update.payload;
    http::Response answer = co_await client->forward(request, target);
    if (answer.result_int() >= 200 && answer.result_int() < 300) co_return "";
    co_return "Wrong response from the webhook: " + std::to_string(answer.result_int()) + " " +
        std::string(answer.reason());
  }

  // Delivers the program's updates to its webhook one at a time, in order, retrying with backoff.
  asio::awaitable<void> run_pusher(core::ConnectionId id) {
    auto self = shared_from_this();
    const core::Backoff backoff{std::chrono::milliseconds(500), std::chrono::milliseconds(60'000)};
    int failures = 0;  // in a row
    const ProxyConnection* c = by_id(id);
    while (!stopped && c != nullptr && is_owned(id)) {
      auto webhook = store.proxy_webhook(id);
      std::vector<store::ProxyUpdate> next;
      if (webhook) {
        before_take(*c);
        next = ready_updates(id, 0, 1);
      }
      if (next.empty()) {
        // Woken by this instance's commits and setWebhook; a setWebhook another instance
        // served is seen at the next look.
        co_await sleep(id, options.pusher_idle_interval);
        continue;
      }
      std::string error = co_await push(*c, *webhook, next[0]);
      if (stopped) break;
      if (error.empty()) {
        confirm(id, next[0].update_id + 1);
        took(id);
        failures = 0;
        continue;
      }
      webhook->last_error = error;
      webhook->last_error_at = core::unix_millis_now();
      if (store.proxy_webhook(id)) store.proxy_set_webhook(id, *webhook);
      co_await sleep(id, backoff.delay(failures++));
    }
  }

  // A successful send to a private chat (or an edit of such a message) becomes intercepted
  // events in the inbox, committed before the program gets its answer.
  // What a successful call of the program sent or edited in private chats, as kOutgoingSeen /
  // kOutgoingEdit events (update_id 0); empty when there is nothing to record. Pure.
  static std::vector<core::Event> intercepted_events(const ProxyConnection& c, const std::string& method,
                                                     const json::object& params,
                                                     const http::Response& answer) {
    if (!c.intercept || answer.result_int() != 200) return {};
    if (!kSendMethods.contains(method) && !kEditMethods.contains(method)) return {};
    boost::system::error_code ec;
    json::value v = json::parse(answer.body(), ec);
    if (ec || !v.is_object()) return {};
    const auto* result = v.get_object().if_contains("result");
    if (!result) return {};
    telegram::ParseContext context{c.bot_id, {c.group_id}};
    auto events = sent_messages(method, params, *result, context);
    if (auto edit = edited_message(method, *result, context)) events.push_back(std::move(*edit));
    return events;
  }

  // Writes intercepted events into the connection's inbox, with ids of their own.
  void record_intercepted(const ProxyConnection& c, std::vector<core::Event>& events) {
    // The ids come from a sequence in the connection's state, read and advanced in the
    // transaction that writes the events: they survive restarts. Instances sharing the database
    // intercept for one connection at the same time (each serves the program's calls), so the
    // transaction first writes the lock row: PostgreSQL holds its row lock until the commit, a
    // second intercept waits there and then (read committed, every statement sees what was
    // committed before it) reads the advanced sequence; SQLite has one writer at a time anyway.
    // Unique ids matter: the inbox drops a second event with an id it has as a duplicate.
    store.transaction([&] {
      store.state_set(c.id, std::string(kSequenceLockKey), "");
      std::int64_t seq = 0;
      if (auto stored = store.state_get(c.id, std::string(kSequenceKey))) seq = std::stoll(*stored);
      for (auto& e : events) {
        e.update_id = kInterceptedUpdateIdBase + ++seq;
        inbox_writer(c.id, e);
      }
      store.state_set(c.id, std::string(kSequenceKey), std::to_string(seq));
    });
  }

  // Runs where the call arrives: on `executor`, or at the edge after serve_at_edge(). A forward
  // goes out from where it arrived; everything that reads or writes the store runs on `executor`.
  asio::awaitable<http::Response> handle(http::Request& request) {
    auto path = parse_call_path(http::request_path(request));
    if (!path) co_return api_error(core::ErrorCode::kNotFound, "Not Found");
    const std::optional<ProxyConnection> c = find_token(path->token);
    if (!c) co_return api_error(core::ErrorCode::kUnauthorized, "Unauthorized");
    Forwarder& out = edge_forwarder != nullptr ? *edge_forwarder : forwarder;
    std::string_view target = request.target();
    const std::string query(target.substr(std::min(target.find('?'), target.size())));
    if (path->file) {
      auto file = file_target(path->rest);
      if (!file) co_return api_error(core::ErrorCode::kNotFound, "Not Found");
      co_return co_await out.forward(std::move(request), "/file/bot" + c->token + "/" + *file + query);
    }
    auto method = method_key(path->rest);
    if (!method) co_return api_error(core::ErrorCode::kNotFound, "Not Found: method not found");
    json::object params = call_params(request);
    if (*method == "getupdates") co_return co_await on_executor(get_updates(*c, params));
    if (*method == "setwebhook" || *method == "deletewebhook" || *method == "getwebhookinfo") {
      co_return co_await on_executor(webhook_call(*c, *method, params));
    }
    http::Response answer =
        co_await out.forward(std::move(request), "/bot" + c->token + "/" + path->rest + query);
    // A send to a user is answered once its copy for the topic is recorded; other calls at once.
    auto events = intercepted_events(*c, *method, params, answer);
    if (!events.empty()) co_await on_executor(record_call(*c, *method, events));
    co_return answer;
  }

  // The program's call as intercepted messages; a failure is logged, the program keeps its answer.
  asio::awaitable<void> record_call(const ProxyConnection& c, const std::string& method,
                                    std::vector<core::Event>& events) {
    try {
      record_intercepted(c, events);
    } catch (const std::exception& error) {
      log_limiter.log(spdlog::level::err, "intercept " + c.name,
                      telegram::redact_secrets(
                          fmt::format("proxy {}: could not record the program's {} as intercepted: {}",
                                      c.name, method, error.what())));
    }
    co_return;
  }

  // Runs `work` on `executor` (directly when the call arrived there).
  template <typename T>
  asio::awaitable<T> on_executor(asio::awaitable<T> work) {
    if (edge_forwarder == nullptr) co_return co_await std::move(work);
    co_return co_await asio::co_spawn(executor, std::move(work), asio::use_awaitable);
  }
};

BotApiProxy::BotApiProxy(asio::any_io_executor executor, store::Store& store, Forwarder& forwarder,
                         InboxWriter inbox_writer, ProxyOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), store, forwarder, std::move(inbox_writer), options)) {
}

BotApiProxy::~BotApiProxy() = default;

void BotApiProxy::add_connection(ProxyConnection connection, bool owned) {
  const core::ConnectionId id = connection.id;
  {
    std::lock_guard lock(impl_->connections_mutex);
    if (auto* known = impl_->by_id_mutable(id)) {
      *known = std::move(connection);
    } else {
      impl_->connections.push_back(std::move(connection));
    }
  }
  set_owned(id, owned);
}

void BotApiProxy::set_owned(core::ConnectionId id, bool owned) {
  if (!impl_->by_id(id)) return;
  impl_->owned[id] = owned;
  if (owned) {
    impl_->spawn_pusher(id);
  } else {
    impl_->wake(id);  // the pusher ends; long polls go on, watching the store
  }
}

bool BotApiProxy::owned(core::ConnectionId id) const { return impl_->is_owned(id); }

void BotApiProxy::add_routes(http::Server& server) {
  auto impl = impl_;
  add_routes(server, [impl](http::Request& request) { return impl->handle(request); });
}

void BotApiProxy::add_routes(http::Server& server, http::Handler handler) {
  auto impl = impl_;
  auto limit = [impl](const http::RequestHead& head) { return impl->body_limit(head); };
  for (auto verb : {http::Verb::get, http::Verb::post}) {
    for (const char* prefix : {"/bot", "/file/bot"}) {
      if (impl->edge_forwarder != nullptr) {
        server.route_at_edge(verb, prefix, handler, http::PathMatch::kPrefix, limit);
      } else {
        server.route(verb, prefix, handler, http::PathMatch::kPrefix, limit);
      }
    }
  }
}

void BotApiProxy::serve_at_edge(Forwarder& edge_forwarder) { impl_->edge_forwarder = &edge_forwarder; }

bool BotApiProxy::knows_token(std::string_view token) const { return impl_->find_token(token).has_value(); }

void BotApiProxy::set_desk_address(DeskAddress desk) { impl_->desk = std::move(desk); }

std::size_t BotApiProxy::body_limit(const http::RequestHead& head) const { return impl_->body_limit(head); }

asio::awaitable<http::Response> BotApiProxy::handle(http::Request& request) {
  auto impl = impl_;
  co_return co_await impl->handle(request);
}

void BotApiProxy::keep_for_program(core::ConnectionId id, const std::vector<telegram::Incoming>& batch,
                                   core::UnixMillis now) {
  const ProxyConnection* c = nullptr;
  for (const auto& connection : impl_->connections) {
    if (connection.id == id) c = &connection;
  }
  if (!c) return;
  const std::int64_t confirmed = impl_->confirmed_below(id);
  for (const auto& in : batch) {
    if (in.raw_json.empty() || in.update_id < confirmed) continue;
    auto update = classify_update(in.raw_json, c->group_id);
    if (!update) continue;  // the backend group: the desk's business
    impl_->store.proxy_update_add(
        id, store::ProxyUpdate{in.update_id, update->kind, in.raw_json, dialog_chat(*update)}, now);
  }
}

void BotApiProxy::updates_committed(core::ConnectionId id) { impl_->wake(id); }

void BotApiProxy::start() {
  impl_->started = true;
  for (const auto& c : impl_->connections) impl_->spawn_pusher(c.id);
}

void BotApiProxy::stop() {
  impl_->stopped = true;
  for (auto& [id, timers] : impl_->waiting) {
    for (auto* timer : timers) timer->cancel();
  }
}

}  // namespace topicdesk::proxy
