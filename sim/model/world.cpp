#include "sim/model/world.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <utility>

#include "sim/model/text.h"

namespace tgsim::model {

namespace json = boost::json;

namespace {

constexpr std::string_view kTokenAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The administrator rights ChatMemberAdministrator lists, in the documentation's order.
constexpr std::string_view kAdminRights[] = {
    "can_manage_chat",     "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info",     "can_invite_users",       "can_post_stories",
    "can_edit_stories",    "can_delete_stories",  "can_pin_messages",       "can_manage_topics"};

std::string_view file_id_prefix(std::string_view kind) {
  if (kind == "photo") return "AgACAgIAAxkBAAI";
  if (kind == "video") return "BAACAgIAAxkBAAI";
  if (kind == "voice") return "AwACAgIAAxkBAAI";
  if (kind == "audio") return "CQACAgIAAxkBAAI";
  if (kind == "sticker") return "CAACAgIAAxkBAAI";
  if (kind == "animation") return "CgACAgIAAxkBAAI";
  if (kind == "video_note") return "DQACAgIAAxkBAAI";
  return "BQACAgIAAxkBAAI";
}

}  // namespace

// Telegram's names of the statuses, both ways.
constexpr std::pair<MemberStatus, std::string_view> kMemberStatusNames[] = {
    {MemberStatus::kCreator, "creator"}, {MemberStatus::kAdministrator, "administrator"},
    {MemberStatus::kMember, "member"},   {MemberStatus::kRestricted, "restricted"},
    {MemberStatus::kLeft, "left"},       {MemberStatus::kKicked, "kicked"}};

std::string_view to_string(MemberStatus status) {
  for (const auto& [value, name] : kMemberStatusNames) {
    if (value == status) return name;
  }
  return "left";
}

std::optional<MemberStatus> member_status_from_string(std::string_view name) {
  for (const auto& [value, known] : kMemberStatusNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

bool Member::has_right(std::string_view right) const {
  if (status == MemberStatus::kCreator) return true;
  if (status != MemberStatus::kAdministrator) return false;
  const auto* value = rights.if_contains(right);
  return value && value->is_bool() && value->get_bool();
}

bool Message::is_service() const {
  return content.contains("forum_topic_created") || content.contains("forum_topic_edited") ||
         content.contains("forum_topic_closed") || content.contains("forum_topic_reopened");
}

// pre_checkout_query is in Telegram's default set (every kind but chat_member and the reactions).
bool is_default_allowed(std::string_view kind) {
  return kind != "chat_member" && kind != "message_reaction" && kind != "message_reaction_count";
}

World::World(std::uint64_t seed) : rng_(seed) {}

std::int64_t World::now() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() + clock_offset_s_;
}

std::string World::random_string(std::size_t length, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out(length, ' ');
  for (auto& c : out) c = alphabet[pick(rng_)];
  return out;
}

// ---------------------------------------------------------------- accounts and groups

Result<Id> World::create_user(const ProfileInput& profile, const LoginInput& login) {
  if (profile.first_name.empty()) return bad_request("first_name is required");
  Account account;
  account.id = next_user_id_++;
  account.first_name = profile.first_name;
  account.last_name = profile.last_name;
  account.username = profile.username;
  account.language_code = profile.language_code;
  account.phone_number = profile.phone_number;
  account.password = login.password;
  account.password_hint = login.password_hint;
  account.login_code = login.login_code;
  if (!profile.phone_number.empty()) {
    if (phone_digits(profile.phone_number).empty()) return bad_request("phone_number must contain digits");
    if (account_by_phone(profile.phone_number)) return bad_request("phone_number is taken");
  }
  if (!profile.username.empty() && account_by_username(profile.username))
    return bad_request("username is taken");
  accounts_.emplace(account.id, account);
  touch();
  return account.id;
}

Result<NewBot> World::create_bot(const std::string& username, const std::string& first_name,
                                 bool can_read_all_group_messages) {
  if (username.empty()) return bad_request("username is required");
  for (const auto& [id, account] : accounts_) {
    if (!account.username.empty() && account.username == username) return bad_request("username is taken");
  }
  Account bot;
  bot.id = next_bot_id_++;
  bot.is_bot = true;
  bot.first_name = first_name.empty() ? username : first_name;
  bot.username = username;
  bot.can_read_all_group_messages = can_read_all_group_messages;
  bot.token = std::to_string(bot.id) + ":" + random_string(35, kTokenAlphabet);
  tokens_.emplace(bot.token, bot.id);
  auto& state = bots_[bot.id];
  state.next_update_id = static_cast<Id>(std::uniform_int_distribution<int>(100000000, 900000000)(rng_));
  accounts_.emplace(bot.id, bot);
  touch();
  return NewBot{bot.id, bot.token};
}

Result<Id> World::create_group(const std::string& title, bool is_forum, Id owner_id) {
  if (title.empty()) return bad_request("title is required");
  const auto* owner = account(owner_id);
  if (!owner || owner->is_bot) return bad_request("owner_id must be a user");
  Chat chat;
  chat.id = next_group_id_--;
  chat.type = ChatType::kSupergroup;
  chat.title = title;
  chat.is_forum = is_forum;
  // Message 1 of a supergroup is its creation (and 1 is the General topic's thread id).
  chat.next_message_id = 2;
  chat.members[owner_id].status = MemberStatus::kCreator;
  Id id = chat.id;
  groups_.emplace(id, std::move(chat));
  touch();
  return id;
}

Result<Id> World::create_channel(const std::string& title, Id owner_id, Id discussion_group_id) {
  if (discussion_group_id != 0) {
    auto found = groups_.find(discussion_group_id);
    if (found == groups_.end() || found->second.is_channel || found->second.is_forum)
      return bad_request("discussion_group_id must be a group without topics");
    if (!found->second.members.contains(owner_id))
      return bad_request("the owner must be in the discussion group");
  }
  auto id = create_group(title, false, owner_id);
  if (!id) return id;
  Chat& channel = groups_.at(*id);
  channel.is_channel = true;
  channel.linked_chat_id = discussion_group_id;
  if (discussion_group_id != 0) groups_.at(discussion_group_id).linked_chat_id = *id;
  return id;
}

Status World::set_member(Id group_id, Id account_id, MemberStatus status, const json::object& rights) {
  auto found = groups_.find(group_id);
  if (found == groups_.end()) return bad_request("chat not found");
  const auto* who = account(account_id);
  if (!who) return bad_request("user not found");
  auto& member = found->second.members[account_id];
  if (member.status == MemberStatus::kCreator) return bad_request("can't change the owner's status");
  MemberStatus old_status = member.status;
  const json::object old_rights = member.rights;
  member.status = status;
  member.rights = status == MemberStatus::kAdministrator ? rights : json::object{};
  Id owner = 0;
  for (const auto& [id, m] : found->second.members) {
    if (m.status == MemberStatus::kCreator) owner = id;
  }
  // An administrator whose rights change is told too, as Telegram does (my_chat_member with
  // the old and the new rights).
  const bool rights_changed = old_status == status && old_rights != member.rights;
  member_changed(found->second, owner, account_id, old_status, status,
                 rights_changed ? &old_rights : nullptr);
  touch();
  return Done{};
}

Status World::set_blocked(Id user_id, Id bot_id, bool blocked) {
  const auto* user = account(user_id);
  const auto* bot = account(bot_id);
  if (!user || user->is_bot) return bad_request("user_id must be a user");
  if (!bot || !bot->is_bot) return bad_request("bot_id must be a bot");
  auto chat = chat_for_person(user_id, bot_id);
  if (!chat) return chat.error();
  Chat& c = **chat;
  if (c.blocked == blocked) return Done{};
  c.blocked = blocked;
  if (c.started || blocked) {
    member_changed(c, user_id, bot_id, blocked ? MemberStatus::kMember : MemberStatus::kKicked,
                   blocked ? MemberStatus::kKicked : MemberStatus::kMember);
  }
  touch();
  return Done{};
}

const Account* World::account(Id id) const {
  auto found = accounts_.find(id);
  return found == accounts_.end() ? nullptr : &found->second;
}

const Account* World::bot_by_token(std::string_view token) const {
  auto found = tokens_.find(token);
  return found == tokens_.end() ? nullptr : account(found->second);
}

std::string phone_digits(std::string_view phone) {
  std::string out;
  for (char c : phone) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

const Account* World::account_by_phone(std::string_view phone) const {
  const std::string wanted = phone_digits(phone);
  if (wanted.empty()) return nullptr;
  for (const auto& [id, a] : accounts_) {
    if (!a.is_bot && phone_digits(a.phone_number) == wanted) return &a;
  }
  return nullptr;
}

const Account* World::account_by_username(std::string_view username) const {
  if (username.starts_with('@')) username.remove_prefix(1);
  if (username.empty()) return nullptr;
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string wanted = lower(username);
  for (const auto& [id, a] : accounts_) {
    if (!a.username.empty() && lower(a.username) == wanted) return &a;
  }
  return nullptr;
}

// ---------------------------------------------------------------- chat addressing

Result<Chat*> World::chat_for_bot(Id bot_id, Id chat_id) {
  if (chat_id < 0) {
    auto found = groups_.find(chat_id);
    if (found == groups_.end()) return bad_request("chat not found");
    auto member = found->second.members.find(bot_id);
    if (member != found->second.members.end() && member->second.status == MemberStatus::kKicked) {
      return forbidden("bot was kicked from the supergroup chat");
    }
    if (member == found->second.members.end() || !member->second.present()) {
      return forbidden("bot is not a member of the supergroup chat");
    }
    return &found->second;
  }
  const auto* person = account(chat_id);
  if (!person) return bad_request("chat not found");
  if (person->is_bot) {
    if (chat_id == bot_id) return bad_request("chat not found");
    return forbidden("bot can't send messages to bots");
  }
  auto found = privates_.find({chat_id, bot_id});
  if (found != privates_.end() && found->second.started) return &found->second;
  // The bot knows the person only from a shared group: Telegram lets it see them, not write.
  for (const auto& [id, group] : groups_) {
    auto a = group.members.find(bot_id);
    auto b = group.members.find(chat_id);
    if (a != group.members.end() && b != group.members.end() && a->second.present()) {
      return forbidden("bot can't initiate conversation with a user");
    }
  }
  return bad_request("chat not found");
}

Result<Chat*> World::chat_for_person(Id user_id, Id chat_id) {
  const auto* person = account(user_id);
  if (!person || person->is_bot) return bad_request("from must be a user id");
  if (chat_id < 0) {
    auto found = groups_.find(chat_id);
    if (found == groups_.end()) return bad_request("chat not found");
    auto member = found->second.members.find(user_id);
    if (member == found->second.members.end() || !member->second.present()) {
      return forbidden("the user is not a member of the chat");
    }
    return &found->second;
  }
  const auto* bot = account(chat_id);
  if (!bot || chat_id == user_id) return bad_request("chat not found");
  if (!bot->is_bot) {
    auto key = std::minmax(user_id, chat_id);
    auto [it, created] = people_chats_.try_emplace({key.first, key.second});
    if (created) {
      it->second.type = ChatType::kPrivate;
      it->second.between_people = true;
      it->second.user_id = key.first;
      it->second.bot_id = key.second;
      it->second.started = true;
    }
    return &it->second;
  }
  auto [it, created] = privates_.try_emplace({user_id, chat_id});
  if (created) {
    it->second.type = ChatType::kPrivate;
    it->second.user_id = user_id;
    it->second.bot_id = chat_id;
  }
  return &it->second;
}

Result<Chat*> World::group(Id group_id) {
  auto found = groups_.find(group_id);
  if (found == groups_.end()) return bad_request("chat not found");
  return &found->second;
}

// ---------------------------------------------------------------- messages

Status World::check_can_post(Chat& chat, Id sender, Id thread_id) const {
  if (chat.type == ChatType::kPrivate) {
    if (sender == chat.bot_id && chat.blocked) return forbidden("bot was blocked by the user");
    return Done{};
  }
  if (chat.is_channel) {
    auto member = chat.members.find(sender);
    if (member == chat.members.end() || !member->second.admin()) return bad_request("CHAT_WRITE_FORBIDDEN");
  }
  if (thread_id != 0) {
    auto topic = chat.topics.find(thread_id);
    if (topic != chat.topics.end() && topic->second.is_closed) {
      auto member = chat.members.find(sender);
      if (member == chat.members.end() || !member->second.has_right("can_manage_topics")) {
        return bad_request("TOPIC_CLOSED");
      }
    }
  }
  return Done{};
}

Result<Id> World::resolve_thread(const Chat& chat, const MessageInput& input) const {
  const Message* target = nullptr;
  if (input.reply_to != 0) {
    auto found = chat.messages.find(input.reply_to);
    if (found != chat.messages.end()) {
      target = &found->second;
    } else if (!input.allow_sending_without_reply) {
      return bad_request("message to be replied not found");
    }
  }
  if (chat.type != ChatType::kSupergroup || !chat.is_forum) return Id{0};
  if (input.thread_id != 0) {
    if (input.thread_id == kGeneralThread || !chat.topics.contains(input.thread_id)) {
      return bad_request("message thread not found");
    }
    return input.thread_id;
  }
  return target ? target->thread_id : Id{0};
}

Message& World::store(Chat& chat, Id sender, MessageInput input, Id thread_id) {
  Message message;
  message.id = next_message_id(chat);
  message.from = sender;
  message.date = now();
  using Millis = std::chrono::duration<double, std::milli>;
  message.date_ms = Millis(std::chrono::system_clock::now().time_since_epoch()).count();
  message.thread_id = thread_id;
  message.reply_to = chat.messages.contains(input.reply_to) ? input.reply_to : 0;
  if (message.reply_to != 0) message.quote = std::move(input.quote);
  message.media_group_id = std::move(input.media_group_id);
  message.content = std::move(input.content);
  message.reply_markup = std::move(input.reply_markup);
  if (chat.type == ChatType::kPrivate && sender == chat.user_id) chat.started = true;
  auto [it, inserted] = chat.messages.emplace(message.id, std::move(message));
  forget_oldest(chat);
  touch();
  return it->second;
}

void World::forget_oldest(Chat& chat) {
  // Keeps memory flat in long runs; topic roots stay so topics keep their implicit reply, and
  // do not count: a group with many topics still keeps its newest kMaxMessagesPerChat others.
  if (chat.messages.empty()) return;
  auto it = chat.messages.begin();
  const auto newest = std::prev(chat.messages.end());  // the one just stored
  while (chat.messages.size() > kMaxMessagesPerChat + chat.topics.size() && it != newest) {
    const bool topic_root = it->second.id == it->second.thread_id;
    it = topic_root ? std::next(it) : chat.messages.erase(it);
  }
}

Result<const Message*> World::post(Chat& chat, Id sender, MessageInput input) {
  auto thread = resolve_thread(chat, input);
  if (!thread) return thread.error();
  if (auto can = check_can_post(chat, sender, *thread); !can) return can.error();
  Message& message = store(chat, sender, std::move(input), *thread);
  if (chat.is_channel) message.sender_chat = chat.id;
  fan_out(chat, message, "message");
  if (chat.is_channel && chat.linked_chat_id != 0) forward_to_discussion(chat, message);
  return &message;
}

// A channel post appears in its discussion group as an automatic forward, sent as the channel;
// comments are replies to it.
void World::forward_to_discussion(const Chat& channel, Message& post) {
  auto group = groups_.find(channel.linked_chat_id);
  if (group == groups_.end()) return;
  MessageInput input;
  input.content = post.content;
  Message& forwarded = store(group->second, post.from, std::move(input), 0);
  forwarded.sender_chat = channel.id;
  forwarded.forward_origin =
      json::object{{"type", "channel"},
                   {"chat", json::object{{"id", channel.id}, {"title", channel.title}}},
                   {"message_id", post.id},
                   {"date", post.date}};
  post.discussion_message_id = forwarded.id;
  fan_out(group->second, forwarded, "message");
}

Result<std::vector<const Message*>> World::post_album(Chat& chat, Id sender,
                                                      std::vector<MessageInput> items) {
  if (items.empty()) return bad_request("media group is empty");
  auto thread = resolve_thread(chat, items.front());
  if (!thread) return thread.error();
  if (auto can = check_can_post(chat, sender, *thread); !can) return can.error();
  std::string group_id = std::to_string(next_media_group_++);
  std::vector<const Message*> out;
  for (auto& item : items) {
    item.media_group_id = group_id;
    out.push_back(&store(chat, sender, std::move(item), *thread));
  }
  for (const auto* message : out) fan_out(chat, *message, "message");
  return out;
}

Result<std::vector<const Message*>> World::copy(Chat& source, const std::vector<Id>& ids, Chat& target,
                                                Id sender, const MessageInput& overrides, bool forward,
                                                bool keep_caption, bool skip_missing) {
  auto thread = resolve_thread(target, overrides);
  if (!thread) return thread.error();
  if (auto can = check_can_post(target, sender, *thread); !can) return can.error();
  std::vector<const Message*> originals;
  for (Id id : ids) {
    auto found = source.messages.find(id);
    // Service messages can't be copied or forwarded (Bot API: copyMessage).
    const bool copyable = found != source.messages.end() && !found->second.is_service();
    if (!copyable) {
      if (skip_missing) continue;
      if (found == source.messages.end()) {
        return bad_request(forward ? "message to forward not found" : "message to copy not found");
      }
      return bad_request("message can't be copied");
    }
    originals.push_back(&found->second);
  }
  if (originals.empty()) {
    return bad_request(forward ? "messages to forward not found" : "messages to copy not found");
  }
  std::map<std::string, std::string> new_groups;
  std::vector<const Message*> out;
  for (const auto* original : originals) {
    MessageInput input;
    input.reply_to = overrides.reply_to;
    input.allow_sending_without_reply = true;
    input.content = original->content;
    if (!keep_caption) {
      for (const auto& [key, value] : overrides.content) {
        if (value.is_null()) {
          input.content.erase(key);
        } else {
          input.content[key] = value;
        }
      }
    }
    input.reply_markup = overrides.reply_markup;
    if (forward) input.reply_markup = original->reply_markup;
    if (!original->media_group_id.empty() && originals.size() > 1) {
      auto [it, created] = new_groups.try_emplace(original->media_group_id);
      if (created) it->second = std::to_string(next_media_group_++);
      input.media_group_id = it->second;
    }
    Message& copy = store(target, sender, std::move(input), *thread);
    if (forward) {
      copy.forward_origin = json::object{
          {"type", "user"}, {"sender_user", user_json(original->from)}, {"date", original->date}};
    }
    out.push_back(&copy);
  }
  for (const auto* message : out) fan_out(target, *message, "message");
  return out;
}

Result<const Message*> World::edit(Chat& chat, Id editor, Id message_id, const json::object& changes,
                                   const std::optional<json::value>& reply_markup) {
  auto found = chat.messages.find(message_id);
  if (found == chat.messages.end()) return bad_request("message to edit not found");
  Message& message = found->second;
  if (message.from != editor || message.is_service()) return bad_request("message can't be edited");
  const bool has_text = message.content.contains("text");
  if (changes.contains("text") && !has_text) return bad_request("there is no text in the message to edit");
  if (changes.contains("caption") && has_text)
    return bad_request("there is no caption in the message to edit");
  bool modified = reply_markup && *reply_markup != message.reply_markup;
  for (const auto& [key, value] : changes) {
    const auto* current = message.content.if_contains(key);
    if (value.is_null() ? current != nullptr : (!current || *current != value)) modified = true;
  }
  if (!modified) {
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a "
        "current content and reply markup of the message");
  }
  for (const auto& [key, value] : changes) {
    if (value.is_null()) {
      message.content.erase(key);
    } else {
      message.content[key] = value;
    }
  }
  if (reply_markup) message.reply_markup = *reply_markup;
  message.edit_date = now();
  touch();
  fan_out(chat, message, "edited_message");
  return &message;
}

Status World::delete_message(Chat& chat, Id deleter, Id message_id) {
  auto found = chat.messages.find(message_id);
  if (found == chat.messages.end()) return bad_request("message to delete not found");
  bool allowed = found->second.from == deleter || chat.type == ChatType::kPrivate;
  if (!allowed) {
    auto member = chat.members.find(deleter);
    allowed = member != chat.members.end() && member->second.has_right("can_delete_messages");
  }
  if (!allowed || (found->second.is_service() && found->second.id == found->second.thread_id)) {
    return bad_request("message can't be deleted");
  }
  chat.messages.erase(found);
  touch();
  return Done{};
}

Status World::react(Chat& chat, Id who, Id message_id, const std::string& emoji) {
  auto found = chat.messages.find(message_id);
  if (found == chat.messages.end()) return bad_request("message to react not found");
  Message& message = found->second;
  json::array old_reaction;
  if (auto it = message.reactions.find(who); it != message.reactions.end()) {
    old_reaction.push_back(json::object{{"type", "emoji"}, {"emoji", it->second}});
  }
  json::array new_reaction;
  if (emoji.empty()) {
    message.reactions.erase(who);
  } else {
    message.reactions[who] = emoji;
    new_reaction.push_back(json::object{{"type", "emoji"}, {"emoji", emoji}});
  }
  touch();
  const auto* actor = account(who);
  if (!actor || actor->is_bot) return Done{};
  auto notify = [&](Id bot_id) {
    deliver(bot_id, "message_reaction",
            json::object{{"chat", chat_json(chat, bot_id)},
                         {"message_id", message.id},
                         {"user", user_json(who)},
                         {"date", now()},
                         {"old_reaction", old_reaction},
                         {"new_reaction", new_reaction}});
  };
  if (chat.between_people) return Done{};
  if (chat.type == ChatType::kPrivate) {
    notify(chat.bot_id);
  } else {
    // Bots receive reactions in groups only as administrators.
    for (const auto& [id, member] : chat.members) {
      const auto* bot = account(id);
      if (bot && bot->is_bot && member.admin()) notify(id);
    }
  }
  return Done{};
}

Result<std::string> World::press_button(Chat& chat, Id user, Id message_id, const std::string& data) {
  auto found = chat.messages.find(message_id);
  if (found == chat.messages.end()) return bad_request("message not found");
  const auto* author = account(found->second.from);
  if (!author || !author->is_bot) return bad_request("the message was not sent by a bot");
  std::string id = std::to_string(author->id % 1000000) + std::to_string(next_callback_++) + "000";
  json::object query{{"id", id},
                     {"from", user_json(user)},
                     {"message", message_json(chat, found->second, author->id)},
                     {"chat_instance", std::to_string((chat.id ^ author->id) & 0xffffffffffff)},
                     {"data", data}};
  bots_[author->id].callback_answers[id] = {};
  deliver(author->id, "callback_query", std::move(query));
  touch();
  return id;
}

// ---------------------------------------------------------------- topics

Result<const Topic*> World::create_topic(Chat& chat, Id actor, const std::string& name, int icon_color,
                                         const std::string& icon_custom_emoji_id) {
  if (chat.type != ChatType::kSupergroup || !chat.is_forum) return bad_request("the chat is not a forum");
  auto member = chat.members.find(actor);
  if (member == chat.members.end() || !member->second.has_right("can_manage_topics")) {
    return bad_request("not enough rights to create a topic");
  }
  if (name.empty()) return bad_request("TOPIC_TITLE_EMPTY");
  if (text::code_points(name) > 128) return bad_request("TOPIC_TITLE_INVALID");
  Topic topic;
  topic.thread_id = chat.next_message_id;
  topic.name = name;
  topic.icon_color = icon_color;
  topic.icon_custom_emoji_id = icon_custom_emoji_id;
  topic.creator = actor;
  auto [it, inserted] = chat.topics.emplace(topic.thread_id, topic);
  json::object created{{"name", name}, {"icon_color", icon_color}};
  if (!icon_custom_emoji_id.empty()) created["icon_custom_emoji_id"] = icon_custom_emoji_id;
  service_message(chat, actor, topic.thread_id, "forum_topic_created", std::move(created));
  return &it->second;
}

Result<Topic*> World::topic_for_management(Chat& chat, Id actor, Id thread_id, std::string_view right) {
  if (chat.type != ChatType::kSupergroup || !chat.is_forum) return bad_request("the chat is not a forum");
  auto topic = chat.topics.find(thread_id);
  if (topic == chat.topics.end()) return bad_request("message thread not found");
  auto member = chat.members.find(actor);
  bool allowed = member != chat.members.end() && member->second.has_right(right);
  if (!allowed && right == "can_manage_topics") allowed = topic->second.creator == actor;
  if (!allowed) return bad_request("not enough rights to manage topics");
  return &topic->second;
}

Status World::edit_topic(Chat& chat, Id actor, Id thread_id, const std::optional<std::string>& name,
                         const std::optional<std::string>& icon_custom_emoji_id) {
  auto topic = topic_for_management(chat, actor, thread_id, "can_manage_topics");
  if (!topic) return topic.error();
  Topic& t = **topic;
  json::object edited;
  if (name && *name != t.name) {
    if (name->empty()) return bad_request("TOPIC_TITLE_EMPTY");
    if (text::code_points(*name) > 128) return bad_request("TOPIC_TITLE_INVALID");
    t.name = *name;
    edited["name"] = *name;
  }
  if (icon_custom_emoji_id && *icon_custom_emoji_id != t.icon_custom_emoji_id) {
    t.icon_custom_emoji_id = *icon_custom_emoji_id;
    edited["icon_custom_emoji_id"] = *icon_custom_emoji_id;
  }
  if (edited.empty()) return bad_request("TOPIC_NOT_MODIFIED");
  service_message(chat, actor, thread_id, "forum_topic_edited", std::move(edited));
  return Done{};
}

Status World::set_topic_closed(Chat& chat, Id actor, Id thread_id, bool closed) {
  auto topic = topic_for_management(chat, actor, thread_id, "can_manage_topics");
  if (!topic) return topic.error();
  if ((*topic)->is_closed == closed) return bad_request("TOPIC_NOT_MODIFIED");
  (*topic)->is_closed = closed;
  service_message(chat, actor, thread_id, closed ? "forum_topic_closed" : "forum_topic_reopened", {});
  return Done{};
}

Status World::delete_topic(Chat& chat, Id actor, Id thread_id) {
  auto topic = topic_for_management(chat, actor, thread_id, "can_delete_messages");
  if (!topic) return topic.error();
  chat.topics.erase(thread_id);
  std::erase_if(chat.messages, [&](const auto& entry) { return entry.second.thread_id == thread_id; });
  touch();
  return Done{};
}

void World::service_message(Chat& chat, Id actor, Id thread_id, const char* field, json::object body) {
  MessageInput input;
  input.content[field] = std::move(body);
  Message& message = store(chat, actor, std::move(input), thread_id);
  fan_out(chat, message, "message");
}

// ---------------------------------------------------------------- members

Status World::ban(Chat& chat, Id actor, Id user_id, std::int64_t until_date) {
  if (chat.type != ChatType::kSupergroup)
    return bad_request("chat member status can't be changed in private chats");
  auto admin = chat.members.find(actor);
  if (admin == chat.members.end() || !admin->second.has_right("can_restrict_members")) {
    return bad_request("not enough rights to restrict/unrestrict chat member");
  }
  if (!account(user_id)) return bad_request("user not found");
  auto& member = chat.members[user_id];
  if (member.status == MemberStatus::kCreator) return bad_request("can't remove chat owner");
  if (member.status == MemberStatus::kAdministrator && actor != user_id) {
    auto owner = chat.members.find(actor);
    if (owner->second.status != MemberStatus::kCreator)
      return bad_request("user is an administrator of the chat");
  }
  MemberStatus old_status = member.status;
  member.status = MemberStatus::kKicked;
  member.until_date = until_date;
  member.rights = {};
  member_changed(chat, actor, user_id, old_status, MemberStatus::kKicked);
  touch();
  return Done{};
}

Status World::unban(Chat& chat, Id actor, Id user_id, bool only_if_banned) {
  if (chat.type != ChatType::kSupergroup)
    return bad_request("chat member status can't be changed in private chats");
  auto admin = chat.members.find(actor);
  if (admin == chat.members.end() || !admin->second.has_right("can_restrict_members")) {
    return bad_request("not enough rights to restrict/unrestrict chat member");
  }
  auto member = chat.members.find(user_id);
  if (member == chat.members.end()) return Done{};
  if (only_if_banned && member->second.status != MemberStatus::kKicked) return Done{};
  if (member->second.status == MemberStatus::kCreator) return bad_request("can't remove chat owner");
  const MemberStatus old_status = member->second.status;
  if (old_status == MemberStatus::kKicked || !only_if_banned) {
    member->second.status = MemberStatus::kLeft;
    member->second.until_date = 0;
    member_changed(chat, actor, user_id, old_status, MemberStatus::kLeft);
  }
  touch();
  return Done{};
}

void World::member_changed(const Chat& chat, Id actor, Id subject, MemberStatus old_status,
                           MemberStatus new_status, const json::object* old_rights) {
  if (old_status == new_status && old_rights == nullptr) return;
  auto member_json = [&](MemberStatus status, const json::object* rights) {
    json::object out{{"user", user_json(subject)}, {"status", to_string(status)}};
    if (status == MemberStatus::kKicked) out["until_date"] = 0;
    if (status == MemberStatus::kAdministrator && chat.type == ChatType::kSupergroup) {
      auto m = chat.members.find(subject);
      out["can_be_edited"] = false;
      out["is_anonymous"] = false;
      for (auto right : kAdminRights) {
        if (rights != nullptr) {
          const auto* value = rights->if_contains(right);
          out[right] = value != nullptr && value->is_bool() && value->get_bool();
        } else {
          out[right] = m != chat.members.end() && m->second.has_right(right);
        }
      }
    }
    return out;
  };
  auto update_for = [&](Id bot_id) {
    return json::object{{"chat", chat_json(chat, bot_id)},
                        {"from", user_json(actor)},
                        {"date", now()},
                        {"old_chat_member", member_json(old_status, old_rights)},
                        {"new_chat_member", member_json(new_status, nullptr)}};
  };
  const auto* who = account(subject);
  if (who && who->is_bot) deliver(subject, "my_chat_member", update_for(subject));
  if (chat.type != ChatType::kSupergroup) return;
  // Administrator bots hear about other members, when they listed chat_member.
  for (const auto& [id, member] : chat.members) {
    const auto* bot = account(id);
    if (id != subject && bot && bot->is_bot && member.admin()) deliver(id, "chat_member", update_for(id));
  }
}

// ---------------------------------------------------------------- files

const File* World::file(std::string_view file_id) const {
  auto found = files_.find(file_id);
  return found == files_.end() ? nullptr : &found->second;
}

const File* World::file_by_path(std::string_view file_path) const {
  auto found = file_paths_.find(file_path);
  return found == file_paths_.end() ? nullptr : file(found->second);
}

const File& World::add_file(std::string kind, std::string file_name, std::string mime_type,
                            std::string bytes) {
  File f;
  f.file_id = std::string(file_id_prefix(kind)) + random_string(56, kTokenAlphabet);
  f.file_unique_id = "AQAD" + random_string(12, kAlnum);
  std::string extension = ".bin";
  if (auto dot = file_name.rfind('.'); dot != std::string::npos && file_name.size() - dot <= 6) {
    extension = file_name.substr(dot);
  }
  f.file_path =
      (kind == "photo" ? "photos" : kind + "s") + "/file_" + std::to_string(files_.size()) + extension;
  f.kind = std::move(kind);
  f.file_name = std::move(file_name);
  f.mime_type = std::move(mime_type);
  f.bytes = std::move(bytes);
  file_paths_.emplace(f.file_path, f.file_id);
  auto [it, inserted] = files_.emplace(f.file_id, std::move(f));
  return it->second;
}

// ---------------------------------------------------------------- updates

void World::deliver(Id bot_id, std::string_view kind, json::object payload) {
  auto& state = bots_[bot_id];
  bool allowed = state.allowed_updates.empty() ? is_default_allowed(kind)
                                               : state.allowed_updates.contains(std::string(kind));
  if (!allowed) return;
  state.updates.push_back(Update{state.next_update_id++, std::string(kind), std::move(payload)});
  if (state.updates.size() > kMaxPendingUpdates) state.updates.pop_front();
  touch();
  if (on_update_) on_update_(bot_id);
}

void World::fan_out(const Chat& chat, const Message& message, std::string_view kind) {
  if (on_message_) on_message_(chat, message, kind);
  if (chat.between_people) return;
  if (chat.type == ChatType::kPrivate) {
    if (message.from == chat.user_id) deliver(chat.bot_id, kind, message_json(chat, message, chat.bot_id));
    return;
  }
  for (const auto& [id, member] : chat.members) {
    if (id == message.from || !member.present()) continue;
    const auto* bot = account(id);
    if (!bot || !bot->is_bot || !visible_to_bot(chat, message, id)) continue;
    deliver(id, kind, message_json(chat, message, id));
  }
}

bool World::visible_to_bot(const Chat& chat, const Message& message, Id bot_id) const {
  if (chat.type == ChatType::kPrivate) return chat.bot_id == bot_id;
  const auto* sender = account(message.from);
  if (!sender || sender->is_bot) return false;  // bots never see other bots' group messages
  auto member = chat.members.find(bot_id);
  if (member == chat.members.end() || !member->second.present()) return false;
  const auto* bot = account(bot_id);
  if (member->second.admin() || bot->can_read_all_group_messages || message.is_service()) return true;
  // Privacy mode: commands (for this bot or anyone) and replies to the bot's own messages.
  if (const auto* text = message.content.if_contains("text"); text && text->is_string()) {
    if (auto command = text::leading_command(text->get_string()); command) {
      if (command->mention.empty() || command->mention == bot->username) return true;
    }
  }
  if (message.reply_to != 0) {
    auto target = chat.messages.find(message.reply_to);
    if (target != chat.messages.end() && target->second.from == bot_id) return true;
  }
  return false;
}

json::array World::take_updates(Id bot_id, std::int64_t offset, int limit) {
  auto& updates = bots_[bot_id].updates;
  if (offset > 0) {
    while (!updates.empty() && updates.front().update_id < offset) updates.pop_front();
  } else if (offset < 0) {
    while (updates.size() > static_cast<std::size_t>(-offset)) updates.pop_front();
  }
  json::array out;
  for (const auto& update : updates) {
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(json::object{{"update_id", update.update_id}, {update.kind, update.payload}});
  }
  return out;
}

void World::confirm_updates(Id bot_id, Id up_to_including) {
  auto& updates = bots_[bot_id].updates;
  while (!updates.empty() && updates.front().update_id <= up_to_including) updates.pop_front();
}

// ---------------------------------------------------------------- JSON views

json::object World::user_json(Id id, bool for_bot_viewer) const {
  const auto* a = account(id);
  if (!a) return json::object{{"id", id}, {"is_bot", false}, {"first_name", "Deleted Account"}};
  json::object out{{"id", a->id}, {"is_bot", a->is_bot}, {"first_name", a->first_name}};
  if (!a->last_name.empty()) out["last_name"] = a->last_name;
  if (!a->username.empty()) out["username"] = a->username;
  if (!a->is_bot && !a->language_code.empty()) out["language_code"] = a->language_code;
  return out;
}

Id World::chat_id_for(const Chat& chat, Id viewer) const {
  if (chat.type == ChatType::kPrivate) return viewer == chat.bot_id ? chat.user_id : chat.bot_id;
  return chat.id;
}

json::object World::chat_json(const Chat& chat, Id viewer) const {
  if (chat.type == ChatType::kPrivate) {
    const auto* other = account(chat_id_for(chat, viewer));
    json::object out{{"id", chat_id_for(chat, viewer)}, {"first_name", other ? other->first_name : ""}};
    if (other && !other->last_name.empty()) out["last_name"] = other->last_name;
    if (other && !other->username.empty()) out["username"] = other->username;
    out["type"] = "private";
    return out;
  }
  json::object out{{"id", chat.id}, {"title", chat.title}, {"type", "supergroup"}};
  if (chat.is_forum) out["is_forum"] = true;
  return out;
}

json::object World::message_json(const Chat& chat, const Message& message, Id viewer, bool with_reply) const {
  json::object out;
  out.reserve(12 + message.content.size());
  out["message_id"] = message.id;
  const bool in_topic = message.thread_id != 0;
  if (in_topic) out["message_thread_id"] = message.thread_id;
  out["from"] = user_json(message.from);
  out["chat"] = chat_json(chat, viewer);
  out["date"] = message.date;
  if (!message.forward_origin.empty()) out["forward_origin"] = message.forward_origin;
  if (in_topic) out["is_topic_message"] = true;
  if (with_reply) {
    Id reply_id = message.reply_to;
    if (reply_id == 0 && in_topic && message.id != message.thread_id) reply_id = message.thread_id;
    if (auto target = chat.messages.find(reply_id); reply_id != 0 && target != chat.messages.end()) {
      out["reply_to_message"] = message_json(chat, target->second, viewer, false);
    }
    if (!message.quote.empty() && message.reply_to != 0) out["quote"] = message.quote;
  }
  if (message.edit_date != 0) out["edit_date"] = message.edit_date;
  if (!message.media_group_id.empty()) out["media_group_id"] = message.media_group_id;
  for (const auto& [key, value] : message.content) out[key] = value;
  if (!message.reply_markup.is_null()) out["reply_markup"] = message.reply_markup;
  return out;
}

json::object World::topic_json(const Topic& topic) const {
  json::object out{
      {"message_thread_id", topic.thread_id}, {"name", topic.name}, {"icon_color", topic.icon_color}};
  if (!topic.icon_custom_emoji_id.empty()) out["icon_custom_emoji_id"] = topic.icon_custom_emoji_id;
  return out;
}

}  // namespace tgsim::model
