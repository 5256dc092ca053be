// A Result whose error a person may read in their own language: a refusal made before its reader
// is known (a parameter's value checked, a connection refused, a sign-in that failed) carries a
// catalogue text (i18n::Message) besides its English message.
//
//   Outcome<T> made from an i18n::Message: error().message is the text in English — what logs,
//   the shell and the configuration reader print, exactly as a core::Error's message — and
//   message_in(language) is the same text in the reader's language (the setup bot's admin).
//   Outcome<T> made from a core::Error has only its English; message_in() returns that.
//
// Otherwise it is used as core::Result<T> is (ok(), value(), *, ->, error()) and converts to one.
#pragma once
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "i18n/catalog.h"

namespace topicdesk::core {

template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : result_(std::move(value)) {}                    // NOLINT(google-explicit-constructor)
  Outcome(Error error) : result_(std::move(error)) {}                // NOLINT(google-explicit-constructor)
  Outcome(Result<T> result) : result_(std::move(result)) {}          // NOLINT(google-explicit-constructor)
  Outcome(i18n::Message text, ErrorCode code = ErrorCode::kInvalid)  // NOLINT(google-explicit-constructor)
      : result_(make_error(code, i18n::text(i18n::kFallbackLanguage, text))), text_(std::move(text)) {}
  // An English message of its own (one that names more than the reader needs, such as the
  // session's name) with the catalogue text others read.
  Outcome(Error english, i18n::Message text) : result_(std::move(english)), text_(std::move(text)) {}

  bool ok() const { return result_.ok(); }
  explicit operator bool() const { return ok(); }
  T& value() & { return result_.value(); }
  const T& value() const& { return result_.value(); }
  T&& value() && { return std::move(result_).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return result_.error(); }

  // The catalogue text of the error; key "" when it has only its English message.
  const i18n::Message& text() const { return text_; }
  // What the error says in `language`.
  std::string message_in(std::string_view language) const {
    return text_.key.empty() ? result_.error().message : i18n::text(language, text_);
  }

  // The same refusal as an Outcome of another type (an error passed on).
  template <class U>
  Outcome<U> failure() const {
    if (text_.key.empty()) return Outcome<U>(result_.error());
    return Outcome<U>(result_.error(), text_);
  }

  operator Result<T>() const& { return result_; }         // NOLINT(google-explicit-constructor)
  operator Result<T>() && { return std::move(result_); }  // NOLINT(google-explicit-constructor)

 private:
  Result<T> result_;
  i18n::Message text_;
};

using OutcomeStatus = Outcome<Ok>;

}  // namespace topicdesk::core
