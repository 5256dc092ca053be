// Engine, the AI consultant (docs/ai.md): pure decisions, each inside the event's transaction.
//
//   a user's message  → AI draft: a request for a suggestion; auto: a request due after AI_DELAY
//                       (an earlier auto request of the dialog gives way: one answer to the newest)
//   an operator answers → the dialog's waiting requests are cancelled; auto goes quiet in it until
//                       the dialog opens again (or /ai on)
//   the worker's report (kAiAnswered) → draft: the suggestion in the topic with Send and Discard;
//                       auto: the answer to the user, marked as automatic, and in the topic, or the
//                       hand-over ("an operator will answer") when the knowledge has nothing or the
//                       model says so; /ai QUESTION: the answer as a comment. A failure is told
//                       once in General (again only after the AI worked in between).
//   Send / Discard (kGroupButtonPressed) → the suggestion goes to the user as the operator's own
//                       reply, or is dropped; the buttons go away.
//
// The calls themselves are the AI worker's (ai/worker.h); nothing here waits for them.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>

#include "core/utf8.h"
#include "i18n/catalog.h"
#include "relay/engine.h"
#include "relay/ratings.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::AiMode;
using core::Event;
using core::UnixMillis;
using store::AiRequest;
using store::AiRequestKind;
using store::AiRequestStatus;
using store::Dialog;

namespace {

// General is told of a failure once; this state key holds the failure told.
constexpr std::string_view kFailingKey = "ai:failing";
constexpr std::string_view kKnowledgeKey = "ai:knowledge_failed";
constexpr std::string_view kSend = "send";
constexpr std::string_view kDiscard = "discard";

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : 0;
}

std::string button_data(std::string_view action, std::int64_t request) {
  return fmt::format("{}{}:{}", core::kAiCallbackPrefix, action, request);
}

// "td:ai:send:17" → ("send", 17); nullopt for anything else.
std::optional<std::pair<std::string, std::int64_t>> parse_button(std::string_view data) {
  if (!data.starts_with(core::kAiCallbackPrefix)) return std::nullopt;
  data.remove_prefix(core::kAiCallbackPrefix.size());
  auto colon = data.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string action(data.substr(0, colon));
  if (action != kSend && action != kDiscard) return std::nullopt;
  std::int64_t id = 0;
  for (char c : data.substr(colon + 1)) {
    if (c < '0' || c > '9' || id > (INT64_MAX - 9) / 10) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (id == 0) return std::nullopt;
  return std::make_pair(std::move(action), id);
}

std::string person_name(const core::Person& p) {
  if (!p.first_name.empty()) return p.last_name.empty() ? p.first_name : p.first_name + " " + p.last_name;
  if (!p.username.empty()) return "@" + p.username;
  return std::to_string(p.id);
}

// The operators' words for a failure kind (the worker's ai::to_string(Failure) names).
std::string failure_text(std::string_view language, const std::string& failure, const std::string& detail) {
  static const std::vector<std::string> kKnown = {"timeout",   "rate_limited", "server_error", "refused",
                                                  "malformed", "network",      "budget"};
  const std::string kind =
      std::find(kKnown.begin(), kKnown.end(), failure) != kKnown.end() ? failure : std::string("network");
  return i18n::text(language, "ai.failure_" + kind, {{"detail", core::utf16_truncate(detail, 200)}});
}

// A knowledge report's problem (ai::Report::problem) in `language`; `detail` (English) when the
// report carries none.
std::string problem_text(std::string_view language, const json::object& report, const std::string& detail) {
  const auto* problem = report.if_contains("problem");
  if (problem == nullptr || !problem->is_object()) return detail;
  i18n::Message message{.key = string_field(problem->get_object(), "key")};
  if (!message.key.starts_with("ai.problem_")) return detail;
  if (const auto* args = problem->get_object().if_contains("args"); args != nullptr && args->is_object()) {
    for (const auto& [name, value] : args->get_object()) {
      if (value.is_string()) message.args.emplace_back(name, std::string(value.get_string()));
    }
  }
  return i18n::text(language, message);
}

}  // namespace

