#include "integrations/topics_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/clock.h"
#include "core/presentation.h"
#include "core/utf8.h"
#include "http/error_status.h"
#include "http/server.h"
#include "integrations/openapi.h"
#include "integrations/topics_api_broadcasts.h"
#include "integrations/topics_api_call.h"
#include "integrations/topics_api_labels.h"
#include "integrations/topics_api_payments.h"
#include "integrations/topics_api_segments.h"
#include "integrations/topics_api_tables.h"
#include "integrations/topics_api_templates.h"
#include "relay/ownership.h"

namespace topicdesk::integrations {
namespace json = boost::json;
using core::UnixMillis;
using store::Dialog;
using store::DialogStatus;

namespace {

constexpr std::int64_t kDefaultListLimit = 50;
constexpr std::int64_t kMaxListLimit = 100;
constexpr std::size_t kMaxTextUnits = 4096;  // Telegram's message length, UTF-16 units
constexpr std::size_t kMaxSenderUnits = 64;
constexpr std::size_t kMaxLinkBytes = 256;
constexpr std::string_view kDefaultSender = "API";

std::int64_t unix_seconds(UnixMillis millis) { return millis / 1000; }

// A topic as the request names it: a t.me link or group_id + topic_id.
struct TopicRef {
  core::ChatId group = 0;
  core::ThreadId topic = 0;
};

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// https://t.me/c/<group id without -100>/<topic>[/<message>] (scheme optional).
std::optional<TopicRef> parse_topic_link(std::string_view link) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (link.starts_with(scheme)) link.remove_prefix(scheme.size());
  }
  constexpr std::string_view kPrefix = "t.me/c/";
  if (!link.starts_with(kPrefix)) return std::nullopt;
  link.remove_prefix(kPrefix.size());
  link = link.substr(0, link.find_first_of("?#"));
  std::vector<std::string_view> parts;
  while (!link.empty()) {
    auto slash = link.find('/');
    parts.push_back(link.substr(0, slash));
    link = slash == std::string_view::npos ? std::string_view() : link.substr(slash + 1);
  }
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  auto group = parse_int("-100" + std::string(parts[0]));
  auto topic = parse_int(parts[1]);
  if (parts[0].empty() || parts[0].front() == '-' || !group || !topic || *topic <= 0) return std::nullopt;
  return TopicRef{*group, *topic};
}

core::UserView user_view(const Dialog& dialog, const std::optional<core::Person>& person,
                         const core::Parameters& params) {
  return core::UserView{person.value_or(core::Person{.id = dialog.user_id}), dialog.pseudonym,
                        params.hide_info, params.status_icons};
}

}  // namespace

std::string api_error_body(std::string_view code, std::string_view message) {
  json::object error{{"code", code}, {"message", message}};
  return json::serialize(json::object{{"ok", false}, {"error", std::move(error)}});
}

ApiResponse api_error(core::ErrorCode kind, std::string_view code, std::string_view message) {
  return ApiResponse{http::status_for(kind), api_error_body(code, message)};
}

struct TopicsApi::Call {
  Fields fields;
  const ApiConnection& connection;
  UnixMillis now;
  const json::object& request;  // for the actions of other files (topics_api_<concern>.cpp)

  const relay::ConnectionContext& context() const { return connection.engine->context(); }
  const core::Parameters& params() const { return context().params; }
};

TopicsApi::TopicsApi(store::Store& store, std::vector<ApiConnection> connections, TopicsApiOptions options,
                     std::function<void()> on_outbox)
    : store_(store),
      connections_(std::move(connections)),
      options_(options),
      on_outbox_(std::move(on_outbox)),
      keys_(store),
      limiter_(options.rate_limit) {}

void TopicsApi::add_connection(ApiConnection connection) {
  remove_connection(connection.engine->context().id);
  connections_.push_back(std::move(connection));
}

void TopicsApi::remove_connection(core::ConnectionId id) {
  std::erase_if(connections_,
                [id](const ApiConnection& c) { return c.engine && c.engine->context().id == id; });
}

const ApiConnection* TopicsApi::connection(core::ConnectionId id) const {
  for (const auto& c : connections_) {
    if (c.engine && c.engine->context().id == id) return &c;
  }
  return nullptr;
}

ApiResponse TopicsApi::topic_action(std::string_view api_key, std::string_view body, UnixMillis now,
                                    std::int64_t monotonic_ms) {
  auto who = authenticate(api_key, body.size(), monotonic_ms);
  if (who.refused) return *who.refused;
  return act(who.connection, body, now, monotonic_ms);
}

