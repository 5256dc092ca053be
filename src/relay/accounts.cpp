#include "relay/accounts.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/utf8.h"
#include "i18n/catalog.h"

namespace topicdesk::relay {
namespace {

constexpr std::size_t kMinUsername = 4;
constexpr std::size_t kMaxUsername = 32;
constexpr std::size_t kMinPhoneDigits = 5;
constexpr std::size_t kMaxPhoneDigits = 15;                // E.164
constexpr std::int64_t kSupergroupOffset = 1000000000000;  // -100… ids: -(offset + internal id)

bool is_username_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (core::is_ascii_space(c)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

// "i3" → 3; nullopt for anything else.
std::optional<core::ConnectionId> instance_of(std::string_view word) {
  if (word.size() < 2 || (word[0] != 'i' && word[0] != 'I')) return std::nullopt;
  core::ConnectionId id = 0;
  auto [ptr, ec] = std::from_chars(word.data() + 1, word.data() + word.size(), id);
  if (ec != std::errc() || ptr != word.data() + word.size() || id <= 0) return std::nullopt;
  return id;
}

core::Result<std::string> phone_of(std::string_view lang, std::string_view text) {
  std::string digits;
  for (char c : text.substr(1)) {
    if (c >= '0' && c <= '9')
      digits += c;
    else if (c != ' ' && c != '-' && c != '(' && c != ')')
      return core::make_error(i18n::text(lang, "accounts.phone_digits_only", {{"phone", std::string(text)}}));
  }
  if (digits.size() < kMinPhoneDigits || digits.size() > kMaxPhoneDigits) {
    return core::make_error(i18n::text(lang, "accounts.phone_length", {{"phone", std::string(text)}}));
  }
  return "+" + digits;
}

}  // namespace

InstanceRequest parse_instance_request(std::string_view args) {
  InstanceRequest request;
  while (!args.empty() && (args.front() == ' ' || args.front() == '\n')) args.remove_prefix(1);
  const std::size_t end = args.find_first_of(" \n");
  if (auto instance = instance_of(args.substr(0, end))) {
    request.instance = *instance;
    args = end == std::string_view::npos ? std::string_view() : args.substr(end + 1);
  }
  while (!args.empty() && (args.front() == ' ' || args.front() == '\n')) args.remove_prefix(1);
  while (!args.empty() && (args.back() == ' ' || args.back() == '\n')) args.remove_suffix(1);
  request.rest = std::string(args);
  return request;
}

core::Result<NewTarget> parse_new_target(std::string_view lang, std::string_view args) {
  auto words = split_words(args);
  NewTarget target;
  if (!words.empty()) {
    if (auto instance = instance_of(words.front())) {
      target.instance = *instance;
      words.erase(words.begin());
    }
  }
  if (words.empty()) return core::make_error(account_notice::usage(lang));
  if (words.front().starts_with('+')) {
    std::string joined;
    for (const auto& w : words) joined += w;  // "+49 170 1234567" arrives as several words
    auto phone = phone_of(lang, joined);
    if (!phone) return phone.error();
    target.phone = std::move(*phone);
    return target;
  }
  if (words.size() > 1) return core::make_error(account_notice::usage(lang));
  std::string_view name = words.front();
  if (name.starts_with('@')) name.remove_prefix(1);
  if (name.starts_with("https://t.me/")) name.remove_prefix(13);
  bool valid = name.size() >= kMinUsername && name.size() <= kMaxUsername &&
               std::all_of(name.begin(), name.end(), is_username_char);
  if (!valid)
    return core::make_error(
        i18n::text(lang, "accounts.not_a_username", {{"name", std::string(words.front())}}));
  target.username = std::string(name);
  return target;
}

std::string topic_link(core::ChatId group_id, core::ThreadId thread_id) {
  if (group_id > -kSupergroupOffset || thread_id <= 0) return {};
  return "https://t.me/c/" + std::to_string(-group_id - kSupergroupOffset) + "/" + std::to_string(thread_id);
}

namespace account_notice {

std::string usage(std::string_view lang) { return i18n::text(lang, "accounts.usage"); }

std::string choose_connection(std::string_view lang, std::string_view connections, std::string_view command) {
  const std::string example =
      command == "new" ? "/new i<ID> @username" : "/" + std::string(command) + " i<ID> …";
  return i18n::text(lang, "accounts.choose_connection",
                    {{"example", example}, {"connections", std::string(connections)}});
}

std::string no_such_connection(std::string_view lang, core::ConnectionId instance, std::string_view command) {
  return i18n::text(lang, "accounts.no_such_connection",
                    {{"command", std::string(command)}, {"instance", std::to_string(instance)}});
}

std::string story_not_an_account(std::string_view lang, core::ConnectionId instance, std::string_view name) {
  return i18n::text(lang, "accounts.story_not_an_account",
                    {{"instance", std::to_string(instance)}, {"name", std::string(name)}});
}

std::string story_usage(std::string_view lang) { return i18n::text(lang, "accounts.story_usage"); }

std::string story_no_viewers(std::string_view lang, std::string_view connection_name) {
  return i18n::text(lang, "accounts.story_no_viewers", {{"connection", std::string(connection_name)}});
}

std::string story_posted(std::string_view lang, std::string_view connection_name, std::size_t viewers) {
  return i18n::text(lang, viewers == 1 ? "accounts.story_posted_one" : "accounts.story_posted",
                    {{"connection", std::string(connection_name)}, {"count", std::to_string(viewers)}});
}

std::string story_failed(std::string_view lang, std::string_view connection_name, std::string_view why) {
  return i18n::text(lang, "accounts.story_failed",
                    {{"connection", std::string(connection_name)}, {"reason", std::string(why)}});
}

std::string not_an_account(std::string_view lang, core::ConnectionId instance, std::string_view name) {
  return i18n::text(lang, "accounts.not_an_account",
                    {{"instance", std::to_string(instance)}, {"name", std::string(name)}});
}

std::string not_found(std::string_view lang, std::string_view query, std::string_view connection_name) {
  return i18n::text(lang, "accounts.not_found",
                    {{"connection", std::string(connection_name)}, {"query", std::string(query)}});
}

std::string topic_opened(std::string_view lang, std::string_view who) {
  return i18n::text(lang, "accounts.topic_opened", {{"who", std::string(who)}});
}

std::string topic_exists(std::string_view lang, std::string_view who) {
  return i18n::text(lang, "accounts.topic_exists", {{"who", std::string(who)}});
}

}  // namespace account_notice

}  // namespace topicdesk::relay
