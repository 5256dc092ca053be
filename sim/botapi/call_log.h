// The Bot API calls tgsim answered, newest kept (GET /sim/calls): which bot (token) called
// which method for which chat, with what text, when it arrived and when it was answered on
// tgsim's clock, with what status, and from which client port. Tests of several desk
// instances read it to tell who sent what and when (a paused instance must send nothing once
// it lost a connection). Bounded: the oldest calls are dropped beyond kMaxCalls.
//
// Not thread-safe: used on tgsim's one event loop.
#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "sim/model/result.h"

namespace tgsim::botapi {

struct CallRecord {
  std::uint64_t id = 0;  // the call's number in arrival order (as in /sim/stats' in_flight)
  Id bot_id = 0;
  std::string method;            // canonical name, e.g. "sendMessage"
  std::optional<Id> chat_id;     // the call's chat_id parameter, when it has one
  std::string text;              // its text or caption, cut to at most kMaxText bytes
  int messages = 0;              // messages it creates if it succeeds
  int status = 0;                // the HTTP status of the answer
  double received_ms = 0;        // Unix ms (µs fraction) when the request was read
  double answered_ms = 0;        // Unix ms (µs fraction) when the answer was ready
  unsigned short peer_port = 0;  // the client's TCP port
};

class CallLog {
 public:
  static constexpr std::size_t kMaxCalls = 200'000;
  static constexpr std::size_t kMaxText = 200;

  void add(CallRecord record) {
    if (record.text.size() > kMaxText) {
      std::size_t cut = kMaxText;  // never inside a UTF-8 sequence
      while (cut > 0 && (static_cast<unsigned char>(record.text[cut]) & 0xC0) == 0x80) --cut;
      record.text.resize(cut);
    }
    calls_.push_back(std::move(record));
    if (calls_.size() > kMaxCalls) calls_.pop_front();
  }

  // Calls with an id above `after`, of `bot_id` only when given, oldest first, at most `limit`.
  boost::json::array list(std::optional<Id> bot_id, std::uint64_t after, std::size_t limit) const {
    boost::json::array out;
    for (const auto& call : calls_) {
      if (out.size() >= limit) break;
      if (call.id <= after || (bot_id && call.bot_id != *bot_id)) continue;
      boost::json::object entry{{"id", call.id},
                                {"bot_id", call.bot_id},
                                {"method", call.method},
                                {"messages", call.messages},
                                {"status", call.status},
                                {"received_ms", call.received_ms},
                                {"answered_ms", call.answered_ms},
                                {"peer_port", call.peer_port}};
      if (call.chat_id) entry["chat_id"] = *call.chat_id;
      if (!call.text.empty()) entry["text"] = call.text;
      out.push_back(std::move(entry));
    }
    return out;
  }

 private:
  std::deque<CallRecord> calls_;
};

}  // namespace tgsim::botapi
