// Account connections in the relay: the `/new` command that lets operators write
// first, the outbox jobs it needs, and the topic links posted in General. Pure helpers; the
// engine (engine_accounts.cpp) and the dispatcher (its resolveUser and announce calls) use them.
//
// /new flow: an operator types `/new [i<ID>] @user|+phone` in General → the engine of the
// chosen connection adds a kResolveUser job → the dispatcher asks the account's TDLib session
// (TdFrontendApi "resolveUser") and stores the answer as a kUserResolved event in that
// connection's inbox → the engine opens the dialog and its topic and adds kAnnounceTopic,
// which the dispatcher posts in General with a link once the topic exists.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.h"
#include "core/result.h"

namespace topicdesk::relay {

namespace job {
// Through the connection's frontend (the account): resolve `text` (@username or +phone).
// payload: to = user, chat = 0, text = the query.
inline constexpr std::string_view kResolveUser = "resolve_user";
// Through the connection's frontend (the account): post the photo or video of group message
// `message_id` as a story with caption `text`, visible to `user_ids` (TdFrontendApi "postStory").
// payload: to = user, chat = 0 (queue "c<connection>:u0"). The outcome comes back as kStoryPosted.
inline constexpr std::string_view kPostStory = "post_story";
// sendMessage in General (no thread): payload.text, then the link to the dialog's topic.
// payload: dialog, to = group; queued behind the dialog's create_topic.
inline constexpr std::string_view kAnnounceTopic = "announce_topic";
}  // namespace job

// What follows `/new`: an optional `i<ID>` naming the connection, then a username or a phone.
struct NewTarget {
  core::ConnectionId instance = 0;  // 0: not given
  std::string username;             // without '@'; empty when a phone is given
  std::string phone;                // "+4917012345" (digits after '+'); empty when a username is given

  std::string query() const { return phone.empty() ? "@" + username : phone; }
};

// `i3 @alice`, `@alice`, `alice`, `+49 170 123-45-67`, `i3 +491701234567`. Errors say what is
// wrong in words an operator understands.
core::Result<NewTarget> parse_new_target(std::string_view lang, std::string_view args);

// What follows a General command that a group shared by several connections may address to one
// of them (`/story`, `/hours`): an optional `i<ID>` naming the connection, then the rest (trimmed;
// /story's caption, may be empty).
struct InstanceRequest {
  core::ConnectionId instance = 0;  // 0: not given
  std::string rest;
};
InstanceRequest parse_instance_request(std::string_view args);

// https://t.me/c/<internal id>/<thread>: opens the topic in every Telegram app. Empty for a
// chat that is not a supergroup (-100…).
std::string topic_link(core::ChatId group_id, core::ThreadId thread_id);

// Inbox update ids of resolve results: bit 61 set plus the job id, so a job retried after a
// crash dedupes, and they never meet Bot API ids (< 2^32) nor TDLib ones (bit 62).
inline constexpr std::int64_t kResolveUpdateBase = std::int64_t{1} << 61;
inline std::int64_t resolve_update_id(std::int64_t job_id) { return kResolveUpdateBase | job_id; }
// Story outcomes (kStoryPosted) share that space: bit 61, bit 57 and the job id.
inline constexpr std::int64_t kStoryUpdateBase = kResolveUpdateBase | (std::int64_t{1} << 57);
inline std::int64_t story_update_id(std::int64_t job_id) { return kStoryUpdateBase | job_id; }

// Texts posted in General.
namespace account_notice {
// In the operators' language (LANGUAGE).
std::string usage(std::string_view lang);
// `command` is "new" or "story"; `connections` lists them: "i1 shop, i3 sales".
std::string choose_connection(std::string_view lang, std::string_view connections,
                              std::string_view command = "new");
std::string no_such_connection(std::string_view lang, core::ConnectionId instance,
                               std::string_view command = "new");
std::string not_an_account(std::string_view lang, core::ConnectionId instance, std::string_view name);
// /story
std::string story_not_an_account(std::string_view lang, core::ConnectionId instance, std::string_view name);
std::string story_usage(std::string_view lang);
std::string story_no_viewers(std::string_view lang, std::string_view connection_name);
std::string story_posted(std::string_view lang, std::string_view connection_name, std::size_t viewers);
std::string story_failed(std::string_view lang, std::string_view connection_name, std::string_view why);
std::string not_found(std::string_view lang, std::string_view query, std::string_view connection_name);
std::string topic_opened(std::string_view lang, std::string_view who);
std::string topic_exists(std::string_view lang, std::string_view who);
}  // namespace account_notice

}  // namespace topicdesk::relay
