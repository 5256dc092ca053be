// Injected failures (POST /sim/faults): error answers for the next calls of a method,
// dropped connections and added latency.
#pragma once
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "sim/model/result.h"

namespace tgsim::botapi {

class Faults {
 public:
  struct Rule {
    std::string method;  // lower case; empty: any method
    ApiError error;
    int remaining = 1;
  };

  void add(Rule rule) { rules_.push_back(std::move(rule)); }
  void drop_connections(int count) { drops_ += count; }
  // `method` (lower case): only that method's answers are delayed; empty: every answer.
  void set_latency_ms(int ms, std::string method = {}) {
    latency_ms_ = ms;
    latency_method_ = std::move(method);
  }
  void clear() {
    rules_.clear();
    drops_ = 0;
    latency_ms_ = 0;
    latency_method_.clear();
  }

  int latency_ms(std::string_view method = {}) const {
    return latency_method_.empty() || latency_method_ == method ? latency_ms_ : 0;
  }
  // True once per connection to drop.
  bool take_drop() {
    if (drops_ <= 0) return false;
    --drops_;
    return true;
  }
  // The error the next call of `method` (lower case) must fail with, if any.
  std::optional<ApiError> take(std::string_view method) {
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
      if (!it->method.empty() && it->method != method) continue;
      ApiError error = it->error;
      if (--it->remaining <= 0) rules_.erase(it);
      return error;
    }
    return std::nullopt;
  }
  std::size_t pending_rules() const { return rules_.size(); }

 private:
  std::deque<Rule> rules_;
  int drops_ = 0;
  int latency_ms_ = 0;
  std::string latency_method_;
};

}  // namespace tgsim::botapi
