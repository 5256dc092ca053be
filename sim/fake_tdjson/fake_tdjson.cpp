// The fake libtdjson.so: TDLib's four C functions (docs/tdlib-subset.md) backed by tgsim's
// /td/v1 front over loopback. Each client has a sender thread (requests in order) and a poller
// thread (the session's stream: answers and updates in tgsim's order); both feed one receive
// queue that td_receive drains from the application's thread. The session key lives in
// <database_directory>/tgsim_session.json, so a restarted client resumes its session.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/src.hpp>  // header-only Boost.JSON: the library links no Boost
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sim/fake_tdjson/http_client.h"
#include "sim/model/text.h"
#include "sim/td/td_json.h"
#include "sim/td/td_text.h"

#define TD_EXPORT extern "C" __attribute__((visibility("default")))

namespace tgsim::fake_tdjson {

namespace {

namespace json = boost::json;
using Object = json::object;

constexpr const char* kSessionFile = "tgsim_session.json";
constexpr int kPollTimeoutS = 25;
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kMaxRetry = std::chrono::seconds(2);

Object error_object(int code, std::string message) {
  return Object{{"@type", "error"}, {"code", code}, {"message", std::move(message)}};
}

Object state_update(std::string_view state) {
  return Object{{"@type", "updateAuthorizationState"}, {"authorization_state", Object{{"@type", state}}}};
}

// ---------------------------------------------------------------- offline requests

std::optional<Object> parse_text_entities(const Object& request) {
  const auto* mode = request.if_contains("parse_mode");
  std::string_view type = mode && mode->is_object() ? td::string_of(mode->get_object(), "@type") : "";
  std::string parse_mode = type == "textParseModeHTML"       ? "HTML"
                           : type == "textParseModeMarkdown" ? "MarkdownV2"
                                                             : "";
  if (parse_mode.empty()) return error_object(400, "Parse mode must be non-empty");
  auto formatted = text::format(td::string_of(request, "text"), parse_mode, nullptr);
  if (!formatted) {
    std::string message = formatted.error().description;
    if (auto colon = message.find("can't parse entities"); colon != std::string::npos)
      message = message.substr(colon);
    if (!message.empty()) message[0] = 'C';
    return error_object(400, message);
  }
  // Only the markup's entities: TDLib's parseTextEntities does not detect links or mentions.
  json::array markup;
  for (auto& entity : formatted->entities) {
    auto type_name = td::string_of(entity.as_object(), "type");
    if (type_name != "url" && type_name != "mention" && type_name != "hashtag" && type_name != "bot_command")
      markup.push_back(entity);
  }
  return td::formatted_text(formatted->text, markup);
}

// Requests TDLib answers without a client (td_execute), also accepted by td_send.
std::optional<Object> execute_offline(const Object& request) {
  const std::string type(td::string_of(request, "@type"));
  if (type == "setLogVerbosityLevel" || type == "setLogStream") return Object{{"@type", "ok"}};
  if (type == "getLogVerbosityLevel") return Object{{"@type", "logVerbosityLevel"}, {"verbosity_level", 0}};
  if (type == "getOption" && td::string_of(request, "name") == "version") {
    return Object{{"@type", "optionValueString"}, {"value", td::kTdlibVersion}};
  }
  if (type == "getTextEntities") {
    auto entities = td::td_entities(text::detect_entities(td::string_of(request, "text")));
    return Object{{"@type", "textEntities"}, {"entities", std::move(entities)}};
  }
  if (type == "parseTextEntities") return parse_text_entities(request);
  return std::nullopt;
}

// ---------------------------------------------------------------- the receive queue

class ReceiveQueue {
 public:
  void push(std::string object) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(object));
    }
    ready_.notify_one();
  }
  std::optional<std::string> pop(double timeout_s) {
    std::unique_lock lock(mutex_);
    auto wait = std::chrono::duration<double>(timeout_s > 0 ? timeout_s : 0);
    if (!ready_.wait_for(lock, wait, [&] { return !queue_.empty(); })) return std::nullopt;
    auto out = std::move(queue_.front());
    queue_.pop_front();
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> queue_;
};

