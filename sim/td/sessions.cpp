#include "sim/td/sessions.h"

#include <chrono>
#include <utility>

#include "sim/model/json_util.h"
#include "sim/model/text.h"
#include "sim/td/td_json.h"
#include "sim/td/td_render.h"
#include "sim/td/td_text.h"

namespace tgsim::td {

namespace json = boost::json;
using model::Chat;
using model::Message;

namespace {

constexpr std::string_view kKeyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kQrPrefix = "tg://login?token=";

const ApiError kUnauthorized{401, "Unauthorized"};

json::object ok() { return json::object{{"@type", "ok"}}; }

ApiError unexpected(std::string_view request) {
  return {400, "Call to " + std::string(request) + " unexpected"};
}

// A TDLib message id as the model's server id; 0 for 0 or an id that is not a server id.
Result<Id> server_id_of(const json::object& o, std::string_view key) {
  const Id td_id = integer_of(o, key).value_or(0);
  if (td_id == 0) return Id{0};
  if (!is_server_message_id(td_id)) return ApiError{400, "Invalid message identifier"};
  return server_message_id(td_id);
}

// A formattedText as the model's text and Bot API entities, checked as Telegram does.
Result<text::Formatted> checked_text(const json::object& formatted) {
  json::array entities = bot_api_entities(array_of(formatted, "entities"));
  auto checked = text::format(string_of(formatted, "text"), "", &entities);
  if (!checked) return ApiError{400, checked.error().description};
  return checked;
}

// inputMessageText → the model's content (text and Bot API entities).
Result<json::object> text_content(const json::object& request) {
  const auto* input = object_of(request, "input_message_content");
  if (!input || string_of(*input, "@type") != "inputMessageText") {
    return ApiError{400, "tgsim supports only inputMessageText as input_message_content"};
  }
  const auto* formatted = object_of(*input, "text");
  if (!formatted) return ApiError{400, "Message must be non-empty"};
  auto checked = checked_text(*formatted);
  if (!checked) return checked.error();
  if (checked->text.empty()) return ApiError{400, "Message must be non-empty"};
  if (text::code_points(checked->text) > text::kMaxTextLength) return ApiError{400, "Message is too long"};
  json::object content{{"text", checked->text}};
  if (!checked->entities.empty()) content["entities"] = std::move(checked->entities);
  return content;
}

bool meant_for_its_process(const json::object& object) {
  const auto type = string_of(object, "@type");
  return !type.starts_with("update") || type == "updateAuthorizationState";
}

}  // namespace

namespace {
constexpr std::pair<AuthState, std::string_view> kAuthStateNames[] = {
    {AuthState::kWaitTdlibParameters, "authorizationStateWaitTdlibParameters"},
    {AuthState::kWaitPhoneNumber, "authorizationStateWaitPhoneNumber"},
    {AuthState::kWaitCode, "authorizationStateWaitCode"},
    {AuthState::kWaitOtherDeviceConfirmation, "authorizationStateWaitOtherDeviceConfirmation"},
    {AuthState::kWaitPassword, "authorizationStateWaitPassword"},
    {AuthState::kReady, "authorizationStateReady"},
    {AuthState::kClosed, "authorizationStateClosed"}};
}  // namespace

std::string_view to_string(AuthState state) {
  for (const auto& [value, name] : kAuthStateNames) {
    if (value == state) return name;
  }
  return "authorizationStateClosed";
}

// Not from the world's seeded generator: a restarted tgsim with the same --seed must not hand
// out the keys of the previous run, or a stored session would resume someone else's.
std::string Sessions::random_key() {
  std::uniform_int_distribution<std::size_t> pick(0, kKeyAlphabet.size() - 1);
  std::string key(32, ' ');
  for (auto& c : key) c = kKeyAlphabet[pick(key_rng_)];
  return key;
}

Sessions::Sessions(model::World& world) : world_(world), key_rng_(std::random_device{}()) {
  world_.on_message([this](const Chat& chat, const Message& message, std::string_view kind) {
    observe(chat, message, kind);
  });
}

std::int64_t Sessions::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + clock_offset_ms_;
}

void Sessions::advance_clock(std::int64_t ms) {
  if (ms > 0) clock_offset_ms_ += ms;
  tick();
}

void Sessions::tick() {
  const auto now = now_ms();
  for (auto& [key, session] : sessions_) {
    if (session.state == AuthState::kWaitOtherDeviceConfirmation &&
        now - session.qr_issued_ms >= kQrLifetimeMs) {
      issue_qr(session);
    }
  }
}

// ---------------------------------------------------------------- the library's front

Session* Sessions::find_mutable(std::string_view key) {
  auto found = sessions_.find(key);
  return found == sessions_.end() ? nullptr : &found->second;
}

const Session* Sessions::find(std::string_view key) const {
  auto found = sessions_.find(key);
  return found == sessions_.end() ? nullptr : &found->second;
}

