// Outbox job kinds and their JSON payloads: the contract between the engine (which decides
// what to send) and the dispatcher (which sends it). A payload names *what* (copy message 17
// of dialog 4 into its topic); the dispatcher resolves *where* when it runs (the topic's
// current thread id, the linked id of a replied-to message), because earlier jobs of the same
// queue may create them.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "store/store.h"

namespace topicdesk::relay {

namespace job {
// Into the backend group (queue "d<dialog>:g", General: "c<connection>:general").
inline constexpr std::string_view kCreateTopic = "create_topic";   // createForumTopic + the user card
inline constexpr std::string_view kCopyToTopic = "copy_to_topic";  // copyMessage user → topic
inline constexpr std::string_view kCopyAlbumToTopic = "copy_album_to_topic";  // copyMessages user → topic
inline constexpr std::string_view kSetTopicTitle = "set_topic_title";  // editForumTopic (status marker)
inline constexpr std::string_view kCloseTopic = "close_topic";         // closeForumTopic
inline constexpr std::string_view kReopenTopic = "reopen_topic";       // reopenForumTopic
// To the user (queue "d<dialog>:u").
inline constexpr std::string_view kCopyToUser = "copy_to_user";             // copyMessage topic → user
inline constexpr std::string_view kCopyAlbumToUser = "copy_album_to_user";  // copyMessages topic → user
// Either side (payload.to).
inline constexpr std::string_view kSendText = "send_text";        // sendMessage (notices, card, /info …)
inline constexpr std::string_view kEditText = "edit_text";        // editMessageText of the linked copy
inline constexpr std::string_view kEditCaption = "edit_caption";  // editMessageCaption of the linked copy
inline constexpr std::string_view kSetReaction = "set_reaction";  // setMessageReaction on the linked copy
// Intercepted messages: a message the bot's program (or the account owner) sent to the user,
// copied into the topic marked as intercepted; linked like a user's message.
inline constexpr std::string_view kInterceptText = "intercept_text";  // sendMessage: text = marked text
// copyMessage user chat → topic; non-empty text replaces the caption (marked), empty text
// (content without a caption) gets the marker as an inline button instead.
inline constexpr std::string_view kInterceptCopy = "intercept_copy";
// editMessageText of an intercepted text copy (text = the marked text). Its own kind because the
// copy was posted by the bot even on account connections, whose kEditText goes through the
// account's session.
inline constexpr std::string_view kInterceptEditText = "intercept_edit_text";
// A command hook's answer in the topic; `text` holds the sendMessage fields as JSON
// ({"text", "parse_mode"?, "reply_markup"?}).
inline constexpr std::string_view kHookAnswer = "hook_answer";
// One part of a message template (crm/templates.h). `text` holds the calls as JSON:
// {"user": {"method", "params"}, "topic": {"method", "params"}} without chat and thread. A job
// made to the user (queue "d<dialog>:u") sends "user" first; its next step posts "topic" in
// the dialog's topic, the sent copies in `message_ids`, and links each copy to the user's (as an
// operator's message), so replies and reactions follow. A job made to the group (a preview,
// /template show) posts "topic" only, linked to nothing.
inline constexpr std::string_view kTemplatePart = "template_part";
// sendDocument of a file the desk made (a broadcast report, an export): `document` holds its
// bytes, `document_name` its name, `text` the caption. Into General (dialog 0) or a topic.
inline constexpr std::string_view kSendDocument = "send_document";
// A document the engine needs to read (`/send file`'s user ids, `/table import`'s CSV): getFile,
// then the download (crm::kMaxIdsFileBytes at most, or the payload's "max_bytes"), its text back to
// the engine as a kIdsFileRead event. `text` is JSON: {"file_id", "request", "max_bytes"?,
// "base64"?} (the request is the engine's, returned as it is; with "base64" the content comes back
// base64-encoded, being perhaps not UTF-8), and after getFile also "file_path" or "error" (with
// "file_size" when the document is over the bound; the event carries it too).
inline constexpr std::string_view kReadIdsFile = "read_ids_file";
// Payments (docs/payments.md, relay/engine_payments.cpp). `text` holds each call's fields as JSON.
// sendInvoice to the dialog's user: {"title", "description", "payload", "currency", "amount"}; the
// dispatcher adds the connection's provider token (never stored) for currencies other than XTR.
inline constexpr std::string_view kSendInvoice = "send_invoice";
// answerPreCheckoutQuery: {"query_id", "ok", "error_message"?}. No chat and no flood slot, its own
// queue (pre_checkout_queue_key), kPriorityPreCheckout: Telegram waits 10 seconds at most.
inline constexpr std::string_view kAnswerPreCheckout = "answer_pre_checkout";
// refundStarPayment of the dialog's user: {"charge_id"}. A refusal comes back as kDeliveryFailed.
inline constexpr std::string_view kRefundStarPayment = "refund_star_payment";
}  // namespace job

// Lower goes first among ready queue heads.
inline constexpr int kPriorityPreCheckout = -10;  // ahead of everything: Telegram's 10-second deadline
inline constexpr int kPriorityOperatorReply = 0;
inline constexpr int kPriorityNewDialog = 1;
inline constexpr int kPriorityNormal = 5;
inline constexpr int kPriorityBulk = 9;

enum class Side { kGroup, kUser };

struct JobPayload {
  core::DialogId dialog = 0;                 // 0: the General topic of the connection's group
  Side to = Side::kGroup;                    // where the call goes
  core::MessageId message_id = 0;            // source message on the other side (copy, edit, reaction)
  std::vector<core::MessageId> message_ids;  // albums, increasing
  core::MessageId reply_to = 0;              // source-side id of the replied-to message; 0: no reply
  core::ChatId chat = 0;                     // explicit user chat when there is no dialog (dialog == 0)
  core::ThreadId thread = 0;                 // explicit topic (an old topic left closed); 0: the dialog's
  std::string text;                          // send_text / edits / explicit title
  std::string entities_json;  // edits, send_text: the Bot API entities of `text` as JSON; empty: none
  std::vector<std::string> reactions;  // set_reaction: emoji, empty clears
  std::vector<core::UserId> user_ids;  // post_story: the users who may see it
  bool operator_message = false;       // an operator's message: failures are reported in the topic
  std::string document_name;           // send_document: the file's name
  std::string document;                // send_document: the file's bytes (base64 in the JSON)
  // Set by the dispatcher, never by the engine: the user card to post in the dialog's topic
  // before this job's own call. Committed with the topic's thread id, so a topic never exists
  // without its card on the way (the job stays its queue's head until the card is posted).
  std::string card;
  // copy_to_topic of a plain text (relay/coalescing.h): when the user wrote it; its `text` and
  // `entities_json` are the message's, so queued texts can be posted as one message.
  core::UnixMillis at = 0;
  // copy_to_user replying with a quote: the quote's UTF-16 position in the replied message;
  // -1: no quote. Picks the part of a merged copy the operator answered.
  std::int64_t quote_position = -1;
};

std::string payload_to_json(const JobPayload& payload);
// Bytes as base64 (RFC 4648, padded) and back (nullopt: not base64): documents in payloads and
// events, whose JSON strings must be UTF-8.
std::string to_base64(std::string_view bytes);
std::optional<std::string> from_base64(std::string_view text);
core::Result<JobPayload> payload_from_json(std::string_view json);

std::string queue_key(core::ConnectionId connection, const JobPayload& payload);
// A dialog's title edits have a queue of their own ("d<dialog>:title", at most one job, bulk
// priority): they never wait in front of the dialog's messages (docs/labels.md).
std::string title_queue_key(core::DialogId dialog);
bool is_title_queue(std::string_view queue_key);
// A pre-checkout query's answer has a queue of its own ("c<connection>:pcq:<query id>"): it never
// waits behind another job.
std::string pre_checkout_queue_key(core::ConnectionId connection, std::string_view query_id);

// Inbox update ids of delivery reports (core::EventKind::kDeliveryFailed / kDeliveryRepeated):
// bit 60 plus the job id and the kind, so a report written twice dedupes, and they never meet
// Bot API ids (< 2^32), resolve results (bit 61) nor TDLib ids (bit 62).
inline constexpr std::int64_t kDeliveryUpdateBase = std::int64_t{1} << 60;
std::int64_t delivery_update_id(std::int64_t job_id, bool repeated);

// Inbox update ids of the other events the desk makes itself, below the delivery reports and
// above the proxy's intercepted ids (bit 53): a command hook's answer (kHookAnswered) is bit 59
// plus the webhook delivery's id (one answer per delivery, even when written twice); a TDLib
// session's problem (kSessionProblem) is bit 58 plus the time it was found, in milliseconds; a
// broadcast's end (kBroadcastEnded) is bit 57 plus the broadcast's id (reported once per end).
inline constexpr std::int64_t kHookAnswerUpdateBase = std::int64_t{1} << 59;
inline constexpr std::int64_t kSessionProblemUpdateBase = std::int64_t{1} << 58;
inline constexpr std::int64_t kBroadcastEndedUpdateBase = std::int64_t{1} << 57;
inline std::int64_t hook_answer_update_id(std::int64_t delivery_id) {
  return kHookAnswerUpdateBase | delivery_id;
}
inline std::int64_t session_problem_update_id(core::UnixMillis at) { return kSessionProblemUpdateBase | at; }
inline std::int64_t broadcast_ended_update_id(std::int64_t broadcast_id) {
  return kBroadcastEndedUpdateBase | broadcast_id;
}
// A document of user ids read for `/send file` (kIdsFileRead): bit 56 plus the job's id.
inline constexpr std::int64_t kIdsFileUpdateBase = std::int64_t{1} << 56;
inline std::int64_t ids_file_update_id(std::int64_t job_id) { return kIdsFileUpdateBase | job_id; }
// A helper bot that left a group's rotation (kHelperLeft): bit 55 plus the time, in milliseconds.
inline constexpr std::int64_t kHelperLeftUpdateBase = std::int64_t{1} << 55;
inline std::int64_t helper_left_update_id(core::UnixMillis at) { return kHelperLeftUpdateBase | at; }
// The group's backlog grew old or cleared (kGroupBacklog): bit 54 plus the time it was found, in ms.
inline constexpr std::int64_t kGroupBacklogUpdateBase = std::int64_t{1} << 54;
inline std::int64_t group_backlog_update_id(core::UnixMillis at) { return kGroupBacklogUpdateBase | at; }

// What a restart that interrupted a send leaves behind (docs/architecture.md, delivery guarantee).
namespace delivery_notice {
// Appended to a text, or the button under a copy, posted again into the group after a restart
// (in the operators' language).
std::string repeated_marker(std::string_view lang);
inline constexpr std::string_view kRepeatedCallback = "td:repeated";
std::string sent_to_user_again(std::string_view lang);  // in the topic: the user may have received it twice
std::string album_posted_again(std::string_view lang);  // in the topic: the album above may appear twice
std::string not_sent_again(std::string_view lang);  // not_delivered's reason: a second restart, not repeated
}  // namespace delivery_notice

store::OutboxJob make_job(core::ConnectionId connection, std::string_view kind, const JobPayload& payload,
                          int priority, core::UnixMillis now);

}  // namespace topicdesk::relay
