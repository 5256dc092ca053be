// Errors as the Bot API reports them, and a result type that carries them. Every failure a
// client may see is an ApiError whose description is the exact text Telegram uses.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tgsim {

using Id = std::int64_t;

struct ApiError {
  int code = 400;
  std::string description;
  int retry_after = 0;  // seconds; parameters.retry_after of a 429 when > 0
};

inline ApiError bad_request(std::string_view what) { return {400, "Bad Request: " + std::string(what)}; }
inline ApiError forbidden(std::string_view what) { return {403, "Forbidden: " + std::string(what)}; }
inline ApiError too_many_requests(int retry_after) {
  return {429, "Too Many Requests: retry after " + std::to_string(retry_after), retry_after};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct Done {};
using Status = Result<Done>;

}  // namespace tgsim
