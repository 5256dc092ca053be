// SQL of broadcasts (BroadcastStore).
#pragma once
#include "store/sql/sql_core.h"

namespace topicdesk::store::sql {

// clang-format off
#define TD_BROADCAST_COLUMNS                                                                        \
  "SELECT id, connection_id, creator_id, from_chat_id, message_ids, recipients, state, created_at," \
  " scheduled_at, started_at, finished_at, progress_message_id, progress_at, report_message_id,"   \
  " report, template_name FROM broadcasts "
#define TD_RECIPIENT_COLUMNS \
  "SELECT broadcast_id, user_id, state, error, message_ids, sent_at, attempts FROM broadcast_recipients "
inline constexpr Sql kBroadcastAdd{"broadcast_add",
    "INSERT INTO broadcasts(connection_id, creator_id, from_chat_id, message_ids, recipients, state, created_at,"
    " scheduled_at, started_at, finished_at, progress_message_id, progress_at, report_message_id, report,"
    " template_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) RETURNING id"};
inline constexpr Sql kBroadcastById{"broadcast", TD_BROADCAST_COLUMNS "WHERE id = ?1"};
inline constexpr Sql kBroadcastUpdate{"broadcast_update",
    "UPDATE broadcasts SET from_chat_id = ?2, message_ids = ?3, recipients = ?4, state = ?5, scheduled_at = ?6,"
    " started_at = ?7, finished_at = ?8, progress_message_id = ?9, progress_at = ?10, report_message_id = ?11,"
    " report = ?12, template_name = ?13 WHERE id = ?1"};
inline constexpr Sql kBroadcastsInState{"broadcasts_in_state", TD_BROADCAST_COLUMNS "WHERE state = ?1 ORDER BY id"};
inline constexpr Sql kBroadcastsOf{"broadcasts_of",
    TD_BROADCAST_COLUMNS "WHERE connection_id = ?1 ORDER BY id DESC LIMIT ?2"};
inline constexpr Sql kRecipientAdd{"broadcast_recipient_add",
    "INSERT INTO broadcast_recipients(broadcast_id, user_id, state, error) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (broadcast_id, user_id) DO NOTHING"};
inline constexpr Sql kRecipientAddAll{"broadcast_recipient_add_all",
    "INSERT INTO broadcast_recipients(broadcast_id, user_id, state)"
    " SELECT ?1, user_id, 'pending' FROM dialogs WHERE connection_id = ?2 AND user_blocked_bot = 0 AND banned = 0"
    " ON CONFLICT (broadcast_id, user_id) DO NOTHING"};
inline constexpr Sql kRecipientClaim{"broadcast_recipient_claim",
    "UPDATE broadcast_recipients SET state = 'sending', attempts = attempts + 1"
    " WHERE broadcast_id = ?1 AND user_id IN (SELECT user_id FROM broadcast_recipients"
    " WHERE broadcast_id = ?1 AND state = 'pending' ORDER BY user_id LIMIT ?2)"
    " RETURNING broadcast_id, user_id, state, error, message_ids, sent_at, attempts"};
inline constexpr Sql kRecipientsInState{"broadcast_recipients_in_state",
    TD_RECIPIENT_COLUMNS "WHERE broadcast_id = ?1 AND state = ?2 AND user_id > ?3 ORDER BY user_id LIMIT ?4"};
inline constexpr Sql kRecipientsAll{"broadcast_recipients_all",
    TD_RECIPIENT_COLUMNS "WHERE broadcast_id = ?1 AND user_id > ?2 ORDER BY user_id LIMIT ?3"};
inline constexpr Sql kRecipientFinish{"broadcast_recipient_finish",
    "UPDATE broadcast_recipients SET state = ?3, error = ?4, message_ids = ?5, sent_at = ?6,"
    " attempts = ?7 WHERE broadcast_id = ?1 AND user_id = ?2"};
inline constexpr Sql kRecipientsSkipPending{"broadcast_recipients_skip_pending",
    "UPDATE broadcast_recipients SET state = 'skipped', error = ?2 WHERE broadcast_id = ?1 AND state = 'pending'"};
inline constexpr Sql kRecipientCounts{"broadcast_recipient_counts",
    "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id = ?1 GROUP BY state"};
inline constexpr Sql kBroadcastSendsSince{"broadcast_sends_since",
    "SELECT COUNT(*) FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id"
    " WHERE b.connection_id = ?1 AND r.state = 'sent' AND r.sent_at >= ?2"};
#undef TD_BROADCAST_COLUMNS
#undef TD_RECIPIENT_COLUMNS
// clang-format on

}  // namespace topicdesk::store::sql
