// MTProto sessions of bots and personal accounts, as the fake libtdjson sees them: each
// session has its own authorization flow (bot token, phone + code, QR, 2FA password) and its
// own stream of TDLib objects (answers to its requests and updates, in one order). Messages
// sent by one session, through the Bot API or "from the owner's phone" appear in the account's
// other sessions as updateNewMessage with is_outgoing, as MTProto reports them.
// Transport-free and single-threaded, like World; the HTTP front is in server/.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sim/model/world.h"

namespace tgsim::td {

enum class AuthState {
  kWaitTdlibParameters,
  kWaitPhoneNumber,
  kWaitCode,
  kWaitOtherDeviceConfirmation,
  kWaitPassword,
  kReady,
  kClosed,
};

// A story an account posted (postStory): what it shows and to whom.
struct Story {
  Id id = 0;
  Id account_id = 0;
  std::string kind;  // "photo" or "video"
  std::string file_id;
  std::string caption;
  std::string privacy;  // the storyPrivacySettings… type
  std::vector<Id> user_ids;
  std::int64_t date = 0;
  std::int64_t active_period = 0;
};

struct Session {
  Id id = 0;        // public number: the control API lists and revokes sessions by it
  std::string key;  // the secret the library keeps in its database_directory
  AuthState state = AuthState::kWaitTdlibParameters;
  Id account_id = 0;       // the signed-in bot or person; 0 until authorized
  Id pending_account = 0;  // whom the code, QR scan or password is for
  std::string code;
  std::string qr_token;
  std::int64_t qr_issued_ms = 0;
  std::string device_model, application_version;
  std::int64_t created = 0;
  Id next_temporary_id = 1;
  std::uint64_t next_seq = 1;
  std::deque<std::pair<std::uint64_t, boost::json::object>> stream;
  std::vector<boost::json::object> backlog;  // updates that arrived while no library was attached
  std::set<Id> known_users, known_chats;     // updateUser / updateNewChat already sent
};

class Sessions {
 public:
  static constexpr std::int64_t kQrLifetimeMs = 30000;
  static constexpr std::size_t kMaxStream = 100000;
  static constexpr int kMaxBatch = 100;

  explicit Sessions(model::World& world);
  // Called with a session id whenever that session's stream grows.
  void on_stream(std::function<void(Id)> callback) { on_stream_ = std::move(callback); }

  // ---- the library's front ----
  // A new session, or the stored one `resume_key` names; 401 if that one is gone (revoked,
  // logged out or tgsim restarted).
  Result<const Session*> open(std::string_view resume_key, const boost::json::object& device);
  // Executes one TDLib request; its answer (with the request's @extra) and the updates it
  // causes are appended to the session's stream.
  Status send(std::string_view key, const boost::json::object& request);
  // Drops stream entries below `offset` and returns up to kMaxBatch of the rest.
  struct Batch {
    boost::json::array objects;
    std::uint64_t next_offset = 0;
  };
  Result<Batch> take(std::string_view key, std::uint64_t offset);
  const Session* find(std::string_view key) const;

  // ---- the control API ----
  Result<std::string> login_code(Id account_id) const;
  Result<Id> confirm_qr(Id account_id, std::string_view link);
  // The QR login links sessions show now ({session_id, link, issued_ms}): what a phone would
  // scan off the screen.
  boost::json::array pending_qr() const;
  Status revoke(Id session_id);
  boost::json::array list(std::optional<Id> account_id) const;
  // The stories accounts posted, oldest first ({id, account_id, kind, file_id, caption, privacy,
  // user_ids, date, active_period}); only `account_id`'s when given.
  boost::json::array stories(std::optional<Id> account_id) const;
  // Simulated time (only the QR links' lifetime depends on it).
  std::int64_t now_ms() const;
  void advance_clock(std::int64_t ms);
  // Replaces expired QR links; the server calls it every second.
  void tick();

 private:
  using Object = boost::json::object;
  using Handler = Result<Object> (Sessions::*)(Session&, const Object&);

