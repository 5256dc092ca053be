// Parameters of one Bot API request, gathered as the official server does: the query string
// (for GET and POST alike) plus a JSON, form-urlencoded or multipart body. Values keep their
// JSON type when the body was JSON; typed getters accept numbers given as strings and JSON
// given as text, as Telegram does.
#pragma once
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/model/result.h"
#include "sim/model/string_hash.h"

namespace tgsim::botapi {

struct Upload {
  std::string file_name;
  std::string content_type;
  std::string bytes;
};

class Params {
 public:
  static constexpr std::size_t kMaxParameters = 1000;

  // Never fails on malformed input: what can be read is kept, the rest ignored. Only too
  // many parameters is an error (413), as on the official server.
  static Result<Params> parse(std::string_view query, std::string_view content_type, std::string_view body);

  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  std::size_t size() const { return values_.size() + uploads_.size(); }
  const boost::json::value* raw(std::string_view name) const;

  // Integer value; nullopt when absent, empty or not a number.
  std::optional<std::int64_t> integer(std::string_view name) const;
  std::optional<double> number(std::string_view name) const;
  // String value (numbers and booleans rendered as text); nullopt when absent.
  std::optional<std::string> string(std::string_view name) const;
  bool boolean(std::string_view name, bool fallback = false) const;
  // A JSON-serialized parameter (object or array) given either as JSON or as JSON text.
  // nullopt when absent; an error when present but not valid JSON.
  Result<std::optional<boost::json::value>> json(std::string_view name) const;
  const Upload* upload(std::string_view name) const;

  void set(std::string name, boost::json::value value) { values_[std::move(name)] = std::move(value); }

 private:
  Status add_form(std::string_view encoded);
  Status add_json(std::string_view body);
  Status add_multipart(std::string_view content_type, std::string_view body);

  StringMap<boost::json::value> values_;
  StringMap<Upload> uploads_;
};

std::string url_decode(std::string_view encoded, bool plus_is_space = true);

}  // namespace tgsim::botapi
