// The in-memory Telegram: every rule of who may do what, who sees what and which updates
// arise. Independent of any transport: the Bot API front, the control API (and later a fake
// libtdjson) all drive this one object. Single-threaded by design.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/model/entities.h"
#include "sim/model/payments.h"
#include "sim/model/result.h"
#include "sim/model/string_hash.h"

namespace tgsim::model {

// What a sender puts into a new message.
struct MessageInput {
  Id thread_id = 0;
  Id reply_to = 0;
  bool allow_sending_without_reply = false;
  boost::json::object content;  // text/entities or caption/media fields etc.
  boost::json::value reply_markup;
  std::string media_group_id;
  // A reply quoting part of the replied message: the Bot API TextQuote ({text, position,
  // is_manual}); empty: no quote.
  boost::json::object quote;
};

struct NewBot {
  Id id = 0;
  std::string token;
};

struct ProfileInput {
  std::string first_name, last_name, username, language_code, phone_number;
};

// How a personal account signs in through the fake libtdjson.
struct LoginInput {
  std::string password, password_hint;  // 2FA; empty password: none
  std::string login_code;               // fixed code; empty: a random one per attempt
};

class World {
 public:
  // Bounds for long runs (soaks, benchmarks): the oldest messages of a chat and the oldest
  // unconfirmed updates of a bot are forgotten beyond these.
  static constexpr std::size_t kMaxMessagesPerChat = 10000;
  static constexpr std::size_t kMaxPendingUpdates = 100000;

  explicit World(std::uint64_t seed);

  // Called with a bot id whenever that bot's update queue grows.
  void on_update(std::function<void(Id)> callback) { on_update_ = std::move(callback); }
  // Called for every new or edited message in any chat (kind "message" or "edited_message");
  // the MTProto sessions (sim/td) render their updates from it.
  using MessageObserver = std::function<void(const Chat&, const Message&, std::string_view kind)>;
  void on_message(MessageObserver observer) { on_message_ = std::move(observer); }
  // Grows on every change of the world; cheap change detection for the playground.
  std::uint64_t version() const { return version_; }
  // Unix seconds of the simulated world: the real clock plus what POST /sim/clock advanced.
  // Message, edit and session dates follow it; flood limits keep to a real monotonic clock.
  std::int64_t now() const;
  void advance_clock(std::int64_t seconds) {
    if (seconds > 0) clock_offset_s_ += seconds;
  }

  // ---- accounts, groups, membership (control API) ----
  Result<Id> create_user(const ProfileInput& profile, const LoginInput& login = {});
  Result<NewBot> create_bot(const std::string& username, const std::string& first_name,
                            bool can_read_all_group_messages);
  Result<Id> create_group(const std::string& title, bool is_forum, Id owner_id);
  // A channel owned by `owner_id`; `discussion_group_id` (0: none) must be a group, not a forum,
  // that the owner is in. Its posts are forwarded there automatically.
  Result<Id> create_channel(const std::string& title, Id owner_id, Id discussion_group_id);
  Status set_member(Id group_id, Id account_id, MemberStatus status, const boost::json::object& rights);
  Status set_blocked(Id user_id, Id bot_id, bool blocked);

  const Account* account(Id id) const;
  const Account* bot_by_token(std::string_view token) const;
  // Phone numbers compare by their digits only ("+1 555-0100" == "15550100").
  const Account* account_by_phone(std::string_view phone) const;
  const Account* account_by_username(std::string_view username) const;
  const std::map<std::pair<Id, Id>, Chat>& people_chats() const { return people_chats_; }
  const std::map<Id, Account>& accounts() const { return accounts_; }
  const std::map<Id, Chat>& groups() const { return groups_; }
  const std::map<std::pair<Id, Id>, Chat>& private_chats() const { return privates_; }

  // ---- chats as a given account addresses them ----
  // A bot addresses a private chat by the person's id; a person addresses it by the bot's id,
  // or a chat with another person by that person's id.
  Result<Chat*> chat_for_bot(Id bot_id, Id chat_id);
  Result<Chat*> chat_for_person(Id user_id, Id chat_id);
  Result<Chat*> group(Id group_id);

  // ---- messages ----
  // Checks rights, topics and replies, stores the message and fans out updates.
  Result<const Message*> post(Chat& chat, Id sender, MessageInput input);
  // Posts an album atomically: either every item or none.
  Result<std::vector<const Message*>> post_album(Chat& chat, Id sender, std::vector<MessageInput> items);
  // Copies (or forwards) messages of `source` into `target`; albums get a new media group id.
  Result<std::vector<const Message*>> copy(Chat& source, const std::vector<Id>& ids, Chat& target, Id sender,
                                           const MessageInput& overrides, bool forward, bool keep_caption,
                                           bool skip_missing);
  Result<const Message*> edit(Chat& chat, Id editor, Id message_id, const boost::json::object& changes,
                              const std::optional<boost::json::value>& reply_markup);
  Status delete_message(Chat& chat, Id deleter, Id message_id);
  Status react(Chat& chat, Id who, Id message_id, const std::string& emoji);
  Result<std::string> press_button(Chat& chat, Id user, Id message_id, const std::string& data);

