// The simulated Telegram's records: accounts (people and bots), chats, topics, messages and
// files. Plain data; the rules live in World.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/model/result.h"

namespace tgsim::model {

struct Account {
  Id id = 0;
  bool is_bot = false;
  std::string first_name;
  std::string last_name;
  std::string username;
  std::string language_code;
  std::string phone_number;
  std::string token;                         // bots only
  bool can_read_all_group_messages = false;  // bots only: privacy mode off
  // Personal accounts that sign in through the fake libtdjson (people only).
  std::string password;  // 2FA password; empty: none
  std::string password_hint;
  std::string login_code;  // a fixed login code; empty: a random one per attempt
};

enum class MemberStatus { kCreator, kAdministrator, kMember, kRestricted, kLeft, kKicked };

std::string_view to_string(MemberStatus status);
std::optional<MemberStatus> member_status_from_string(std::string_view name);  // nullopt: unknown

struct Member {
  MemberStatus status = MemberStatus::kLeft;
  boost::json::object rights;  // administrator rights as given, e.g. {"can_manage_topics": true}
  std::int64_t until_date = 0;

  bool present() const {
    return status == MemberStatus::kCreator || status == MemberStatus::kAdministrator ||
           status == MemberStatus::kMember || status == MemberStatus::kRestricted;
  }
  bool admin() const { return status == MemberStatus::kCreator || status == MemberStatus::kAdministrator; }
  bool has_right(std::string_view right) const;
};

inline constexpr Id kGeneralThread = 1;

struct Topic {
  Id thread_id = 0;
  std::string name;
  int icon_color = 0;
  std::string icon_custom_emoji_id;
  bool is_closed = false;
  Id creator = 0;
};

struct Message {
  Id id = 0;
  Id from = 0;
  std::int64_t date = 0;
  std::int64_t edit_date = 0;
  // Unix ms with a µs fraction; shown only by the control API (`sim_date_ms`, benchmarks).
  double date_ms = 0;
  Id thread_id = 0;           // forum topic; 0 for General and for chats without topics
  Id reply_to = 0;            // an explicit reply; the implicit topic reply is added when rendered
  boost::json::object quote;  // the explicit reply's TextQuote; empty: none
  std::string media_group_id;
  // Every type-specific Bot API field: text, entities, caption, photo, document, location,
  // forum_topic_created, ... Copies clone it.
  boost::json::object content;
  boost::json::value reply_markup;  // null when absent
  boost::json::object forward_origin;
  std::map<Id, std::string> reactions;  // who → emoji
  // Channels: a post is sent as the channel (sender_chat = the channel's id); its automatic
  // forward into the linked discussion group carries sender_chat too, and the post remembers it.
  Id sender_chat = 0;
  Id discussion_message_id = 0;

  bool is_service() const;
};

enum class ChatType { kPrivate, kSupergroup };

struct Chat {
  Id id = 0;  // groups: the -100… id; private chats: an internal key (see World)
  ChatType type = ChatType::kSupergroup;
  // Groups.
  std::string title;
  bool is_forum = false;
  std::map<Id, Member> members;
  std::map<Id, Topic> topics;
  // Channels: a supergroup whose members are subscribers; only administrators post, as the
  // channel. linked_chat_id is its discussion group (0: none).
  bool is_channel = false;
  Id linked_chat_id = 0;
  // Private chats: one person and one bot.
  Id user_id = 0;
  Id bot_id = 0;
  // A chat between two people (a customer and a personal account): user_id is the lower id,
  // bot_id the higher one, and no bot is involved.
  bool between_people = false;
  bool started = false;  // the person wrote to the bot at least once
  bool blocked = false;  // the person blocked the bot

  std::map<Id, Message> messages;
  Id next_message_id = 1;
};

struct File {
  std::string file_id;
  std::string file_unique_id;
  std::string kind;  // photo, document, video, voice, audio, sticker, animation, video_note
  std::string file_name;
  std::string mime_type;
  std::string file_path;
  std::string bytes;
};

struct Update {
  Id update_id = 0;
  std::string kind;  // message, edited_message, my_chat_member, message_reaction, callback_query
  boost::json::object payload;
};

struct Webhook {
  std::string url;
  std::string secret_token;
  int max_connections = 40;
  std::int64_t last_error_date = 0;
  std::string last_error_message;
  std::uint64_t generation = 0;  // changes on every setWebhook/deleteWebhook
};

struct BotState {
  std::deque<Update> updates;
  Id next_update_id = 1;
  std::set<std::string> allowed_updates;  // empty: the default set
  Webhook webhook;
  boost::json::array commands;
  std::map<std::string, std::string> callback_answers;  // callback query id → text
};

}  // namespace tgsim::model