AiMode Engine::ai_mode_in(const Dialog& dialog, const store::AiDialogState& state) const {
  (void)dialog;
  if (context_.params.ai == AiMode::kOff || state.override_mode == "off") return AiMode::kOff;
  return context_.params.ai;
}

void Engine::ai_on_user_message(const Dialog& dialog, const Event& e, bool fresh, UnixMillis now) {
  if (context_.params.ai == AiMode::kOff || dialog.user_id <= 0) return;
  auto state = store_.ai_dialog_state(dialog.id);
  if (fresh && state.quiet) {  // a new conversation: auto may answer again
    state.quiet = false;
    store_.set_ai_dialog_state(dialog.id, state);
  }
  const AiMode mode = ai_mode_in(dialog, state);
  if (mode == AiMode::kOff || e.text.empty() || core::parse_command(e.text, "")) return;
  if (mode == AiMode::kAuto && state.quiet) return;
  AiRequest r;
  r.connection_id = context_.id;
  r.dialog_id = dialog.id;
  r.kind = mode == AiMode::kAuto ? AiRequestKind::kAuto : AiRequestKind::kDraft;
  r.question = e.text;
  r.language = e.from.language_code;
  r.due_at = mode == AiMode::kAuto ? now + UnixMillis{context_.params.ai_delay_minutes} * 60'000 : now;
  r.created_at = now;
  r.updated_at = now;
  // auto: one answer to the user's newest message, not one per line they typed.
  if (r.kind == AiRequestKind::kAuto) store_.cancel_ai_requests(dialog.id, AiRequestKind::kAuto, now);
  store_.add_ai_request(r);
}

void Engine::ai_on_operator_answer(const Dialog& dialog, UnixMillis now) {
  if (context_.params.ai == AiMode::kOff) return;
  store_.cancel_ai_requests(dialog.id, AiRequestKind::kDraft, now);
  store_.cancel_ai_requests(dialog.id, AiRequestKind::kAuto, now);
  if (context_.params.ai != AiMode::kAuto) return;
  auto state = store_.ai_dialog_state(dialog.id);
  if (state.quiet) return;
  state.quiet = true;  // an operator took the dialog: the AI stops answering in it
  store_.set_ai_dialog_state(dialog.id, state);
}

void Engine::on_ai_command(const core::Command& command, Dialog& dialog, const Event& e, UnixMillis now) {
  const auto& lang = context_.params.language;
  const std::string args = core::trim(command.args);
  if (context_.params.ai == AiMode::kOff)
    return post_in_topic(dialog, i18n::text(lang, "ai.connection_off"), kPriorityOperatorReply, now);
  if (args.empty()) return post_in_topic(dialog, i18n::text(lang, "ai.usage"), kPriorityOperatorReply, now);
  const std::string word = core::lower_ascii(args);
  if (word == "on" || word == "off") {
    auto state = store_.ai_dialog_state(dialog.id);
    state.override_mode = word;
    state.quiet = false;
    store_.set_ai_dialog_state(dialog.id, state);
    if (word == "off") {
      store_.cancel_ai_requests(dialog.id, AiRequestKind::kDraft, now);
      store_.cancel_ai_requests(dialog.id, AiRequestKind::kAuto, now);
      return post_in_topic(dialog, i18n::text(lang, "ai.off"), kPriorityOperatorReply, now);
    }
    return post_in_topic(dialog,
                         i18n::text(lang, context_.params.ai == AiMode::kAuto ? "ai.on_auto" : "ai.on_draft",
                                    {{"minutes", std::to_string(context_.params.ai_delay_minutes)}}),
                         kPriorityOperatorReply, now);
  }
  AiRequest r;
  r.connection_id = context_.id;
  r.dialog_id = dialog.id;
  r.kind = AiRequestKind::kAsk;
  r.question = args;
  r.asked_by = e.sender_is_anonymous_admin ? 0 : e.from.id;
  r.language = lang;
  r.due_at = now;
  r.created_at = now;
  r.updated_at = now;
  store_.add_ai_request(r);
  record_message(dialog, store::HistoryAuthor::kComment, e, now);
}