TopicsApi::Authenticated TopicsApi::authenticate(std::string_view api_key, std::size_t body_size,
                                                 std::int64_t monotonic_ms) {
  if (body_size > options_.body_limit) {
    return {0, api_error(core::ErrorCode::kTooLarge, "body_too_large",
                         fmt::format("request body larger than {} bytes", options_.body_limit))};
  }
  if (api_key.empty())
    return {0, api_error(core::ErrorCode::kUnauthorized, "unauthorized", "the X-API-KEY header is missing")};
  auto connection_id = keys_.connection_for(api_key, monotonic_ms);
  if (!connection_id)
    return {0, api_error(core::ErrorCode::kUnauthorized, "unauthorized", "the API key is not valid")};
  return {*connection_id, std::nullopt};
}

std::string TopicsApi::connection_name(core::ConnectionId id) const {
  if (const ApiConnection* conn = connection(id)) return conn->engine->context().name;
  return std::to_string(id);
}

std::optional<ApiResponse> TopicsApi::admit(core::ConnectionId id, std::int64_t monotonic_ms,
                                            const ApiConnection*& conn) {
  conn = connection(id);
  if (!conn)
    return api_error(core::ErrorCode::kUnauthorized, "unauthorized",
                     "the API key's connection is not running on this desk");
  if (auto wait_ms = limiter_.acquire(id, monotonic_ms); wait_ms > 0) {
    auto response = api_error(core::ErrorCode::kRateLimited, "rate_limited",
                              "too many requests for this API key; retry later");
    response.retry_after_seconds = (wait_ms + 999) / 1000;
    return response;
  }
  return std::nullopt;
}

ApiResponse TopicsApi::act(core::ConnectionId connection_id, std::string_view body, UnixMillis now,
                           std::int64_t monotonic_ms) {
  const ApiConnection* conn = nullptr;
  if (auto refused = admit(connection_id, monotonic_ms, conn)) return *refused;
  boost::system::error_code ec;
  json::value request = json::parse(body, ec);
  if (ec)
    return api_error(core::ErrorCode::kInvalid, "invalid_json",
                     "the body is not valid JSON: " + ec.message());
  if (!request.is_object())
    return api_error(core::ErrorCode::kInvalid, "invalid_json", "the body must be a JSON object");
  Call call{Fields(request.get_object()), *conn, now, request.get_object()};
  return run(call);
}

ApiResponse TopicsApi::run(Call& call) {
  auto action = call.fields.text("action", true, 64);
  if (call.fields.failed()) return call.fields.error();
  if (*action == "info_by_topic") return info_by_topic(call);
  if (*action == "dialog_by_user") return dialog_by_user(call);
  if (*action == "list_dialogs") return list_dialogs(call);
  if (*action == "send_message") return send_message(call);
  if (*action == "set_status") return set_status(call);
  if (*action == "assign") return assign(call);
  if (auto answer = template_action(store_, call.context(), *action, call.request, call.now))  // templates
    return *answer;
  if (auto answer =
          label_action(store_, *call.connection.engine, *action, call.request, call.now, on_outbox_))
    return *answer;  // labels
  if (auto answer = segment_action(store_, call.context(), *action, call.request, call.now))
    return *answer;  // segments
  if (auto answer =
          broadcast_action(store_, *call.connection.engine, *action, call.request, call.now, on_outbox_))
    return *answer;  // broadcasts
  if (auto answer = payment_action(store_, call.context(), *action, call.request))
    return *answer;  // payments
  if (auto answer = table_action(store_, call.context(), *action, call.request, call.now))
    return *answer;  // shared data tables
  return api_error(
      core::ErrorCode::kInvalid, "unknown_action",
      fmt::format("field \"action\": unknown action \"{}\" (known: info_by_topic, dialog_by_user, "
                  "list_dialogs, send_message, set_status, assign, list_templates, get_template, "
                  "put_template, delete_template, list_labels, set_label, remove_label, dialog_labels, "
                  "segment_count, segment_list, create_broadcast, confirm_broadcast, pause_broadcast, "
                  "resume_broadcast, cancel_broadcast, broadcast_status, broadcast_report, dialog_payments, "
                  "list_tables, get_table, put_table, "
                  "delete_table)",
                  *action));
}

// ---- JSON of the answers ---------------------------------------------------------------------

