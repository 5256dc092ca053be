// What the operators learn from the desk's edges: the dispatcher's delivery reports
// (core::EventKind::kDeliveryFailed / kDeliveryRepeated, put into the connection's inbox with the
// job's outcome), command hooks' answers (kHookAnswered, from the webhook worker) and TDLib
// sessions' problems (kSessionProblem), helper bots that left the group (kHelperLeft). The edges never add
// jobs: what is posted is decided here, like every other post.
#include <spdlog/spdlog.h>

#include <charconv>

#include "core/event_json.h"
#include "core/presentation.h"
#include "i18n/catalog.h"
#include "relay/engine.h"

namespace topicdesk::relay {
using core::Event;
using core::UnixMillis;

std::optional<store::Dialog> Engine::reported_dialog(const Event& e) const {
  const core::DialogId id = e.kind == core::EventKind::kHookAnswered ? e.dialog_id : e.delivery.dialog_id;
  if (id == 0) return std::nullopt;
  auto dialog = store_.dialog(id);
  if (!dialog || dialog->connection_id != context_.id) {
    spdlog::warn("connection {}: {} event {} names dialog {}, which is not this connection's", context_.name,
                 core::to_string(e.kind), e.update_id, id);
    return std::nullopt;
  }
  return dialog;
}

namespace {

// When the user was last told a message of theirs could not be relayed (millis as text). One
// notice covers the failures of the next minutes: a message whose topic and copy both fail, or a
// burst of messages Telegram refuses, gives one notice, not one per failure.
std::string failure_told_key(core::DialogId dialog) { return "failure_told:" + std::to_string(dialog); }
constexpr UnixMillis kFailureNoticeEvery = 10 * 60 * 1000;

// Jobs that carry a user's message to the operators (a topic that cannot be made fails the copy
// waiting for it, or the topic job itself).
bool carries_user_message(std::string_view kind) {
  return kind == job::kCopyToTopic || kind == job::kCopyAlbumToTopic || kind == job::kCreateTopic;
}

}  // namespace

// SILENT_MODE off (the product's default): a user whose message cannot reach the operators is
// told so, in one short message (kFailureNoticeEvery).
void Engine::tell_user_not_relayed(const store::Dialog& dialog, UnixMillis now) {
  if (context_.params.silent_mode || dialog.user_blocked_bot) return;
  if (auto told = store_.state_get(context_.id, failure_told_key(dialog.id))) {
    UnixMillis at = 0;
    auto [end, ec] = std::from_chars(told->data(), told->data() + told->size(), at);
    if (ec == std::errc() && now >= at && now - at < kFailureNoticeEvery) return;
  }
  store_.state_set(context_.id, failure_told_key(dialog.id), std::to_string(now));
  send_to_user(dialog, core::notice::message_not_relayed_for_user(user_language(dialog.user_id)),
               kPriorityOperatorReply, now);
}

// A job failed for good. To the user: a block marks the dialog; an operator's message (or one a
// restart left uncertain) is reported in the topic. Into the topic: a user's message Telegram
// would not copy is reported, so the operators know it exists, and the user is told (unless
// SILENT_MODE).
void Engine::on_delivery_failed(const Event& e, UnixMillis now) {
  auto dialog = reported_dialog(e);
  if (!dialog) return;
  const core::DeliveryReport& d = e.delivery;
  if (payment_job_failed(e, *dialog, now)) return;  // engine_payments.cpp
  if (d.to_user) {
    if (d.user_blocked && !dialog->user_blocked_bot) {
      dialog->user_blocked_bot = true;
      store_.update_dialog(*dialog);
    }
    if (!d.operator_message && !d.uncertain) return;
    std::string reason = d.uncertain      ? delivery_notice::not_sent_again(operator_language())
                         : d.user_blocked ? i18n::text(operator_language(), "notices.reason_user_blocked")
                                          : e.text;
    post_in_topic(*dialog, core::notice::not_delivered(operator_language(), reason), kPriorityOperatorReply,
                  now);
    return;
  }
  if (carries_user_message(d.job_kind)) tell_user_not_relayed(*dialog, now);
  if (d.job_kind == job::kCopyToTopic || d.job_kind == job::kCopyAlbumToTopic) {
    post_in_topic(*dialog, core::notice::user_message_not_copied(operator_language(), e.text),
                  kPriorityNormal, now);
  } else if (d.operator_message) {
    post_in_topic(*dialog, core::notice::not_delivered(operator_language(), e.text), kPriorityOperatorReply,
                  now);
  }
}

// A restart interrupted a send and the dispatcher sent it again (docs/architecture.md, delivery
// guarantee). Copies and texts in the group carry their own marker; the topic is told about a
// message sent to the user again, and about an album (which cannot carry a marker).
void Engine::on_delivery_repeated(const Event& e, UnixMillis now) {
  auto dialog = reported_dialog(e);
  if (!dialog) return;
  post_in_topic(*dialog,
                e.delivery.to_user ? delivery_notice::sent_to_user_again(operator_language())
                                   : delivery_notice::album_posted_again(operator_language()),
                kPriorityOperatorReply, now);
}

// A command hook answered (or the notice saying why it could not): into the dialog's topic.
void Engine::on_hook_answered(const Event& e, UnixMillis now) {
  auto dialog = reported_dialog(e);
  if (!dialog) return;
  enqueue(job::kHookAnswer, JobPayload{.dialog = dialog->id, .to = Side::kGroup, .text = e.text},
          kPriorityOperatorReply, now);
  record_text(*dialog, store::HistoryAuthor::kNotice, e.text, now);
}

// The connection's TDLib session cannot work (signed out, revoked, …): the operators are told in
// General; the session decides when a problem is new, so each is said once.
void Engine::on_session_problem(const Event& e, UnixMillis now) { post_in_general(e.text, now); }

// A helper bot was refused in the group and left the rotation (relay/group_posters.h); its work
// went to the other bots. The dispatcher reports each helper once per run.
void Engine::on_helper_left(const Event& e, UnixMillis now) {
  std::string name = e.from.username.empty() ? std::to_string(e.from.id) : "@" + e.from.username;
  post_in_general(core::notice::helper_left(operator_language(), name, e.text), now);
}

}  // namespace topicdesk::relay