  // ---- topics ----
  Result<const Topic*> create_topic(Chat& chat, Id actor, const std::string& name, int icon_color,
                                    const std::string& icon_custom_emoji_id);
  Status edit_topic(Chat& chat, Id actor, Id thread_id, const std::optional<std::string>& name,
                    const std::optional<std::string>& icon_custom_emoji_id);
  Status set_topic_closed(Chat& chat, Id actor, Id thread_id, bool closed);
  Status delete_topic(Chat& chat, Id actor, Id thread_id);

  // ---- members ----
  Status ban(Chat& chat, Id actor, Id user_id, std::int64_t until_date);
  Status unban(Chat& chat, Id actor, Id user_id, bool only_if_banned);

  // ---- files ----
  const File* file(std::string_view file_id) const;
  const File* file_by_path(std::string_view file_path) const;
  const File& add_file(std::string kind, std::string file_name, std::string mime_type, std::string bytes);

  // ---- payments (payments.h) ----
  Payments& payments() { return payments_; }
  // Queues an update of `kind` for the bot (a pre_checkout_query) and marks the world changed.
  void push_update(Id bot_id, std::string_view kind, boost::json::object payload) {
    deliver(bot_id, kind, std::move(payload));
    touch();
  }

  // ---- bots' update queues ----
  BotState& bot_state(Id bot_id) { return bots_[bot_id]; }
  // Drops updates below offset (confirmation) and returns up to limit of the rest.
  boost::json::array take_updates(Id bot_id, std::int64_t offset, int limit);
  void confirm_updates(Id bot_id, Id up_to_including);

  // ---- views (Bot API JSON as `viewer` sees it) ----
  boost::json::object user_json(Id id, bool for_bot_viewer = true) const;
  boost::json::object chat_json(const Chat& chat, Id viewer) const;
  boost::json::object message_json(const Chat& chat, const Message& message, Id viewer,
                                   bool with_reply = true) const;
  boost::json::object topic_json(const Topic& topic) const;
  Id chat_id_for(const Chat& chat, Id viewer) const;
  bool visible_to_bot(const Chat& chat, const Message& message, Id bot_id) const;

  std::string random_string(std::size_t length, std::string_view alphabet);
  int random_int(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

 private:
  Id next_message_id(Chat& chat) { return chat.next_message_id++; }
  void touch() { ++version_; }
  Status check_can_post(Chat& chat, Id sender, Id thread_id) const;
  Result<Id> resolve_thread(const Chat& chat, const MessageInput& input) const;
  Message& store(Chat& chat, Id sender, MessageInput input, Id thread_id);
  void forget_oldest(Chat& chat);
  void forward_to_discussion(const Chat& channel, Message& post);
  void fan_out(const Chat& chat, const Message& message, std::string_view kind);
  void deliver(Id bot_id, std::string_view kind, boost::json::object payload);
  void service_message(Chat& chat, Id actor, Id thread_id, const char* field, boost::json::object body);
  Result<Topic*> topic_for_management(Chat& chat, Id actor, Id thread_id, std::string_view right);
  // my_chat_member for a bot whose status changed (or, with `old_rights`, an administrator
  // whose rights changed); chat_member for the group's admin bots.
  void member_changed(const Chat& chat, Id actor, Id subject, MemberStatus old_status,
                      MemberStatus new_status, const boost::json::object* old_rights = nullptr);

  std::mt19937_64 rng_;
  std::uint64_t version_ = 1;
  std::int64_t clock_offset_s_ = 0;
  std::function<void(Id)> on_update_;
  MessageObserver on_message_;
  std::map<Id, Account> accounts_;
  StringMap<Id> tokens_;
  std::map<Id, Chat> groups_;
  std::map<std::pair<Id, Id>, Chat> privates_;      // (person, bot)
  std::map<std::pair<Id, Id>, Chat> people_chats_;  // (lower person id, higher person id)
  std::unordered_map<Id, BotState> bots_;
  Payments payments_;
  StringMap<File> files_;
  StringMap<std::string> file_paths_;  // file_path → file_id
  Id next_user_id_ = 5000000001;
  Id next_bot_id_ = 7000000001;
  Id next_group_id_ = -1001000000001;
  std::uint64_t next_media_group_ = 13000000000000001;
  std::uint64_t next_callback_ = 1;
};

bool is_default_allowed(std::string_view kind);
std::string phone_digits(std::string_view phone);

}  // namespace tgsim::model