// Never destroyed: client threads may still run while the process exits.
ReceiveQueue& receive_queue() {
  static auto* queue = new ReceiveQueue;
  return *queue;
}

// ---------------------------------------------------------------- one client

class Client : public std::enable_shared_from_this<Client> {
 public:
  explicit Client(int id) : id_(id) {}

  void send(Object request) {
    std::unique_lock lock(mutex_);
    if (!started_) {
      started_ = true;
      lock.unlock();
      start();
      lock.lock();
    }
    if (closed_) {
      lock.unlock();
      answer(request, error_object(500, "Request aborted"));
      return;
    }
    if (auto offline = execute_offline(request)) {
      lock.unlock();
      answer(request, std::move(*offline));
      return;
    }
    const std::string type(td::string_of(request, "@type"));
    if (session_key_.empty() && !opening_) {
      lock.unlock();
      before_session(std::move(request), type);
      return;
    }
    outbox_.push_back(std::move(request));
    lock.unlock();
    outbox_ready_.notify_one();
  }

 private:
  // The first request wakes the client, as in TDLib.
  void start() {
    emit(state_update("authorizationStateWaitTdlibParameters"));
    const char* url = std::getenv("TGSIM_URL");
    if (!url || !parse_base_url(url, base_)) {
      emit(error_object(500, std::string("the fake libtdjson needs TGSIM_URL=http://host:port (got '") +
                                 (url ? url : "") + "')"));
      close_now();
      return;
    }
    sender_connection_ = std::make_unique<HttpConnection>(base_);
    auto self = shared_from_this();
    std::thread([self] { self->sender_loop(); }).detach();
  }

  void before_session(Object request, const std::string& type) {
    if (type == "setTdlibParameters") {
      std::lock_guard lock(mutex_);
      opening_ = true;
      outbox_.push_back(std::move(request));
      outbox_ready_.notify_one();
      return;
    }
    if (type == "getAuthorizationState") {
      answer(request, Object{{"@type", "authorizationStateWaitTdlibParameters"}});
      return;
    }
    if (type == "close") {
      answer(request, Object{{"@type", "ok"}});
      emit(state_update("authorizationStateClosing"));
      close_now();
      return;
    }
    answer(request, error_object(400, "Initialization parameters are needed: call setTdlibParameters first"));
  }

  // ---- the sender thread: requests in order ----
  void sender_loop() {
    for (;;) {
      Object request;
      {
        std::unique_lock lock(mutex_);
        outbox_ready_.wait(lock, [&] { return !outbox_.empty() || closed_; });
        if (closed_ && outbox_.empty()) return;
        request = std::move(outbox_.front());
        outbox_.pop_front();
        if (closed_) {
          lock.unlock();
          answer(request, error_object(500, "Request aborted"));
          continue;
        }
      }
      if (td::string_of(request, "@type") == "setTdlibParameters" && key().empty() &&
          !open_session(request)) {
        continue;
      }
      forward(request);
    }
  }

  std::string key() {
    std::lock_guard lock(mutex_);
    return session_key_;
  }

  // Opens (or resumes) the tgsim session; false when the request has been answered here.
  bool open_session(const Object& request) {
    database_directory_ = td::string_of(request, "database_directory");
    if (database_directory_.empty()) database_directory_ = "tdlib";
    Object body{{"device_model", td::string_of(request, "device_model")},
                {"application_version", td::string_of(request, "application_version")}};
    const auto stored = read_session_file();
    if (!stored.empty()) body["resume_key"] = stored;
    auto result = call_with_retry(*sender_connection_, "POST", "/td/v1/sessions", json::serialize(body));
    if (!result) {
      answer(request, error_object(500, "Request aborted"));
      return false;
    }
    if (result->status == 401) {
      // The stored session was revoked, logged out, or tgsim restarted: TDLib logs out.
      answer(request, Object{{"@type", "ok"}});
      lose_session();
      return false;
    }
    boost::system::error_code ec;
    auto parsed = json::parse(result->body, ec);
    if (ec || result->status != 200 || !parsed.is_object()) {
      answer(request,
             error_object(500, "tgsim answered " + std::to_string(result->status) + ": " + result->body));
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      session_key_ = td::string_of(parsed.as_object(), "session_key");
    }
    emit(Object{{"@type", "updateConnectionState"}, {"state", Object{{"@type", "connectionStateReady"}}}});
    auto self = shared_from_this();
    std::thread([self] { self->poll_loop(); }).detach();
    return true;
  }