namespace {

json::object connection_json(const ApiConnection& connection) {
  const auto& context = connection.engine->context();
  return {{"instance_id", context.id}, {"name", context.name}, {"frontend", connection.frontend}};
}

json::object dialog_json(store::Store& store, const Dialog& dialog, const core::UserView& view) {
  UnixMillis last_activity = std::max({dialog.created_at, dialog.last_user_message_at,
                                       dialog.last_operator_reply_at, dialog.status_changed_at});
  json::object o{
      {"id", dialog.id},
      {"status", store::to_string(dialog.status)},
      {"title", relay::dialog_topic_title(store, dialog, view, relay::topic_status(dialog.status))},
      {"chat_id", dialog.group_id},
      {"thread_id", dialog.thread_id},
      {"created_at", unix_seconds(dialog.created_at)},
      {"last_activity", unix_seconds(last_activity)},
      {"last_user_message_at", unix_seconds(dialog.last_user_message_at)},
      {"last_operator_reply_at", unix_seconds(dialog.last_operator_reply_at)},
      {"banned", dialog.banned},
      {"user_blocked_bot", dialog.user_blocked_bot},
  };
  auto start = store.state_get(dialog.connection_id, relay::start_parameter_key(dialog.id));
  o["start_parameter"] = start.value_or("");
  if (dialog.owner_id == 0) {
    o["owner"] = nullptr;
  } else {
    auto owner = store.operator_by_id(dialog.group_id, dialog.owner_id);
    o["owner"] =
        json::object{{"id", dialog.owner_id}, {"name", relay::operator_name(owner, dialog.owner_id)}};
  }
  return o;
}

// HIDE_INFO as /info for an operator not on EXTENSIONS_ALLOWED: the pseudonym and the
// language only; the real name, username, id, phone, linked account and fields are left out.
json::object user_json(store::Store& store, const Dialog& dialog, const core::UserView& view) {
  const core::Person& person = view.person;
  if (view.hide_info != core::HideInfo::kOff) {
    return {{"hidden", true}, {"pseudonym", dialog.pseudonym}, {"language_code", person.language_code}};
  }
  json::object o{
      {"hidden", false},
      {"user_id", dialog.user_id},
      {"first_name", person.first_name},
      {"last_name", person.last_name},
      {"username", person.username},
      {"language_code", person.language_code},
      {"phone", person.phone},
  };
  auto link = store.user_link(dialog.connection_id, dialog.user_id);
  o["linked_account"] = link ? json::value(*link) : json::value(nullptr);
  json::object fields;
  for (auto& [key, value] : store.user_fields(dialog.connection_id, dialog.user_id)) fields[key] = value;
  o["fields"] = std::move(fields);
  return o;
}

}  // namespace

// ---- actions ---------------------------------------------------------------------------------

TopicsApi::Lookup TopicsApi::dialog_of_topic(Call& call) {
  auto& f = call.fields;
  const auto& context = call.context();
  TopicRef ref;
  if (f.has("link")) {
    auto link = f.text("link", true, kMaxLinkBytes);
    auto parsed = link ? parse_topic_link(*link) : std::nullopt;
    if (link && !parsed) f.fail("link", "must look like https://t.me/c/<group>/<topic>");
    if (f.failed()) return {.error = f.error()};
    ref = *parsed;
  } else {
    auto group = f.integer("group_id", false, std::numeric_limits<std::int64_t>::min(), kMaxId);
    auto topic = f.integer("topic_id", true, 1, kMaxId);
    if (f.failed()) return {.error = f.error()};
    ref = TopicRef{group.value_or(context.group_id), *topic};
  }
  std::optional<Dialog> dialog;
  if (ref.group == context.group_id) dialog = store_.dialog_by_thread(ref.group, ref.topic);
  if (!dialog || dialog->connection_id != context.id) {
    return {.error = api_error(core::ErrorCode::kNotFound, "unknown_topic",
                               fmt::format("topic {} of group {} is not a dialog of connection {}", ref.topic,
                                           ref.group, context.name))};
  }
  return {.dialog = dialog, .person = store_.user(context.id, dialog->user_id)};
}

