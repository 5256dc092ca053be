// Requests and 429 answers per bot and method, for GET /sim/stats.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "sim/model/result.h"

namespace tgsim::botapi {

struct MethodCounters {
  std::uint64_t requests = 0;
  std::uint64_t too_many_requests = 0;
};

struct Stats {
  std::map<Id, std::map<std::string, MethodCounters, std::less<>>> per_bot;
  std::uint64_t requests = 0;
  std::uint64_t too_many_requests = 0;

  void count(Id bot_id, std::string_view method, int status) {
    auto& methods = per_bot[bot_id];
    auto found = methods.find(method);
    if (found == methods.end()) found = methods.emplace(std::string(method), MethodCounters{}).first;
    ++found->second.requests;
    ++requests;
    if (status == 429) {
      ++found->second.too_many_requests;
      ++too_many_requests;
    }
  }
};

}  // namespace tgsim::botapi