void Engine::on_ai_answered(const Event& e, UnixMillis now) {
  const auto& lang = context_.params.language;
  boost::system::error_code ec;
  json::value parsed = json::parse(e.text, ec);
  if (ec || !parsed.is_object()) {
    spdlog::error("connection {}: a malformed AI report is skipped", context_.name);
    return;
  }
  const auto& o = parsed.get_object();
  const std::string outcome = string_field(o, "outcome");
  if (outcome == "knowledge_failed") {
    const std::string detail = string_field(o, "detail");
    if (store_.state_get(context_.id, std::string(kKnowledgeKey)).value_or("") == detail) return;
    store_.state_set(context_.id, std::string(kKnowledgeKey), detail);
    return post_in_general(
        i18n::text(lang, "ai.knowledge_failed", {{"reason", problem_text(lang, o, detail)}}), now);
  }
  auto r = store_.ai_request(int_field(o, "request"));
  if (!r || r->connection_id != context_.id || r->status != AiRequestStatus::kAnswered) return;
  r->status = AiRequestStatus::kDone;
  r->updated_at = now;
  auto dialog = store_.dialog(r->dialog_id);

  // Failures: General hears of them once, and again only after the AI worked in between.
  const std::string told = store_.state_get(context_.id, std::string(kFailingKey)).value_or("");
  if (outcome == "failed") {
    const std::string failure = string_field(o, "failure");
    const std::string reason = failure_text(lang, failure, string_field(o, "detail"));
    if (told.empty()) {
      store_.state_set(context_.id, std::string(kFailingKey), failure.empty() ? "failed" : failure);
      post_in_general(i18n::text(lang, "ai.failing", {{"reason", reason}}), now);
    }
    store_.update_ai_request(*r);
    if (dialog && r->kind == AiRequestKind::kAsk)
      post_in_topic(*dialog, i18n::text(lang, "ai.ask_failed", {{"reason", reason}}), kPriorityOperatorReply,
                    now);
    return;
  }
  if (!told.empty()) {
    store_.state_set(context_.id, std::string(kFailingKey), "");
    post_in_general(i18n::text(lang, "ai.recovered"), now);
  }
  if (!dialog) return store_.update_ai_request(*r);
  const std::string answer = string_field(o, "answer");
  const bool has_answer = outcome == "answer" && !answer.empty();

  switch (r->kind) {
    case AiRequestKind::kAsk: {
      post_in_topic(*dialog,
                    has_answer ? i18n::text(lang, "ai.ask_answer", {{"answer", answer}})
                               : i18n::text(lang, "ai.ask_nothing"),
                    kPriorityOperatorReply, now);
      break;
    }
    case AiRequestKind::kDraft: {
      if (!has_answer) break;  // nothing to suggest: the operators answer as usual
      r->status = AiRequestStatus::kDraft;
      r->answer = answer;
      json::object keyboard{
          {"inline_keyboard",
           json::array{json::array{json::object{{"text", i18n::text(lang, "ai.button_send")},
                                                {"callback_data", button_data(kSend, r->id)}},
                                   json::object{{"text", i18n::text(lang, "ai.button_discard")},
                                                {"callback_data", button_data(kDiscard, r->id)}}}}}};
      std::string text = i18n::text(lang, "ai.suggestion", {{"answer", answer}});
      record_text(*dialog, store::HistoryAuthor::kNotice, text, now);
      enqueue(job::kHookAnswer,
              JobPayload{.dialog = dialog->id,
                         .to = Side::kGroup,
                         .text = json::serialize(json::object{{"text", text}, {"reply_markup", keyboard}})},
              kPriorityNormal, now);
      break;
    }
    case AiRequestKind::kAuto: {
      auto state = store_.ai_dialog_state(dialog->id);
      // An operator answered meanwhile, /ai off, or the dialog closed: the AI keeps quiet.
      if (ai_mode_in(*dialog, state) != AiMode::kAuto || state.quiet ||
          dialog->last_operator_reply_at > r->created_at || dialog->status == store::DialogStatus::kClosed) {
        r->status = AiRequestStatus::kCancelled;
        break;
      }
      const std::string user_lang = i18n::resolve(r->language);
      if (has_answer) {
        send_to_user(*dialog, i18n::text(user_lang, "ai.auto_answer_user", {{"answer", answer}}),
                     kPriorityOperatorReply, now);
        post_in_topic(*dialog, i18n::text(lang, "ai.auto_answer_topic", {{"answer", answer}}),
                      kPriorityNormal, now);
        event(*dialog, "message_sent",
              json::serialize(json::object{{"text", answer}, {"by", "ai"}, {"automatic", true}}), now);
        break;
      }
      // Hand-over: nothing in the knowledge, or the model asks for a person.
      state.quiet = true;
      store_.set_ai_dialog_state(dialog->id, state);
      send_to_user(*dialog, i18n::text(user_lang, "ai.handover_user"), kPriorityOperatorReply, now);
      post_in_topic(
          *dialog,
          i18n::text(lang, "ai.handover_topic",
                     {{"reason", i18n::text(lang, outcome == "no_knowledge" ? "ai.reason_no_knowledge"
                                                                            : "ai.reason_escalate")}}),
          kPriorityNormal, now);
      break;
    }
  }
  store_.update_ai_request(*r);
}

