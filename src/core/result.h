// Results at the edges: parsing and validation return Result<T>, carrying a message a
// user may see that names what was wrong and where, and an ErrorCode saying what kind of
// failure it is. Edges turn the code into their own answer (HTTP: http::status_for() in
// http/error_status.h) instead of choosing a number from the text. Exceptions are for bugs
// and start-up.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace topicdesk::core {

// What kind of failure an Error is, in words every edge can map to its own answer.
enum class ErrorCode {
  kInvalid,       // the request or input is malformed or fails validation (the default)
  kUnauthorized,  // no credentials, or credentials that are not valid
  kForbidden,     // valid credentials that may not do this
  kNotFound,      // what the request names does not exist
  kConflict,      // the request contradicts the current state
  kTooLarge,      // the input is larger than allowed
  kRateLimited,   // too many requests; retry later
  kUnavailable,   // a dependency is down or not ready; retry later
  kInternal,      // a bug or an unexpected failure on our side
};

struct Error {
  std::string message;
  ErrorCode code = ErrorCode::kInvalid;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }
inline Error make_error(ErrorCode code, std::string message) { return Error{std::move(message), code}; }

}  // namespace topicdesk::core