  void forward(const Object& request) {
    const std::string path = "/td/v1/sessions/" + key() + "/send";
    auto result = call_with_retry(*sender_connection_, "POST", path, json::serialize(request));
    if (!result) {
      answer(request, error_object(500, "Request aborted"));
      return;
    }
    if (result->status == 401) {
      answer(request, error_object(401, "Unauthorized"));
      lose_session();
    } else if (result->status != 200) {
      answer(request,
             error_object(500, "tgsim answered " + std::to_string(result->status) + ": " + result->body));
    }
    // Otherwise the answer arrives through the session's stream, in order with the updates.
  }

  // Retries while tgsim cannot be reached (TDLib waits for the network too); nullopt once the
  // client is closed.
  std::optional<HttpResult> call_with_retry(HttpConnection& connection, std::string_view method,
                                            const std::string& path, const std::string& body,
                                            int timeout_s = 30) {
    auto delay = std::chrono::steady_clock::duration(kFirstRetry);
    bool reported = false;
    for (;;) {
      if (is_closed()) return std::nullopt;
      auto result = connection.request(method, path, body, timeout_s);
      if (result.status != 0) {
        if (reported) connection_state("connectionStateReady");
        return result;
      }
      if (!reported) connection_state("connectionStateConnecting");
      reported = true;
      std::this_thread::sleep_for(delay);  // back-off between reconnection attempts
      delay = std::min<std::chrono::steady_clock::duration>(delay * 2, kMaxRetry);
    }
  }

  // ---- the poller thread: the session's stream ----
  void poll_loop() {
    HttpConnection connection(base_);
    std::uint64_t offset = 0;
    while (!is_closed()) {
      const std::string path = "/td/v1/sessions/" + key() + "/updates?offset=" + std::to_string(offset) +
                               "&timeout=" + std::to_string(kPollTimeoutS);
      auto result = call_with_retry(connection, "GET", path, "", kPollTimeoutS + 10);
      if (!result) return;
      if (result->status == 401) {
        lose_session();
        return;
      }
      boost::system::error_code ec;
      auto parsed = json::parse(result->body, ec);
      if (ec || result->status != 200 || !parsed.is_object()) continue;
      auto& batch = parsed.as_object();
      if (const auto* next = batch.if_contains("next_offset");
          next && (next->is_uint64() || next->is_int64())) {
        offset = next->is_uint64() ? next->get_uint64()
                                   : static_cast<std::uint64_t>(std::max<std::int64_t>(0, next->get_int64()));
      }
      const auto* objects = batch.if_contains("updates");
      if (!objects || !objects->is_array()) continue;
      for (const auto& object : objects->get_array()) {
        if (object.is_object()) deliver(object.get_object());
      }
    }
  }

  void deliver(const Object& object) {
    if (is_closed()) return;  // the sender thread already reported the session as lost
    if (td::string_of(object, "@type") == "updateAuthorizationState") {
      const auto* state = object.if_contains("authorization_state");
      const std::string_view name =
          state && state->is_object() ? td::string_of(state->get_object(), "@type") : "";
      if (name == "authorizationStateReady") write_session_file();
      if (name == "authorizationStateLoggingOut") remove_session_file();
      if (name == "authorizationStateClosed") {
        close_now();  // reports authorizationStateClosed itself, once
        return;
      }
    }
    emit(object);
  }

  // ---- the session file ----
  std::filesystem::path session_file() const {
    return std::filesystem::path(database_directory_) / kSessionFile;
  }

  std::string read_session_file() const {
    std::ifstream in(session_file());
    if (!in) return {};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto parsed = json::parse(text, ec);
    return std::string(!ec && parsed.is_object() ? td::string_of(parsed.as_object(), "session_key") : "");
  }