Result<const Session*> Sessions::open(std::string_view resume_key, const json::object& device) {
  if (!resume_key.empty()) {
    Session* session = find_mutable(resume_key);
    if (!session || dead_keys_.contains(resume_key) || session->account_id == 0) return kUnauthorized;
    // A restarted library: what it has not confirmed yet is delivered again once it is ready,
    // except answers and states meant for the previous process.
    std::vector<Object> unconfirmed;
    for (auto& [seq, object] : session->stream) {
      if (!meant_for_its_process(object)) unconfirmed.push_back(std::move(object));
    }
    session->backlog.insert(session->backlog.begin(), std::make_move_iterator(unconfirmed.begin()),
                            std::make_move_iterator(unconfirmed.end()));
    session->stream.clear();
    session->known_users.clear();
    session->known_chats.clear();
    session->state = AuthState::kWaitTdlibParameters;
    return session;
  }
  Session session;
  session.id = next_session_id_++;
  session.key = random_key();
  session.created = world_.now();
  session.device_model = string_of(device, "device_model");
  session.application_version = string_of(device, "application_version");
  keys_by_id_[session.id] = session.key;
  auto [it, inserted] = sessions_.emplace(session.key, std::move(session));
  return &it->second;
}

Status Sessions::send(std::string_view key, const json::object& request) {
  Session* session = find_mutable(key);
  if (!session || session->state == AuthState::kClosed) return kUnauthorized;
  static const std::map<std::string, Handler, std::less<>> kHandlers = {
      {"setTdlibParameters", &Sessions::set_tdlib_parameters},
      {"checkAuthenticationBotToken", &Sessions::check_bot_token},
      {"setAuthenticationPhoneNumber", &Sessions::set_phone_number},
      {"checkAuthenticationCode", &Sessions::check_code},
      {"requestQrCodeAuthentication", &Sessions::request_qr},
      {"checkAuthenticationPassword", &Sessions::check_password},
      {"getAuthorizationState", &Sessions::get_authorization_state},
      {"logOut", &Sessions::log_out},
      {"close", &Sessions::close},
      {"getOption", &Sessions::get_option},
      {"setLogVerbosityLevel", &Sessions::set_log_verbosity},
  };
  static const std::map<std::string, Handler, std::less<>> kReadyHandlers = {
      {"getMe", &Sessions::get_me},
      {"getUser", &Sessions::get_user},
      {"getChat", &Sessions::get_chat},
      {"searchPublicChat", &Sessions::search_public_chat},
      {"searchUserByPhoneNumber", &Sessions::search_user_by_phone},
      {"createPrivateChat", &Sessions::create_private_chat},
      {"sendMessage", &Sessions::send_message},
      {"forwardMessages", &Sessions::forward_messages},
      {"editMessageText", &Sessions::edit_message_text},
      {"editMessageCaption", &Sessions::edit_message_caption},
      {"deleteMessages", &Sessions::delete_messages},
      {"getMessage", &Sessions::get_message},
      {"addMessageReaction", &Sessions::add_message_reaction},
      {"removeMessageReaction", &Sessions::remove_message_reaction},
      {"setMessageReactions", &Sessions::set_message_reactions},
      {"postStory", &Sessions::post_story},
      {"getMessageThread", &Sessions::get_message_thread},
  };
  const std::string type(string_of(request, "@type"));
  Result<Object> answer = ApiError{400, "Method not supported by tgsim"};
  if (auto handler = kHandlers.find(type); handler != kHandlers.end()) {
    answer = (this->*(handler->second))(*session, request);
  } else if (auto ready = kReadyHandlers.find(type); ready != kReadyHandlers.end()) {
    answer =
        session->state == AuthState::kReady ? (this->*(ready->second))(*session, request) : kUnauthorized;
  } else if (type.empty()) {
    answer = ApiError{400, "Request must have an @type"};
  }
  Object out = answer ? std::move(*answer) : error_object(answer.error());
  if (const auto* extra = request.if_contains("@extra")) out["@extra"] = *extra;
  push(*session, std::move(out));
  for (auto& later : after_answer_) push(*session, std::move(later));
  after_answer_.clear();
  return Done{};
}

Result<Sessions::Batch> Sessions::take(std::string_view key, std::uint64_t offset) {
  Session* session = find_mutable(key);
  if (!session) return kUnauthorized;
  auto& stream = session->stream;
  while (!stream.empty() && stream.front().first < offset) stream.pop_front();
  Batch batch;
  batch.next_offset = offset;
  for (const auto& [seq, object] : stream) {
    if (static_cast<int>(batch.objects.size()) >= kMaxBatch) break;
    batch.objects.push_back(object);
    batch.next_offset = seq + 1;
  }
  return batch;
}

void Sessions::push(Session& session, Object object) {
  session.stream.emplace_back(session.next_seq++, std::move(object));
  if (session.stream.size() > kMaxStream) session.stream.pop_front();
  if (on_stream_) on_stream_(session.id);
}

// ---------------------------------------------------------------- authorization