TopicsApi::Lookup TopicsApi::dialog_of_user(Call& call) {
  auto& f = call.fields;
  const auto& context = call.context();
  auto user = f.integer("user_id", true, 1, kMaxId);
  if (f.failed()) return {.error = f.error()};
  auto person = store_.user(context.id, *user);
  auto dialog = store_.dialog_by_user(context.id, *user);
  if (!person && !dialog) {
    return {.error = api_error(core::ErrorCode::kNotFound, "unknown_user",
                               fmt::format("user {} never wrote to connection {}", *user, context.name))};
  }
  if (!dialog) {
    return {.error = api_error(core::ErrorCode::kNotFound, "unknown_dialog",
                               fmt::format("user {} has no dialog with connection {}", *user, context.name))};
  }
  return {.dialog = dialog, .person = person};
}

ApiResponse TopicsApi::dialog_answer(Call& call, const Lookup& found) {
  if (!found.dialog) return found.error;
  auto view = user_view(*found.dialog, found.person, call.params());
  return ok({{"connection", connection_json(call.connection)},
             {"dialog", dialog_json(store_, *found.dialog, view)},
             {"user", user_json(store_, *found.dialog, view)}});
}

ApiResponse TopicsApi::info_by_topic(Call& call) { return dialog_answer(call, dialog_of_topic(call)); }

ApiResponse TopicsApi::dialog_by_user(Call& call) { return dialog_answer(call, dialog_of_user(call)); }

ApiResponse TopicsApi::list_dialogs(Call& call) {
  auto& f = call.fields;
  auto status = f.status("status", "user_answered, support_answered or closed");
  if (f.failed()) return f.error();
  auto limit = f.integer("limit", false, 1, kMaxListLimit);
  auto after = f.integer("after", false, 0, kMaxId);
  if (f.failed()) return f.error();
  int page_size = static_cast<int>(limit.value_or(kDefaultListLimit));
  auto page = store_.dialogs_page(call.context().id, status, after.value_or(0), page_size);
  json::array dialogs;
  for (const auto& entry : page) {
    auto view = user_view(entry.dialog, entry.user, call.params());
    dialogs.push_back(json::object{{"dialog", dialog_json(store_, entry.dialog, view)},
                                   {"user", user_json(store_, entry.dialog, view)}});
  }
  json::value next = nullptr;
  if (static_cast<int>(page.size()) == page_size) next = page.back().dialog.id;
  return ok({{"dialogs", std::move(dialogs)}, {"next_after", next}});
}

ApiResponse TopicsApi::send_message(Call& call) {
  auto& f = call.fields;
  const auto& context = call.context();
  auto user = f.integer("user_id", true, 1, kMaxId);
  auto text = f.text("text", true, kMaxTextUnits);
  auto sender = f.text("sender", false, kMaxSenderUnits);
  if (f.failed()) return f.error();
  std::string sender_name =
      sender && !core::trim(*sender).empty() ? core::trim(*sender) : std::string(kDefaultSender);
  auto sent = call.connection.engine->api_send_message(*user, *text, sender_name, call.now);
  if (!sent) {
    return api_error(core::ErrorCode::kNotFound, "unknown_user",
                     fmt::format("user {} never wrote to connection {}", *user, context.name));
  }
  if (on_outbox_) on_outbox_();
  auto person = store_.user(context.id, *user);
  auto view = user_view(sent->dialog, person, call.params());
  return ok({{"dialog", dialog_json(store_, sent->dialog, view)}, {"dialog_created", sent->dialog_created}});
}

ApiResponse TopicsApi::set_status(Call& call) {
  auto& f = call.fields;
  if (!f.present("status")) {
    f.fail("status", "is required (a status name, or null to clear)", "missing_field");
    return f.error();
  }
  auto status = f.status("status", "user_answered, support_answered, closed or null");
  if (f.failed()) return f.error();
  Lookup found = dialog_named(call);
  if (!found.dialog) return found.error;
  return changed_dialog(call, found.dialog->id,
                        call.connection.engine->api_set_status(found.dialog->id, status, call.now));
}

ApiResponse TopicsApi::changed_dialog(Call& call, core::DialogId id,
                                      const std::optional<store::Dialog>& changed) {
  if (!changed)
    return api_error(core::ErrorCode::kNotFound, "unknown_dialog",
                     fmt::format("dialog {} no longer exists", id));
  if (on_outbox_) on_outbox_();
  auto view = user_view(*changed, store_.user(call.context().id, changed->user_id), call.params());
  return ok({{"dialog", dialog_json(store_, *changed, view)}});
}

TopicsApi::Lookup TopicsApi::dialog_named(Call& call) {
  auto& f = call.fields;
  bool by_topic = f.has("topic_id") || f.has("link");
  if (by_topic && f.has("user_id")) {
    f.fail("user_id", "cannot be given together with topic_id or link");
    Lookup failed;
    failed.error = f.error();
    return failed;
  }
  return by_topic ? dialog_of_topic(call) : dialog_of_user(call);
}

