// Transparent hashing so string-keyed maps can be searched with a string_view.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tgsim {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace tgsim