Sessions::Object Sessions::state_object(const Session& session) const {
  Object state = authorization_state(to_string(session.state));
  if (session.state == AuthState::kWaitCode) {
    const auto* account = world_.account(session.pending_account);
    state["code_info"] = Object{
        {"@type", "authenticationCodeInfo"},
        {"phone_number", account ? model::phone_digits(account->phone_number) : ""},
        {"type", Object{{"@type", "authenticationCodeTypeTelegramMessage"}, {"length", session.code.size()}}},
        {"next_type", nullptr},
        {"timeout", 0}};
  } else if (session.state == AuthState::kWaitOtherDeviceConfirmation) {
    state["link"] = std::string(kQrPrefix) + session.qr_token;
  } else if (session.state == AuthState::kWaitPassword) {
    const auto* account = world_.account(session.pending_account);
    state["password_hint"] = account ? account->password_hint : "";
    state["has_recovery_email_address"] = false;
    state["has_passport_data"] = false;
    state["recovery_email_address_pattern"] = "";
  }
  return state;
}

void Sessions::set_state(Session& session, AuthState state) {
  session.state = state;
  push(session,
       Object{{"@type", "updateAuthorizationState"}, {"authorization_state", state_object(session)}});
}

void Sessions::become_ready(Session& session, Id account_id) {
  session.account_id = account_id;
  session.pending_account = 0;
  session.code.clear();
  session.qr_token.clear();
  set_state(session, AuthState::kReady);
  introduce_user(session, account_id);
  for (auto& object : session.backlog) {
    introduce_for(session, object);
    push(session, std::move(object));
  }
  session.backlog.clear();
}

void Sessions::after_login(Session& session, Id account_id) {
  const auto* account = world_.account(account_id);
  if (account && !account->password.empty()) {
    session.pending_account = account_id;
    set_state(session, AuthState::kWaitPassword);
    return;
  }
  become_ready(session, account_id);
}

