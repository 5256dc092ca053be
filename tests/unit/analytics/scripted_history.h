// A scripted history of a desk's event log with known answers, shared by the analytics tests:
// three days (Mon 2026-12-07 to Wed 2026-12-09, UTC) of five dialogs, one waiting since the day
// before, one answered only the next day (after WELCOME and a label's template, which are not
// answers), one across midnight that is closed, reopened by its user and closed again, one
// answered by an intercepted message the desk counted, and one whose intercepted message was
// not counted (still waiting at the end).
#pragma once
#include <string>
#include <vector>

#include "core/time_zone.h"
#include "store/event_store.h"

namespace topicdesk::analytics::test_support {

// Unix milliseconds of a UTC wall time in December 2026.
inline core::UnixMillis dec(int day, int hour, int minute = 0) {
  return (core::days_from_civil(2026, 12, day) * 86'400 + hour * 3600 + minute * 60) * 1000;
}

inline constexpr core::ConnectionId kConnection = 1;
inline constexpr core::UserId kAnna = 7;
inline constexpr core::UserId kBoris = 8;

struct ScriptedEvent {
  core::DialogId dialog;
  std::string type;
  std::string payload;
  core::UnixMillis at;
};

inline std::vector<ScriptedEvent> scripted_history() {
  const std::string anna = R"({"message_id":1,"content":"text","operator_id":7})";
  const std::string boris = R"({"message_id":2,"content":"text","operator_id":8})";
  return {
      // Dialog 1: waiting since Sunday evening, answered by Anna on Monday at 01:00 (3 h).
      {1, "dialog_created", R"({"user_id":101})", dec(6, 22)},
      {1, "message_received", R"({"message_id":1,"content":"text","text":"hello"})", dec(6, 22)},
      {1, "message_sent", anna, dec(7, 1)},
      // Dialog 2: WELCOME and a label's template are not answers; Boris answers on Tuesday (25 h).
      {2, "dialog_created", R"({"user_id":102})", dec(7, 9)},
      {2, "message_received", R"({"message_id":1,"content":"text"})", dec(7, 9)},
      {2, "message_sent", R"({"content":"template","template":"hi","parts":1,"by":"welcome"})", dec(7, 9)},
      // Dialog 3: opened at 23:30 on Monday, answered after midnight.
      {3, "dialog_created", R"({"user_id":103})", dec(7, 23, 30)},
      {3, "message_received", R"({"message_id":1,"content":"text"})", dec(7, 23, 30)},
      {3, "message_sent", anna, dec(8, 0, 10)},  // 40 min: the first response
      {3, "message_received", R"({"message_id":2,"content":"text"})", dec(8, 0, 20)},
      {3, "message_received", R"({"message_id":3,"content":"text"})", dec(8, 0, 25)},  // same wait
      {3, "message_sent", R"({"content":"text","text":"ok","via":"api","sender":"CRM"})",
       dec(8, 0, 50)},                                              // 30 min
      {3, "dialog_closed", R"({"by":"operator"})", dec(8, 2, 30)},  // resolved in 3 h
      {2, "message_sent", boris, dec(8, 10)},
      {2, "message_sent", R"({"content":"template","template":"promo","parts":1,"by":"label"})", dec(8, 11)},
      // Dialog 3 again: the user reopens on Wednesday, Boris answers 5 h later, closed at 18:00.
      {3, "dialog_reopened", R"({"by":"user"})", dec(9, 8)},
      {3, "message_received", R"({"message_id":4,"content":"text"})", dec(9, 8)},
      {3, "message_sent", boris, dec(9, 13)},
      {3, "dialog_closed", R"({"by":"autoclose"})", dec(9, 18)},  // resolved in 10 h
      // Dialog 4: the connection's own app answered and the desk counted it (30 min).
      {4, "dialog_created", R"({"user_id":104})", dec(9, 10)},
      {4, "message_received", R"({"message_id":1,"content":"text"})", dec(9, 10)},
      {4, "message_intercepted", R"({"message_id":2,"content":"text","by":"owner","answers":true})",
       dec(9, 10, 30)},
      // Dialog 5: the program wrote, which the desk did not count: still waiting.
      {5, "dialog_created", R"({"user_id":105})", dec(9, 20)},
      {5, "message_received", R"({"message_id":1,"content":"text"})", dec(9, 20)},
      {5, "message_intercepted", R"({"message_id":2,"content":"text","by":"program"})", dec(9, 20, 5)},
  };
}

}  // namespace topicdesk::analytics::test_support