void Engine::on_ai_button(const Event& e, UnixMillis now) {
  const auto& lang = context_.params.language;
  auto press = parse_button(e.text);
  auto r = press ? store_.ai_request(press->second) : std::nullopt;
  auto dialog = r ? store_.dialog(r->dialog_id) : std::nullopt;
  if (!press || !r || r->connection_id != context_.id || !dialog || dialog->group_id != e.chat_id) {
    spdlog::warn("connection {}: an AI button in chat {} names no draft of this connection", context_.name,
                 e.chat_id);
    return;
  }
  auto answer = [&](const std::string& text) {
    enqueue(job::kAnswerButton,
            JobPayload{
                .dialog = dialog->id, .to = Side::kGroup, .text = answer_button_fields(e.callback_id, text)},
            kPriorityOperatorReply, now);
  };
  if (e.sender_is_bot || r->status != AiRequestStatus::kDraft)
    return answer(i18n::text(lang, "ai.already_handled"));
  const std::string name = person_name(e.from);
  const bool send = press->first == kSend;
  std::string edited = send ? i18n::text(lang, "ai.sent_by", {{"name", name}, {"answer", r->answer}})
                            : i18n::text(lang, "ai.discarded_by", {{"name", name}, {"answer", r->answer}});
  enqueue(job::kRatingQuestionEdit,
          JobPayload{.dialog = dialog->id,
                     .to = Side::kGroup,
                     .message_id = e.message_id,
                     .text = json::serialize(json::object{{"text", edited}})},
          kPriorityOperatorReply, now);
  answer(i18n::text(lang, send ? "ai.pressed_sent" : "ai.pressed_discarded"));
  r->status = AiRequestStatus::kDone;
  r->updated_at = now;
  store_.update_ai_request(*r);
  if (!send) return;

  // The operator's own reply: delivered, recorded and counted as theirs.
  if (dialog->user_id > 0) {
    enqueue(job::kSendText,
            JobPayload{.dialog = dialog->id, .to = Side::kUser, .text = r->answer, .operator_message = true},
            kPriorityOperatorReply, now);
  }
  record_text(*dialog, store::HistoryAuthor::kOperator, r->answer, now, name);
  set_status(*dialog, store::DialogStatus::kSupportAnswered, now);
  dialog->last_operator_reply_at = now;
  dialog->last_operator_id = e.from.id;
  store_.update_dialog(*dialog);
  event(*dialog, "message_sent",
        json::serialize(json::object{{"text", r->answer}, {"by", "ai_draft"}, {"operator_id", e.from.id}}),
        now);
  ai_on_operator_answer(*dialog, now);
}

}  // namespace topicdesk::relay
