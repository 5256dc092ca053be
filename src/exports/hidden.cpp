#include "exports/hidden.h"

#include <algorithm>

#include "core/utf8.h"

namespace topicdesk::exports {
namespace {

// The code point ending just before `at`.
char32_t code_point_before(std::string_view text, std::size_t at) {
  std::size_t start = at - 1;
  while (start > 0 && at - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return core::utf8_next(text, start);
}

char32_t code_point_at(std::string_view text, std::size_t at) { return core::utf8_next(text, at); }

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string pseudonym_of(const store::Dialog& dialog) {
  return dialog.pseudonym.empty() ? "client " + std::to_string(dialog.id) : dialog.pseudonym;
}

core::UnixMillis last_contact(const store::Dialog& dialog) {
  auto last = std::max(dialog.last_user_message_at, dialog.last_operator_reply_at);
  return last != 0 ? last : dialog.created_at;
}

IdentityScrubber::IdentityScrubber(const core::Person& person, std::string pseudonym)
    : pseudonym_(std::move(pseudonym)) {
  add_name(person.first_name + (person.last_name.empty() ? "" : " " + person.last_name));
  if (!person.username.empty()) {
    add("@" + person.username, false, true);
    add(person.username, false, true);
  }
  std::string phone;
  for (char c : person.phone)
    if (is_digit(static_cast<unsigned char>(c))) phone += c;
  if (phone.size() >= 5) {
    add(phone, true, false);
    if (person.phone != phone) add(person.phone, false, false);  // as written: "+7 999 …"
  }
  // Shorter ids would scrub ordinary numbers; Telegram's user ids are far longer.
  if (auto id = std::to_string(person.id); person.id > 0 && id.size() >= 5) add(id, true, false);
}

void IdentityScrubber::add_name(std::string_view name) {
  std::string whole(name);
  if (code_points(whole) >= 2) add(whole, false, false);
  std::size_t start = 0;
  while (start < whole.size()) {
    std::size_t end = whole.find(' ', start);
    if (end == std::string::npos) end = whole.size();
    std::string word = whole.substr(start, end - start);
    if (code_points(word) >= 2) add(word, false, false);
    start = end + 1;
  }
}

void IdentityScrubber::add(std::string text, bool digits, bool ignore_case) {
  if (text.empty()) return;
  for (const auto& token : tokens_)
    if (token.text == text) return;
  tokens_.push_back(Token{std::move(text), digits, ignore_case});
  std::stable_sort(tokens_.begin(), tokens_.end(),
                   [](const Token& a, const Token& b) { return a.text.size() > b.text.size(); });
}

bool IdentityScrubber::matches_at(std::string_view text, std::size_t at, const Token& token) const {
  const std::string& t = token.text;
  if (text.size() - at < t.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = text[at + i];
    if (token.ignore_case ? lower(c) != lower(t[i]) : c != t[i]) return false;
  }
  const std::size_t end = at + t.size();
  if (token.digits) {
    if (at > 0 && is_digit(static_cast<unsigned char>(text[at - 1]))) return false;
    return end == text.size() || !is_digit(static_cast<unsigned char>(text[end]));
  }
  // A token that starts (ends) with a word character must not continue a word there.
  if (at > 0 && core::is_word_code_point(code_point_at(t, 0)) &&
      core::is_word_code_point(code_point_before(text, at)))
    return false;
  if (end < text.size() && core::is_word_code_point(code_point_before(t, t.size())) &&
      core::is_word_code_point(code_point_at(text, end)))
    return false;
  return true;
}

std::string IdentityScrubber::operator()(std::string_view text) const {
  if (tokens_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const Token* found = nullptr;
    for (const auto& token : tokens_) {
      if (matches_at(text, i, token)) {
        found = &token;
        break;
      }
    }
    if (found) {
      out += pseudonym_;
      i += found->text.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace topicdesk::exports