  void write_session_file() {
    std::error_code ec;
    std::filesystem::create_directories(database_directory_, ec);
    const auto path = session_file();
    {
      std::ofstream out(path, std::ios::trunc);
      out << json::serialize(Object{{"session_key", key()}}) << "\n";
    }
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }

  void remove_session_file() {
    std::error_code ec;
    std::filesystem::remove(session_file(), ec);
  }

  // The session is gone in tgsim: what TDLib reports when its authorization is revoked.
  void lose_session() {
    if (is_closed()) return;
    remove_session_file();
    emit(state_update("authorizationStateLoggingOut"));
    emit(state_update("authorizationStateClosing"));
    close_now();
  }

  // ---- helpers ----
  bool is_closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  void close_now() {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
    }
    outbox_ready_.notify_all();
    emit(state_update("authorizationStateClosed"));
  }

  void connection_state(std::string_view state) {
    emit(Object{{"@type", "updateConnectionState"}, {"state", Object{{"@type", state}}}});
  }

  void answer(const Object& request, Object out) {
    if (const auto* extra = request.if_contains("@extra")) out["@extra"] = *extra;
    emit(std::move(out));
  }

  void emit(Object object) {
    object["@client_id"] = id_;
    receive_queue().push(json::serialize(object));
  }

  const int id_;
  BaseUrl base_;
  std::unique_ptr<HttpConnection> sender_connection_;  // used by the sender thread only
  std::string database_directory_;
  std::mutex mutex_;
  std::condition_variable outbox_ready_;
  std::deque<Object> outbox_;
  std::string session_key_;
  bool started_ = false;
  bool opening_ = false;
  bool closed_ = false;
};

class Clients {
 public:
  int create() {
    std::lock_guard lock(mutex_);
    const int id = next_id_++;
    clients_[id] = std::make_shared<Client>(id);
    return id;
  }
  std::shared_ptr<Client> find(int id) {
    std::lock_guard lock(mutex_);
    auto found = clients_.find(id);
    return found == clients_.end() ? nullptr : found->second;
  }

 private:
  std::mutex mutex_;
  std::map<int, std::shared_ptr<Client>> clients_;
  int next_id_ = 1;
};

Clients& clients() {
  static auto* all = new Clients;
  return *all;
}

std::optional<Object> parse_request(const char* request) {
  if (!request) return std::nullopt;
  boost::system::error_code ec;
  auto parsed = json::parse(request, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.as_object());
}

}  // namespace

}  // namespace tgsim::fake_tdjson

using namespace tgsim::fake_tdjson;

TD_EXPORT int td_create_client_id() { return clients().create(); }

TD_EXPORT void td_send(int client_id, const char* request) {
  auto client = clients().find(client_id);
  auto parsed = parse_request(request);
  if (!parsed) {
    auto error = error_object(400, "Failed to parse JSON object as TDLib request");
    error["@client_id"] = client_id;
    receive_queue().push(json::serialize(error));
    return;
  }
  if (!client) {
    auto error = error_object(400, "Invalid TDLib instance specified");
    if (const auto* extra = parsed->if_contains("@extra")) error["@extra"] = *extra;
    error["@client_id"] = client_id;
    receive_queue().push(json::serialize(error));
    return;
  }
  client->send(std::move(*parsed));
}

TD_EXPORT const char* td_receive(double timeout) {
  // Valid until the next td_receive, as in TDLib (one receiving thread).
  static std::string last;
  auto next = receive_queue().pop(timeout);
  if (!next) return nullptr;
  last = std::move(*next);
  return last.c_str();
}

TD_EXPORT const char* td_execute(const char* request) {
  thread_local std::string last;
  auto parsed = parse_request(request);
  Object out;
  if (!parsed) {
    out = error_object(400, "Failed to parse JSON object as TDLib request");
  } else if (auto answer = execute_offline(*parsed)) {
    out = std::move(*answer);
    if (const auto* extra = parsed->if_contains("@extra")) out["@extra"] = *extra;
  } else {
    out = error_object(400, "The method can't be executed synchronously");
    if (const auto* extra = parsed->if_contains("@extra")) out["@extra"] = *extra;
  }
  last = json::serialize(out);
  return last.c_str();
}