  Session* find_mutable(std::string_view key);
  std::string random_key();
  void push(Session& session, Object object);
  void set_state(Session& session, AuthState state);
  Object state_object(const Session& session) const;
  void become_ready(Session& session, Id account_id);
  void after_login(Session& session, Id account_id);
  void issue_qr(Session& session);
  void close_session(Session& session, bool forget);
  void observe(const model::Chat& chat, const model::Message& message, std::string_view kind);
  bool sees(Id account_id, const model::Chat& chat, const model::Message& message) const;
  void introduce_user(Session& session, Id user_id);
  void introduce_chat(Session& session, const model::Chat& chat);
  void introduce_private_chat(Session& session, Id other_id);
  void introduce_for(Session& session, const boost::json::object& update);
  Object message_for(Session& session, const model::Chat& chat, const model::Message& message);
  Result<model::Chat*> chat_for(const Session& session, Id chat_id);
  // The chat and the message a request names (chat_id, message_id), or TDLib's error.
  struct MessageTarget {
    model::Chat* chat = nullptr;
    Id id = 0;
  };
  Result<MessageTarget> message_target(const Session& session, const Object& request);

  // Requests (docs/tdlib-subset.md).
  Result<Object> set_tdlib_parameters(Session& session, const Object& request);
  Result<Object> check_bot_token(Session& session, const Object& request);
  Result<Object> set_phone_number(Session& session, const Object& request);
  Result<Object> check_code(Session& session, const Object& request);
  Result<Object> request_qr(Session& session, const Object& request);
  Result<Object> check_password(Session& session, const Object& request);
  Result<Object> get_authorization_state(Session& session, const Object& request);
  Result<Object> log_out(Session& session, const Object& request);
  Result<Object> close(Session& session, const Object& request);
  Result<Object> get_me(Session& session, const Object& request);
  Result<Object> get_user(Session& session, const Object& request);
  Result<Object> get_chat(Session& session, const Object& request);
  Result<Object> search_public_chat(Session& session, const Object& request);
  Result<Object> search_user_by_phone(Session& session, const Object& request);
  Result<Object> create_private_chat(Session& session, const Object& request);
  Result<Object> send_message(Session& session, const Object& request);
  Result<Object> forward_messages(Session& session, const Object& request);
  Result<Object> edit_message_text(Session& session, const Object& request);
  Result<Object> edit_message_caption(Session& session, const Object& request);
  Result<Object> delete_messages(Session& session, const Object& request);
  Result<Object> get_message(Session& session, const Object& request);
  Result<Object> add_message_reaction(Session& session, const Object& request);
  Result<Object> remove_message_reaction(Session& session, const Object& request);
  Result<Object> set_message_reactions(Session& session, const Object& request);
  Result<Object> post_story(Session& session, const Object& request);
  Result<Object> get_message_thread(Session& session, const Object& request);
  Result<Object> get_option(Session& session, const Object& request);
  Result<Object> set_log_verbosity(Session& session, const Object& request);

  Result<model::MessageInput> message_input(const Object& request);
  Object failed_send(Session& session, const model::Chat& chat, model::MessageInput input,
                     const ApiError& why, Id temporary);
  Object pending_copy(Session& session, const model::Chat& chat, const model::Message& message,
                      Id temporary_id);
  Id temporary_id(Session& session);

  model::World& world_;
  std::mt19937_64 key_rng_;
  std::function<void(Id)> on_stream_;
  std::map<std::string, Session, std::less<>> sessions_;
  std::map<Id, std::string> keys_by_id_;
  std::set<std::string, std::less<>> dead_keys_;  // revoked or logged out: resuming them fails
  Id next_session_id_ = 1;
  std::int64_t clock_offset_ms_ = 0;
  std::vector<Story> stories_;
  Id next_story_id_ = 1;
  Id origin_session_ = 0;                          // the session whose request is being executed
  std::vector<boost::json::object> after_answer_;  // goes into the stream after the answer
};

std::string_view to_string(AuthState state);

}  // namespace tgsim::td