void Sessions::issue_qr(Session& session) {
  session.qr_token =
      world_.random_string(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
  session.qr_issued_ms = now_ms();
  set_state(session, AuthState::kWaitOtherDeviceConfirmation);
}

void Sessions::close_session(Session& session, bool forget) {
  auto state = [](std::string_view type) {
    return Object{{"@type", "updateAuthorizationState"}, {"authorization_state", authorization_state(type)}};
  };
  const bool log_out = forget && session.account_id != 0;
  if (forget || session.account_id == 0) {
    dead_keys_.insert(session.key);
    session.account_id = 0;
    session.backlog.clear();
  }
  session.state = AuthState::kClosed;
  std::vector<Object> states;
  if (log_out) states.push_back(state("authorizationStateLoggingOut"));
  states.push_back(state("authorizationStateClosing"));
  states.push_back(state("authorizationStateClosed"));
  for (auto& object : states) {
    if (origin_session_ == session.id) {
      after_answer_.push_back(std::move(object));
    } else {
      push(session, std::move(object));
    }
  }
}

Result<Sessions::Object> Sessions::set_tdlib_parameters(Session& session, const Object& request) {
  if (session.state != AuthState::kWaitTdlibParameters) return unexpected("setTdlibParameters");
  if (auto model = string_of(request, "device_model"); !model.empty()) session.device_model = model;
  if (auto version = string_of(request, "application_version"); !version.empty())
    session.application_version = version;
  if (session.account_id != 0) {
    become_ready(session, session.account_id);
  } else {
    set_state(session, AuthState::kWaitPhoneNumber);
  }
  return ok();
}

Result<Sessions::Object> Sessions::check_bot_token(Session& session, const Object& request) {
  if (session.state != AuthState::kWaitPhoneNumber) return unexpected("checkAuthenticationBotToken");
  const auto* bot = world_.bot_by_token(string_of(request, "token"));
  if (!bot) return ApiError{400, "ACCESS_TOKEN_INVALID"};
  become_ready(session, bot->id);
  return ok();
}

Result<Sessions::Object> Sessions::set_phone_number(Session& session, const Object& request) {
  const bool allowed = session.state == AuthState::kWaitPhoneNumber ||
                       session.state == AuthState::kWaitCode ||
                       session.state == AuthState::kWaitOtherDeviceConfirmation;
  if (!allowed) return unexpected("setAuthenticationPhoneNumber");
  const std::string phone(string_of(request, "phone_number"));
  if (model::phone_digits(phone).empty()) return ApiError{400, "PHONE_NUMBER_INVALID"};
  const auto* account = world_.account_by_phone(phone);
  if (!account) return ApiError{400, "PHONE_NUMBER_UNOCCUPIED"};
  session.pending_account = account->id;
  session.code = account->login_code.empty() ? world_.random_string(5, kDigits) : account->login_code;
  set_state(session, AuthState::kWaitCode);
  return ok();
}

Result<Sessions::Object> Sessions::check_code(Session& session, const Object& request) {
  if (session.state != AuthState::kWaitCode) return unexpected("checkAuthenticationCode");
  if (string_of(request, "code") != session.code) return ApiError{400, "PHONE_CODE_INVALID"};
  after_login(session, session.pending_account);
  return ok();
}

Result<Sessions::Object> Sessions::request_qr(Session& session, const Object& request) {
  const bool allowed = session.state == AuthState::kWaitPhoneNumber ||
                       session.state == AuthState::kWaitCode ||
                       session.state == AuthState::kWaitOtherDeviceConfirmation;
  if (!allowed) return unexpected("requestQrCodeAuthentication");
  issue_qr(session);
  return ok();
}

Result<Sessions::Object> Sessions::check_password(Session& session, const Object& request) {
  if (session.state != AuthState::kWaitPassword) return unexpected("checkAuthenticationPassword");
  const auto* account = world_.account(session.pending_account);
  if (!account || string_of(request, "password") != account->password) {
    return ApiError{400, "PASSWORD_HASH_INVALID"};
  }
  become_ready(session, account->id);
  return ok();
}

Result<Sessions::Object> Sessions::get_authorization_state(Session& session, const Object& request) {
  return state_object(session);
}

Result<Sessions::Object> Sessions::log_out(Session& session, const Object& request) {
  origin_session_ = session.id;
  close_session(session, true);
  origin_session_ = 0;
  return ok();
}

Result<Sessions::Object> Sessions::close(Session& session, const Object& request) {
  origin_session_ = session.id;
  close_session(session, false);
  origin_session_ = 0;
  return ok();
}

Result<Sessions::Object> Sessions::get_option(Session& session, const Object& request) {
  if (string_of(request, "name") == "version") {
    return Object{{"@type", "optionValueString"}, {"value", kTdlibVersion}};
  }
  return Object{{"@type", "optionValueEmpty"}};
}

Result<Sessions::Object> Sessions::set_log_verbosity(Session& session, const Object& request) { return ok(); }

// ---------------------------------------------------------------- the control API

Result<std::string> Sessions::login_code(Id account_id) const {
  for (const auto& [key, session] : sessions_) {
    if (session.state == AuthState::kWaitCode && session.pending_account == account_id) return session.code;
  }
  return bad_request("no login code is pending for this account");
}

boost::json::array Sessions::pending_qr() const {
  boost::json::array out;
  for (const auto& [key, session] : sessions_) {
    if (session.state != AuthState::kWaitOtherDeviceConfirmation || session.qr_token.empty()) continue;
    out.push_back(boost::json::object{{"session_id", session.id},
                                      {"link", std::string(kQrPrefix) + session.qr_token},
                                      {"issued_ms", session.qr_issued_ms}});
  }
  return out;
}

Result<Id> Sessions::confirm_qr(Id account_id, std::string_view link) {
  const auto* account = world_.account(account_id);
  if (!account || account->is_bot) return bad_request("user_id must be a person");
  if (link.starts_with(kQrPrefix)) link.remove_prefix(kQrPrefix.size());
  for (auto& [key, session] : sessions_) {
    if (session.state != AuthState::kWaitOtherDeviceConfirmation || session.qr_token != link) continue;
    if (now_ms() - session.qr_issued_ms >= kQrLifetimeMs) return bad_request("AUTH_TOKEN_EXPIRED");
    after_login(session, account_id);
    return session.id;
  }
  return bad_request("AUTH_TOKEN_INVALID");
}

Status Sessions::revoke(Id session_id) {
  auto key = keys_by_id_.find(session_id);
  Session* session = key == keys_by_id_.end() ? nullptr : find_mutable(key->second);
  if (!session || dead_keys_.contains(session->key)) return bad_request("session not found");
  close_session(*session, true);
  return Done{};
}

json::array Sessions::list(std::optional<Id> account_id) const {
  json::array out;
  for (const auto& [id, key] : keys_by_id_) {
    const Session* session = find(key);
    if (!session || dead_keys_.contains(key) || session->account_id == 0) continue;
    if (account_id && session->account_id != *account_id) continue;
    const auto* account = world_.account(session->account_id);
    out.push_back(json::object{{"id", session->id},
                               {"account_id", session->account_id},
                               {"is_bot", account && account->is_bot},
                               {"state", to_string(session->state)},
                               {"device_model", session->device_model},
                               {"application_version", session->application_version},
                               {"created", session->created}});
  }
  return out;
}

// ---------------------------------------------------------------- what sessions see

bool Sessions::sees(Id account_id, const Chat& chat, const Message& message) const {
  if (chat.type == model::ChatType::kPrivate) {
    if (account_id == chat.user_id) return true;
    if (account_id != chat.bot_id) return false;
    return chat.between_people || world_.visible_to_bot(chat, message, account_id) ||
           message.from == account_id;
  }
  auto member = chat.members.find(account_id);
  if (member == chat.members.end() || !member->second.present()) return false;
  const auto* account = world_.account(account_id);
  if (!account || !account->is_bot) return true;
  return message.from == account_id || world_.visible_to_bot(chat, message, account_id);
}

void Sessions::observe(const Chat& chat, const Message& message, std::string_view kind) {
  for (auto& entry : sessions_) {
    Session& session = entry.second;
    if (session.account_id == 0 || session.id == origin_session_) continue;
    if (!sees(session.account_id, chat, message)) continue;
    // No library attached (closed, or restarting): kept until the session is resumed.
    const bool attached =
        session.state != AuthState::kWaitTdlibParameters && session.state != AuthState::kClosed;
    auto deliver = [&](Object update) {
      if (attached) {
        push(session, std::move(update));
      } else if (session.backlog.size() < kMaxStream) {
        session.backlog.push_back(std::move(update));
      }
    };
    if (kind == "message") {
      auto rendered = attached ? message_for(session, chat, message)
                               : message_object(world_, chat, message, session.account_id);
      deliver(Object{{"@type", "updateNewMessage"}, {"message", std::move(rendered)}});
      continue;
    }
    const Id chat_id = world_.chat_id_for(chat, session.account_id);
    deliver(Object{{"@type", "updateMessageContent"},
                   {"chat_id", chat_id},
                   {"message_id", td_message_id(message.id)},
                   {"new_content", content_object(world_, message.content)}});
    deliver(Object{{"@type", "updateMessageEdited"},
                   {"chat_id", chat_id},
                   {"message_id", td_message_id(message.id)},
                   {"edit_date", message.edit_date},
                   {"reply_markup", reply_markup_object(message.reply_markup)}});
  }
}

// updateUser and updateNewChat for what a delivered-late update mentions, as TDLib sends
// them before the first update that needs them.
void Sessions::introduce_for(Session& session, const Object& update) {
  const auto* message = object_of(update, "message");
  if (!message) return;
  const Id chat_id = integer_of(*message, "chat_id").value_or(0);
  if (chat_id > 0) introduce_private_chat(session, chat_id);
  if (auto group = world_.group(chat_id); chat_id < 0 && group) introduce_chat(session, **group);
  if (const auto* sender = object_of(*message, "sender_id")) {
    if (const Id user_id = integer_of(*sender, "user_id").value_or(0); user_id > 0)
      introduce_user(session, user_id);
  }
}

void Sessions::introduce_user(Session& session, Id user_id) {
  if (!session.known_users.insert(user_id).second) return;
  push(session, Object{{"@type", "updateUser"}, {"user", user_object(world_, user_id)}});
}

void Sessions::introduce_private_chat(Session& session, Id other_id) {
  introduce_user(session, other_id);
  if (!session.known_chats.insert(other_id).second) return;
  push(session, Object{{"@type", "updateNewChat"}, {"chat", private_chat_object(world_, other_id)}});
}

void Sessions::introduce_chat(Session& session, const Chat& chat) {
  if (chat.type == model::ChatType::kPrivate) {
    introduce_private_chat(session, world_.chat_id_for(chat, session.account_id));
    return;
  }
  if (!session.known_chats.insert(chat.id).second) return;
  push(session, Object{{"@type", "updateNewChat"}, {"chat", group_chat_object(chat)}});
}

Sessions::Object Sessions::message_for(Session& session, const Chat& chat, const Message& message) {
  introduce_chat(session, chat);
  introduce_user(session, message.from);
  return message_object(world_, chat, message, session.account_id);
}

// ---------------------------------------------------------------- requests once ready

Result<model::Chat*> Sessions::chat_for(const Session& session, Id chat_id) {
  const auto* me = world_.account(session.account_id);
  if (!me) return kUnauthorized;
  if (chat_id == 0) return ApiError{400, "Chat not found"};
  return me->is_bot ? world_.chat_for_bot(me->id, chat_id) : world_.chat_for_person(me->id, chat_id);
}

Result<Sessions::Object> Sessions::get_me(Session& session, const Object& request) {
  return user_object(world_, session.account_id);
}

Result<Sessions::Object> Sessions::get_user(Session& session, const Object& request) {
  const Id id = integer_of(request, "user_id").value_or(0);
  if (!world_.account(id)) return ApiError{400, "User not found"};
  return user_object(world_, id);
}

Result<Sessions::Object> Sessions::get_chat(Session& session, const Object& request) {
  const Id id = integer_of(request, "chat_id").value_or(0);
  if (id > 0 && world_.account(id)) {
    introduce_private_chat(session, id);
    return private_chat_object(world_, id);
  }
  auto group = world_.group(id);
  if (id >= 0 || !group) return ApiError{400, "Chat not found"};
  introduce_chat(session, **group);
  return group_chat_object(**group);
}

Result<Sessions::Object> Sessions::search_public_chat(Session& session, const Object& request) {
  const auto* account = world_.account_by_username(string_of(request, "username"));
  if (!account) return ApiError{400, "USERNAME_NOT_OCCUPIED"};
  introduce_private_chat(session, account->id);
  return private_chat_object(world_, account->id);
}

Result<Sessions::Object> Sessions::search_user_by_phone(Session& session, const Object& request) {
  const auto* account = world_.account_by_phone(string_of(request, "phone_number"));
  if (!account) return ApiError{404, "Not Found"};
  introduce_user(session, account->id);
  return user_object(world_, account->id);
}

Result<Sessions::Object> Sessions::create_private_chat(Session& session, const Object& request) {
  const Id id = integer_of(request, "user_id").value_or(0);
  if (id <= 0 || !world_.account(id)) return ApiError{400, "User not found"};
  introduce_private_chat(session, id);
  return private_chat_object(world_, id);
}

Id Sessions::temporary_id(Session& session) {
  // Not a multiple of 2^20, so never a server message id.
  if (is_server_message_id(session.next_temporary_id)) ++session.next_temporary_id;
  return session.next_temporary_id++;
}

Sessions::Object Sessions::pending_copy(Session& session, const Chat& chat, const Message& message,
                                        Id temporary) {
  auto pending = message_for(session, chat, message);
  pending["id"] = temporary;
  pending["sending_state"] = Object{{"@type", "messageSendingStatePending"}, {"sending_id", 0}};
  push(session, Object{{"@type", "updateNewMessage"}, {"message", pending}});
  return pending;
}

Result<Sessions::Object> Sessions::send_message(Session& session, const Object& request) {
  auto chat = chat_for(session, integer_of(request, "chat_id").value_or(0));
  if (!chat) return chat.error();
  auto input = message_input(request);
  if (!input) return input.error();
  if (!(*chat)->is_forum && input->thread_id != 0) {  // a channel post's comments: reply to its forward
    if (input->reply_to == 0) input->reply_to = input->thread_id;
    input->thread_id = 0;
  }
  origin_session_ = session.id;
  auto posted = world_.post(**chat, session.account_id, *input);
  origin_session_ = 0;
  const Id temporary = temporary_id(session);
  if (!posted) return failed_send(session, **chat, std::move(*input), posted.error(), temporary);
  auto pending = pending_copy(session, **chat, **posted, temporary);
  after_answer_.push_back(Object{{"@type", "updateMessageSendSucceeded"},
                                 {"message", message_for(session, **chat, **posted)},
                                 {"old_message_id", temporary}});
  return pending;
}

// sendMessage's thread, reply and inputMessageText as the model's input.
Result<model::MessageInput> Sessions::message_input(const Object& request) {
  auto content = text_content(request);
  if (!content) return content.error();
  auto thread = server_id_of(request, "message_thread_id");
  if (!thread) return thread.error();
  model::MessageInput input;
  input.thread_id = *thread;
  if (const auto* reply = object_of(request, "reply_to")) {
    auto reply_to = server_id_of(*reply, "message_id");
    if (!reply_to) return reply_to.error();
    input.reply_to = *reply_to;
  }
  input.content = std::move(*content);
  return input;
}

// A message the server rejected after TDLib accepted it: answered pending, then
// updateMessageSendFailed.
Sessions::Object Sessions::failed_send(Session& session, const Chat& chat, model::MessageInput input,
                                       const ApiError& why, Id temporary) {
  Message draft;
  draft.from = session.account_id;
  draft.date = world_.now();
  draft.thread_id = input.thread_id;
  draft.content = std::move(input.content);
  auto pending = pending_copy(session, chat, draft, temporary);
  auto failed = pending;
  auto error = error_object(why);
  failed["sending_state"] = Object{{"@type", "messageSendingStateFailed"},
                                   {"error", error},
                                   {"can_retry", false},
                                   {"need_another_sender", false},
                                   {"retry_after", 0}};
  after_answer_.push_back(Object{{"@type", "updateMessageSendFailed"},
                                 {"message", std::move(failed)},
                                 {"old_message_id", temporary},
                                 {"error", std::move(error)}});
  return pending;
}

Result<Sessions::Object> Sessions::forward_messages(Session& session, const Object& request) {
  auto target = chat_for(session, integer_of(request, "chat_id").value_or(0));
  if (!target) return target.error();
  auto source = chat_for(session, integer_of(request, "from_chat_id").value_or(0));
  if (!source) return source.error();
  auto thread = server_id_of(request, "message_thread_id");
  if (!thread) return thread.error();
  std::vector<Id> ids;
  if (const auto* list = request.if_contains("message_ids"); list && list->is_array()) {
    for (const auto& value : list->get_array()) {
      auto id =
          value.is_string() ? std::optional<Id>(std::atoll(value.get_string().c_str())) : json_integer(value);
      if (!id || !is_server_message_id(*id)) return ApiError{400, "Invalid message identifier"};
      ids.push_back(server_message_id(*id));
    }
  }
  if (ids.empty()) return ApiError{400, "message_ids must not be empty"};
  model::MessageInput overrides;
  overrides.thread_id = *thread;
  // A thread in a group without topics is a channel post's comments: a reply to its forward.
  if (!(*target)->is_forum && *thread != 0) {
    overrides.reply_to = *thread;
    overrides.thread_id = 0;
  }
  const bool remove_caption = bool_of(request, "remove_caption");
  if (remove_caption) overrides.content = json::object{{"caption", nullptr}, {"caption_entities", nullptr}};
  origin_session_ = session.id;
  auto copies = world_.copy(**source, ids, **target, session.account_id, overrides,
                            !bool_of(request, "send_copy"), !remove_caption, false);
  origin_session_ = 0;
  if (!copies) return copies.error();
  json::array pending_list;
  for (const auto* copy : *copies) {
    const Id temporary = temporary_id(session);
    pending_list.push_back(pending_copy(session, **target, *copy, temporary));
    after_answer_.push_back(Object{{"@type", "updateMessageSendSucceeded"},
                                   {"message", message_for(session, **target, *copy)},
                                   {"old_message_id", temporary}});
  }
  return Object{
      {"@type", "messages"}, {"total_count", pending_list.size()}, {"messages", std::move(pending_list)}};
}

Result<Sessions::MessageTarget> Sessions::message_target(const Session& session, const Object& request) {
  auto chat = chat_for(session, integer_of(request, "chat_id").value_or(0));
  if (!chat) return chat.error();
  auto id = server_id_of(request, "message_id");
  if (!id) return id.error();
  return MessageTarget{*chat, *id};
}

Result<Sessions::Object> Sessions::edit_message_text(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  auto content = text_content(request);
  if (!content) return content.error();
  json::object changes{
      {"text", content->at("text")},
      {"entities", content->contains("entities") ? content->at("entities") : json::value(nullptr)}};
  auto edited = world_.edit(*chat, session.account_id, id, changes, std::nullopt);
  if (!edited) return edited.error();
  return message_for(session, *chat, **edited);
}

Result<Sessions::Object> Sessions::edit_message_caption(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  const auto* caption = object_of(request, "caption");
  auto checked = caption ? checked_text(*caption) : Result<text::Formatted>(text::Formatted{});
  if (!checked) return checked.error();
  if (text::code_points(checked->text) > text::kMaxCaptionLength)
    return ApiError{400, "Message caption is too long"};
  json::object changes{{"caption", checked->text.empty() ? json::value(nullptr) : json::value(checked->text)},
                       {"caption_entities",
                        checked->entities.empty() ? json::value(nullptr) : json::value(checked->entities)}};
  auto edited = world_.edit(*chat, session.account_id, id, changes, std::nullopt);
  if (!edited) return edited.error();
  return message_for(session, *chat, **edited);
}

// Unknown ids are skipped, as TDLib does; the deleting session gets updateDeleteMessages.
Result<Sessions::Object> Sessions::delete_messages(Session& session, const Object& request) {
  const Id chat_id = integer_of(request, "chat_id").value_or(0);
  auto chat = chat_for(session, chat_id);
  if (!chat) return chat.error();
  json::array deleted;
  for (const auto& value : array_of(request, "message_ids")) {
    auto id = integer_of(value);
    if (!id || !is_server_message_id(*id) || !(*chat)->messages.contains(server_message_id(*id))) continue;
    if (auto done = world_.delete_message(**chat, session.account_id, server_message_id(*id)); !done) {
      return ApiError{400, "Message can't be deleted"};
    }
    deleted.push_back(*id);
  }
  if (!deleted.empty()) {
    after_answer_.push_back(Object{{"@type", "updateDeleteMessages"},
                                   {"chat_id", chat_id},
                                   {"message_ids", std::move(deleted)},
                                   {"is_permanent", true},
                                   {"from_cache", false}});
  }
  return ok();
}

// ---------------------------------------------------------------- reactions

namespace {

// reactionTypeEmoji's emoji; other reaction types (custom emoji, paid) are not simulated.
Result<std::string> reaction_emoji(const json::object& request) {
  const auto* type = object_of(request, "reaction_type");
  if (!type || string_of(*type, "@type") != "reactionTypeEmoji" || string_of(*type, "emoji").empty())
    return ApiError{400, "tgsim supports only reactionTypeEmoji reactions"};
  return std::string(string_of(*type, "emoji"));
}

}  // namespace

Result<Sessions::Object> Sessions::get_message(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  auto found = chat->messages.find(id);
  if (found == chat->messages.end()) return ApiError{404, "Not Found"};
  return message_for(session, *chat, found->second);
}

// A person has one reaction per message (no Premium in tgsim): adding replaces it, as TDLib
// trims the chosen reactions to the account's maximum.
Result<Sessions::Object> Sessions::add_message_reaction(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  auto emoji = reaction_emoji(request);
  if (!emoji) return emoji.error();
  if (!chat->messages.contains(id)) return ApiError{400, "Message not found"};
  if (auto done = world_.react(*chat, session.account_id, id, *emoji); !done) return done.error();
  return ok();
}

Result<Sessions::Object> Sessions::remove_message_reaction(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  auto emoji = reaction_emoji(request);
  if (!emoji) return emoji.error();
  auto found = chat->messages.find(id);
  if (found == chat->messages.end()) return ApiError{400, "Message not found"};
  auto mine = found->second.reactions.find(session.account_id);
  if (mine == found->second.reactions.end() || mine->second != *emoji) return ok();  // nothing to remove
  if (auto done = world_.react(*chat, session.account_id, id, ""); !done) return done.error();
  return ok();
}

// Bots only, as in TDLib; the model keeps one reaction per sender (the first given).
Result<Sessions::Object> Sessions::set_message_reactions(Session& session, const Object& request) {
  const auto* me = world_.account(session.account_id);
  if (!me || !me->is_bot) return ApiError{400, "Method is available only for bots"};
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  std::string emoji;
  for (const auto& item : array_of(request, "reaction_types")) {
    if (!item.is_object()) continue;
    auto chosen = reaction_emoji(Object{{"reaction_type", item}});
    if (!chosen) return chosen.error();
    if (emoji.empty()) emoji = *chosen;
  }
  if (!chat->messages.contains(id)) return ApiError{400, "Message not found"};
  if (auto done = world_.react(*chat, session.account_id, id, emoji); !done) return done.error();
  return ok();
}

// ---------------------------------------------------------------- stories

namespace {

constexpr std::int64_t kDefaultStoryPeriod = 86400;
constexpr std::size_t kMaxStories = 10000;

json::object story_object(const Story& story, Id temporary_id) {
  json::array users;
  for (Id id : story.user_ids) users.push_back(id);
  return json::object{
      {"@type", "story"},
      {"id", temporary_id != 0 ? temporary_id : story.id},
      {"poster_chat_id", story.account_id},
      {"date", story.date},
      {"is_being_posted", temporary_id != 0},
      {"is_being_edited", false},
      {"is_edited", false},
      {"is_posted_to_chat_page", false},
      {"is_visible_only_for_self", false},
      {"can_be_deleted", true},
      {"privacy_settings", json::object{{"@type", story.privacy}, {"user_ids", std::move(users)}}},
      {"content", json::object{{"@type", story.kind == "photo" ? "storyContentPhoto" : "storyContentVideo"}}},
      {"caption",
       json::object{{"@type", "formattedText"}, {"text", story.caption}, {"entities", json::array{}}}}};
}

}  // namespace

// A person's story (bots cannot post them). Answered with the story being posted (a temporary
// id), then updateStoryPostSucceeded with the final one, as TDLib does.
Result<Sessions::Object> Sessions::post_story(Session& session, const Object& request) {
  const auto* me = world_.account(session.account_id);
  if (!me || me->is_bot) return ApiError{400, "Stories can't be posted by bots"};
  if (integer_of(request, "chat_id").value_or(0) != me->id) return ApiError{400, "Chat not found"};
  const auto* content = object_of(request, "content");
  const auto type = content ? string_of(*content, "@type") : std::string_view();
  if (type != "inputStoryContentPhoto" && type != "inputStoryContentVideo")
    return ApiError{400, "tgsim supports only inputStoryContentPhoto and inputStoryContentVideo"};
  const bool photo = type == "inputStoryContentPhoto";
  const auto* file = object_of(*content, photo ? "photo" : "video");
  if (!file || string_of(*file, "@type") != "inputFileRemote")
    return ApiError{400, "tgsim supports only inputFileRemote story files"};
  const std::string file_id(string_of(*file, "id"));
  if (!world_.file(file_id)) return ApiError{400, "Wrong remote file identifier specified"};
  const auto* privacy = object_of(request, "privacy_settings");
  if (!privacy) return ApiError{400, "Story privacy settings must be non-empty"};
  Story story;
  story.account_id = me->id;
  story.kind = photo ? "photo" : "video";
  story.file_id = file_id;
  if (const auto* caption = object_of(request, "caption"))
    story.caption = std::string(string_of(*caption, "text"));
  story.privacy = std::string(string_of(*privacy, "@type"));
  for (const auto& id : array_of(*privacy, "user_ids")) {
    auto user = integer_of(id);
    if (!user || !world_.account(*user)) return ApiError{400, "USER_ID_INVALID"};
    story.user_ids.push_back(*user);
  }
  story.date = world_.now();
  story.active_period = integer_of(request, "active_period").value_or(kDefaultStoryPeriod);
  story.id = next_story_id_++;
  const Id temporary = temporary_id(session);
  after_answer_.push_back(Object{
      {"@type", "updateStoryPostSucceeded"}, {"story", story_object(story, 0)}, {"old_story_id", temporary}});
  auto answer = story_object(story, temporary);
  stories_.push_back(std::move(story));
  if (stories_.size() > kMaxStories) stories_.erase(stories_.begin());
  return answer;
}

json::array Sessions::stories(std::optional<Id> account_id) const {
  json::array out;
  for (const auto& story : stories_) {
    if (account_id && story.account_id != *account_id) continue;
    json::array users;
    for (Id id : story.user_ids) users.push_back(id);
    out.push_back(json::object{{"id", story.id},
                               {"account_id", story.account_id},
                               {"kind", story.kind},
                               {"file_id", story.file_id},
                               {"caption", story.caption},
                               {"privacy", story.privacy},
                               {"user_ids", std::move(users)},
                               {"date", story.date},
                               {"active_period", story.active_period}});
  }
  return out;
}

// ---------------------------------------------------------------- channel comments

// The comments of a channel post: its automatic forward in the discussion group is the thread.
Result<Sessions::Object> Sessions::get_message_thread(Session& session, const Object& request) {
  auto target = message_target(session, request);
  if (!target) return target.error();
  auto [chat, id] = *target;
  auto post = chat->messages.find(id);
  if (post == chat->messages.end()) return ApiError{400, "Message not found"};
  if (!chat->is_channel || post->second.discussion_message_id == 0)
    return ApiError{400, "Message has no thread"};
  auto group = world_.group(chat->linked_chat_id);
  if (!group) return ApiError{400, "Message has no thread"};
  auto forwarded = (*group)->messages.find(post->second.discussion_message_id);
  if (forwarded == (*group)->messages.end()) return ApiError{400, "Message has no thread"};
  return Object{{"@type", "messageThreadInfo"},
                {"chat_id", (*group)->id},
                {"message_thread_id", td_message_id(forwarded->second.id)},
                {"reply_info", nullptr},
                {"unread_message_count", 0},
                {"messages", json::array{message_for(session, **group, forwarded->second)}},
                {"draft_message", nullptr}};
}

}  // namespace tgsim::td
