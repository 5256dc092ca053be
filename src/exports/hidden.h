// HIDE_INFO in exports: what stands for a hidden client (the dialog's pseudonym) and the
// scrubbing of their identity (names, username, phone, user id) out of texts, so a transcript
// for someone who may not see the user names them nowhere, not even in what others wrote.
// Internal to exports/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "store/dialog_store.h"

namespace topicdesk::exports {

// The dialog's HIDE_INFO pseudonym; "client <dialog id>" for a dialog that has none.
std::string pseudonym_of(const store::Dialog& dialog);

// The last message either way (the user's or an operator's); the dialog's creation when none.
core::UnixMillis last_contact(const store::Dialog& dialog);

// Replaces every occurrence of a client's identity in a text by their pseudonym: the full
// name and each name (whole words, case as written), the username with or without '@' (any
// ASCII case), the phone and the user id (whole digit runs).
class IdentityScrubber {
 public:
  IdentityScrubber(const core::Person& person, std::string pseudonym);
  // A name the user went by earlier (the history's sender names).
  void add_name(std::string_view name);
  std::string operator()(std::string_view text) const;

 private:
  struct Token {
    std::string text;
    bool digits = false;       // a digit run: bounded by non-digits
    bool ignore_case = false;  // ASCII case ignored (usernames)
  };
  void add(std::string text, bool digits, bool ignore_case);
  bool matches_at(std::string_view text, std::size_t at, const Token& token) const;
  std::vector<Token> tokens_;  // longest first
  std::string pseudonym_;
};

}  // namespace topicdesk::exports
