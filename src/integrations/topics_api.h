// The Topics API: POST /api/v1/topic_action with {"action": ...} and the caller's
// key in X-API-KEY. Actions: info_by_topic, dialog_by_user, list_dialogs, send_message,
// set_status, assign here; templates, labels, segments and broadcasts in
// topics_api_<concern>.cpp; GET /api/v1/analytics(.csv) in topics_api_analytics.cpp
// (docs/api.md, the OpenAPI document at GET /api/v1/openapi.json).
//
// TopicsApi is the handler without HTTP, so tests drive it directly; add_topics_api_routes()
// puts it on the desk's server. It runs on the desk's event loop, like the engines it calls.
// With several desk instances on one database a request is answered by the instance that runs
// its key's connection: the others forward it there (owner_forwarding.h), after the key check
// and before anything else (the rate limit is the owner's).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "integrations/api_keys.h"
#include "integrations/owner_forwarding.h"
#include "integrations/rate_limiter.h"
#include "relay/engine.h"
#include "store/store.h"

namespace topicdesk::http {
class Server;
}

namespace topicdesk::integrations {

struct ApiConnection {
  relay::Engine* engine = nullptr;  // the connection's engine: its context names id, group, parameters
  std::string frontend = "bot";     // how end users reach it: bot, proxy, mtproto, account
};

struct TopicsApiOptions {
  RateLimit rate_limit;
  std::size_t body_limit = 64 * 1024;  // bytes of one request body
};

struct ApiResponse {
  unsigned status = 200;
  std::string body;                      // JSON
  std::int64_t retry_after_seconds = 0;  // 429: the Retry-After header
  // JSON, or text/csv for the analytics tables
  std::string content_type = "application/json";
};

// {"ok":false,"error":{"code":code,"message":message}}; `code` is the API's own word
// (docs/api.md), `kind` picks the HTTP status through http::status_for().
std::string api_error_body(std::string_view code, std::string_view message);
ApiResponse api_error(core::ErrorCode kind, std::string_view code, std::string_view message);

class TopicsApi {
 public:
  TopicsApi(store::Store& store, std::vector<ApiConnection> connections, TopicsApiOptions options,
            std::function<void()> on_outbox = {});
  // Connections made, started or removed while the desk runs (docs/setup.md); call them on the
  // loop the requests are handled on. add replaces a connection with the same id.
  void add_connection(ApiConnection connection);
  void remove_connection(core::ConnectionId id);

  // One request. `now`: wall clock (what the store records); `monotonic_ms`: a steady clock
  // for rate limits and the key cache. authenticate() and then act().
  ApiResponse topic_action(std::string_view api_key, std::string_view body, core::UnixMillis now,
                           std::int64_t monotonic_ms);

  // The first step of a request: the connection its key opens, or the answer instead (body
  // too large, no key, a wrong key).
  struct Authenticated {
    core::ConnectionId connection = 0;
    std::optional<ApiResponse> refused;
  };
  Authenticated authenticate(std::string_view api_key, std::size_t body_size, std::int64_t monotonic_ms);
  // The rest, here: the rate limit and the action.
  ApiResponse act(core::ConnectionId connection, std::string_view body, core::UnixMillis now,
                  std::int64_t monotonic_ms);
  // GET /api/v1/analytics (csv: /api/v1/analytics.csv) after authenticate(): the rate limit and
  // the report of the key's connection (topics_api_analytics.cpp). `target`: path and query.
  ApiResponse analytics(core::ConnectionId connection, std::string_view target, bool csv,
                        core::UnixMillis now, std::int64_t monotonic_ms);
  // The connection's name for messages (its id when no engine of it is known here).
  std::string connection_name(core::ConnectionId id) const;

  const TopicsApiOptions& options() const { return options_; }

 private:
  struct Call;
  // A dialog the request names, or the error to answer.
  struct Lookup {
    std::optional<store::Dialog> dialog;
    std::optional<core::Person> person;
    ApiResponse error;
  };
  ApiResponse run(Call& call);
  Lookup dialog_of_topic(Call& call);
  Lookup dialog_of_user(Call& call);
  ApiResponse dialog_answer(Call& call, const Lookup& found);
  ApiResponse info_by_topic(Call& call);
  ApiResponse dialog_by_user(Call& call);
  ApiResponse list_dialogs(Call& call);
  ApiResponse send_message(Call& call);
  ApiResponse set_status(Call& call);
  ApiResponse assign(Call& call);
  Lookup dialog_named(Call& call);  // by topic_id (group_id) or link, or by user_id
  // The answer to an action that changed dialog `id` (`changed`: the dialog now; nullopt: it went
  // away meanwhile, 404).
  ApiResponse changed_dialog(Call& call, core::DialogId id, const std::optional<store::Dialog>& changed);

  const ApiConnection* connection(core::ConnectionId id) const;
  // A request of the key's connection may go on: its connection runs here and its rate allows
  // it. Else the answer (401, 429 with retry_after_seconds), and `conn` is left unset.
  std::optional<ApiResponse> admit(core::ConnectionId id, std::int64_t monotonic_ms,
                                   const ApiConnection*& conn);

  store::Store& store_;
  std::vector<ApiConnection> connections_;
  TopicsApiOptions options_;
  std::function<void()> on_outbox_;
  ApiKeyCache keys_;
  RateLimiter limiter_;
};

// POST /api/v1/topic_action, GET /api/v1/analytics(.csv), GET /api/v1/openapi.json, and the
// API's error shape for the answers the server gives itself under /api/ (404, 405, 413). With
// `owners`, requests of connections another instance runs are forwarded there; without,
// everything runs here.
void add_topics_api_routes(http::Server& server, std::shared_ptr<TopicsApi> api,
                           std::shared_ptr<OwnerForwarder> owners = nullptr);

// What the running desk calls: the routes, with the [api] rate limit of the configuration.
// `on_outbox` runs after an action queued messages. `owners`: see add_topics_api_routes.
// Returns the handler, so connections can be added and removed later.
std::shared_ptr<TopicsApi> add_topics_api(http::Server& server, store::Store& store,
                                          std::vector<ApiConnection> connections, RateLimit rate_limit,
                                          std::function<void()> on_outbox,
                                          std::shared_ptr<OwnerForwarder> owners = nullptr);

}  // namespace topicdesk::integrations