// The dialog's owner: an operator of the backend group (one who has written there), or null.
ApiResponse TopicsApi::assign(Call& call) {
  auto& f = call.fields;
  const auto& context = call.context();
  if (!f.present("owner_id")) {
    f.fail("owner_id", "is required (an operator's user id, or null for nobody)", "missing_field");
    return f.error();
  }
  auto owner = f.integer("owner_id", false, 1, kMaxId);
  if (f.failed()) return f.error();
  Lookup found = dialog_named(call);
  if (!found.dialog) return found.error;
  if (owner && !store_.operator_by_id(context.group_id, *owner))
    return api_error(core::ErrorCode::kNotFound, "unknown_operator",
                     fmt::format("field \"owner_id\": {} is not an operator of the backend group (operators "
                                 "become known once they write in it)",
                                 *owner));
  return changed_dialog(call, found.dialog->id,
                        call.connection.engine->api_assign(found.dialog->id, owner.value_or(0), call.now));
}

// ---- configuration and HTTP --------------------------------------------------------------------

namespace {

http::Response to_http(const ApiResponse& answer) {
  http::Response response = http::text_response(answer.status, answer.body, answer.content_type);
  if (answer.retry_after_seconds > 0) {
    response.set(boost::beast::http::field::retry_after, std::to_string(answer.retry_after_seconds));
  }
  return response;
}

std::string_view error_code_for(unsigned status) {
  switch (status) {
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "body_too_large";
    case 400:
      return "bad_request";
    default:
      return "internal_error";
  }
}

std::int64_t monotonic_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void add_topics_api_routes(http::Server& server, std::shared_ptr<TopicsApi> api,
                           std::shared_ptr<OwnerForwarder> owners) {
  using boost::asio::awaitable;
  server.route(
      http::Verb::post, "/api/v1/topic_action",
      [api, owners](http::Request& request) -> awaitable<http::Response> {
        std::string_view key = request["X-API-KEY"];
        const std::int64_t monotonic = monotonic_millis();
        auto who = api->authenticate(key, request.body().size(), monotonic);
        if (who.refused) co_return to_http(*who.refused);
        // Another instance runs the connection: its engine answers, not ours.
        if (owners && !owners->runs_here(who.connection)) {
          co_return co_await owners->forward(request, who.connection, api->connection_name(who.connection));
        }
        co_return to_http(api->act(who.connection, request.body(), core::unix_millis_now(), monotonic));
      });
  for (bool csv : {false, true}) {
    server.route(
        http::Verb::get, csv ? "/api/v1/analytics.csv" : "/api/v1/analytics",
        [api, owners, csv](http::Request& request) -> awaitable<http::Response> {
          const std::int64_t monotonic = monotonic_millis();
          auto who = api->authenticate(request["X-API-KEY"], request.body().size(), monotonic);
          if (who.refused) co_return to_http(*who.refused);
          if (owners && !owners->runs_here(who.connection)) {
            co_return co_await owners->forward(request, who.connection, api->connection_name(who.connection));
          }
          co_return to_http(
              api->analytics(who.connection, request.target(), csv, core::unix_millis_now(), monotonic));
        });
  }
  server.route(http::Verb::get, "/api/v1/openapi.json", [](http::Request&) -> awaitable<http::Response> {
    co_return http::text_response(200, std::string(openapi_json()), "application/json");
  });
  server.error_format("/api/", [](unsigned status, std::string_view message) {
    return to_http(ApiResponse{status, api_error_body(error_code_for(status), message)});
  });
}

std::shared_ptr<TopicsApi> add_topics_api(http::Server& server, store::Store& store,
                                          std::vector<ApiConnection> connections, RateLimit rate_limit,
                                          std::function<void()> on_outbox,
                                          std::shared_ptr<OwnerForwarder> owners) {
  TopicsApiOptions options;
  options.rate_limit = rate_limit;
  spdlog::info("topics api: /api/v1/topic_action for {} connection(s), {} requests/s per key (burst {})",
               connections.size(), options.rate_limit.per_second, options.rate_limit.burst);
  auto api = std::make_shared<TopicsApi>(store, std::move(connections), options, std::move(on_outbox));
  add_topics_api_routes(server, api, std::move(owners));
  return api;
}

}  // namespace topicdesk::integrations
