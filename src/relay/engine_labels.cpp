// Labels and funnels in the engine (docs/labels.md): `/mark` in General (manage labels) and in
// a topic (set and remove), the Topics API's label changes, the /info lines, and the titles of
// topics whose labels' tickers change. Rules and texts are crm/labels.h; this file reads and
// writes the store in the event's transaction.
//
// Decisions:
// - Managing labels (new, after, sends, ticker, name) needs crm::may_manage; setting and removing
//   them in a topic is for every operator.
// - A change is all or nothing: every name a form mentions must be valid and known before
//   anything is written; the answer says what was wrong (and the closest name, when one is near).
// - Setting a label the dialog carries already changes nothing (no funnel, no template, no event).
// - Every change is a history row, a `label_added` / `label_removed` event (webhooks), and,
//   when a ticker is involved, a coalesced title job (Engine::retitle).
// - In a group several connections share, General's /mark is answered by one connection
//   (answers_in_general) and manages that connection's labels.
#include <boost/json.hpp>

#include "crm/labels.h"
#include "crm/permissions.h"
#include "i18n/catalog.h"
#include "relay/accounts.h"
#include "relay/engine.h"
#include "relay/ownership.h"

namespace topicdesk::relay {
namespace json = boost::json;
using core::Event;
using core::UnixMillis;
using store::Dialog;
using store::Label;
using store::LabelChangeBy;

namespace {

constexpr int kShowTopics = 30;         // /mark NAME in General lists this many topics
constexpr int kRetitleAll = 1'000'000;  // a ticker change retitles every topic carrying the label
constexpr int kInfoHistory = 20;        // /info shows the newest changes

std::vector<std::string> names_of(const std::vector<Label>& labels) {
  std::vector<std::string> out;
  for (const auto& l : labels) out.push_back(l.name);
  return out;
}

}  // namespace

std::optional<Label> Engine::find_label(std::string_view name) {
  auto key = crm::label_key(name);
  if (!key) return std::nullopt;
  return store_.label_by_key(context_.id, *key);
}

std::string Engine::unknown_label(std::string_view name, std::string_view language) {
  return crm::label_text::unknown(language, name,
                                  crm::closest_name(name, names_of(store_.labels(context_.id))));
}

std::vector<std::string> Engine::after_names(const Label& label) {
  std::vector<std::string> out;
  for (auto id : label.after) {
    if (auto other = store_.label(id)) out.push_back(other->name);
  }
  return out;
}

void Engine::on_mark_general(const core::Command& command, const Event& e, UnixMillis now) {
  if (!answers_in_general()) return;
  auto request = crm::parse_mark(command.args, true, operator_language());
  if (!request) return post_in_general("❓ " + request.error().message, now);
  using crm::MarkAction;
  const auto action = request->action;
  if (action == MarkAction::kHelp)
    return post_in_general(crm::label_text::help(operator_language(), true), now);
  if (action == MarkAction::kList) {
    std::vector<std::string> lines;
    for (const auto& label : store_.labels(context_.id))
      lines.push_back(crm::label_text::describe(operator_language(), label, after_names(label)));
    return post_in_general(crm::label_text::list(operator_language(), lines), now);
  }
  if (action == MarkAction::kShow) {
    auto label = find_label(request->name);
    if (!label) return post_in_general(unknown_label(request->name, operator_language()), now);
    const auto& p = context_.params;
    auto carriers = store_.label_carriers(label->id, kRetitleAll);
    std::vector<std::string> lines;
    for (const auto& c : carriers) {
      if (lines.size() >= static_cast<std::size_t>(kShowTopics)) break;
      auto d = store_.dialog(c.dialog_id);
      if (!d) continue;
      auto person = store_.user(context_.id, d->user_id).value_or(core::Person{.id = d->user_id});
      core::UserView view{person, d->pseudonym, p.hide_info, p.status_icons};
      std::string line = std::string(core::status_marker(topic_status(d->status), p.status_icons)) + " " +
                         core::display_name(view);
      if (d->thread_id != 0) line += ": " + topic_link(context_.group_id, d->thread_id);
      lines.push_back(std::move(line));
    }
    return post_in_general(
        crm::label_text::show(operator_language(), *label, after_names(*label), lines, carriers.size()), now);
  }

  // Every other form manages labels.
  crm::Actor actor{
      .id = e.from.id, .username = e.from.username, .anonymous_admin = e.sender_is_anonymous_admin};
  if (!crm::may_manage(context_.params, actor, context_.group_owner))
    return post_in_general(crm::management_refused(operator_language(), "crm.manage_labels", actor), now);

  if (action == MarkAction::kNew) {
    std::string key = *crm::label_key(request->name);
    if (auto existing = store_.label_by_key(context_.id, key))
      return post_in_general(crm::label_text::exists(operator_language(), existing->name), now);
    if (store_.labels(context_.id).size() >= static_cast<std::size_t>(crm::kMaxLabels))
      return post_in_general(crm::label_text::too_many(operator_language()), now);
    Label label{.connection_id = context_.id, .name = request->name, .key = key, .created_at = now};
    label.id = store_.add_label(label);
    return post_in_general(crm::label_text::created(operator_language(), label), now);
  }

  auto label = find_label(request->name);
  if (!label) return post_in_general(unknown_label(request->name, operator_language()), now);
  bool retitle_carriers = false;
  switch (action) {
    case MarkAction::kAfter: {
      std::vector<std::int64_t> ids;
      for (const auto& name : request->names) {
        auto other = find_label(name);
        if (!other) return post_in_general(unknown_label(name, operator_language()), now);  // nothing written
        ids.push_back(other->id);
      }
      label->after = std::move(ids);
      break;
    }
    case MarkAction::kAfterClear:
      label->after.clear();
      break;
    case MarkAction::kSends:
      label->sends = request->value;
      break;
    case MarkAction::kSendsClear:
      label->sends.clear();
      break;
    case MarkAction::kTicker:
    case MarkAction::kTickerClear: {
      std::string ticker = action == MarkAction::kTicker ? request->value : std::string();
      retitle_carriers = ticker != label->ticker;
      label->ticker = std::move(ticker);
      break;
    }
    case MarkAction::kRename: {
      std::string key = *crm::label_key(request->value);
      auto taken = store_.label_by_key(context_.id, key);
      if (taken && taken->id != label->id)
        return post_in_general(crm::label_text::exists(operator_language(), taken->name), now);
      std::string before = label->name;
      label->name = request->value;
      label->key = key;
      store_.update_label(*label);
      return post_in_general(crm::label_text::renamed(operator_language(), before, label->name), now);
    }
    default:
      return;
  }
  store_.update_label(*label);
  if (retitle_carriers) {
    for (const auto& c : store_.label_carriers(label->id, kRetitleAll)) {
      if (auto d = store_.dialog(c.dialog_id)) retitle(*d, now);
    }
  }
  post_in_general(crm::label_text::changed(operator_language(), *label, after_names(*label)), now);
}

void Engine::on_mark_in_topic(const core::Command& command, Dialog& dialog, const Event& e, UnixMillis now) {
  auto answer = [&](std::string text) {
    post_in_topic(dialog, std::move(text), kPriorityOperatorReply, now);
  };
  auto request = crm::parse_mark(command.args, false, operator_language());
  if (!request) return answer("❓ " + request.error().message);
  using crm::MarkAction;
  if (request->action == MarkAction::kHelp) return answer(crm::label_text::help(operator_language(), false));
  if (request->action == MarkAction::kList)
    return answer(crm::label_text::topic_labels(operator_language(), store_.dialog_labels(dialog.id)));
  auto label = find_label(request->name);
  if (!label) return answer(unknown_label(request->name, operator_language()));
  const core::UserId by = e.sender_is_anonymous_admin ? 0 : e.from.id;
  auto change =
      change_label(dialog, *label, request->action == MarkAction::kAdd, LabelChangeBy::kOperator, by, now);
  if (request->action == MarkAction::kAdd) {
    if (!change.changed) return answer(crm::label_text::already(operator_language(), label->name));
    return answer(
        crm::label_text::added(operator_language(), label->name, change.removed, change.template_note));
  }
  if (!change.changed) return answer(crm::label_text::not_carried(operator_language(), label->name));
  answer(crm::label_text::removed(operator_language(), label->name));
}

Engine::LabelChangeResult Engine::change_label(Dialog& dialog, const Label& label, bool add, LabelChangeBy by,
                                               core::UserId operator_id, UnixMillis now) {
  LabelChangeResult result;
  bool titles = false;
  auto record = [&](const Label& l, bool added, LabelChangeBy how) {
    store_.add_label_change(store::LabelChange{.connection_id = context_.id,
                                               .dialog_id = dialog.id,
                                               .label_id = l.id,
                                               .label_name = l.name,
                                               .added = added,
                                               .operator_id = operator_id,
                                               .at = now,
                                               .by = how});
    json::object o{{"label", l.name}, {"by", store::to_string(how)}};
    if (operator_id != 0 && how != LabelChangeBy::kApi) o["operator_id"] = operator_id;
    if (how == LabelChangeBy::kFunnel) o["set_label"] = label.name;
    event(dialog, added ? "label_added" : "label_removed", json::serialize(o), now);
    titles = titles || !l.ticker.empty();
  };
  if (!add) {
    if (!store_.remove_dialog_label(dialog.id, label.id)) return result;
    result.changed = true;
    record(label, false, by);
  } else {
    std::vector<std::int64_t> carried;
    for (const auto& l : store_.dialog_labels(dialog.id)) carried.push_back(l.id);
    auto plan = crm::plan_set(carried, label);
    if (!plan.add) return result;
    result.changed = true;
    for (auto id : plan.remove) {
      auto removed = store_.label(id);
      if (!removed || !store_.remove_dialog_label(dialog.id, id)) continue;
      record(*removed, false, LabelChangeBy::kFunnel);
      result.removed.push_back(removed->name);
    }
    store_.set_dialog_label(context_.id, dialog.id, label.id, now);
    record(label, true, by);
    if (!label.sends.empty()) result.template_note = send_label_template(dialog, label, now);
  }
  if (titles) retitle(dialog, now);
  return result;
}

// `sends TEMPLATE`: the template goes to the user when the label is set, through the one way
// templates reach users (Engine::send_template, engine_templates.cpp), with a copy in the topic.
// It is the desk's message, not an operator's answer: the status stays. A template that is gone
// or cannot be rendered is reported; the label stays set.
std::string Engine::send_label_template(const Dialog& dialog, const Label& label, UnixMillis now) {
  TemplateSender who{.by = "label", .answers = false, .copy_in_topic = true};
  if (auto refused = send_template(dialog, label.sends, who, now))
    return i18n::text(operator_language(), "labels.template_not_sent",
                      {{"name", label.sends}, {"reason", *refused}});
  return i18n::text(operator_language(), "labels.template_sent", {{"name", label.sends}});
}

std::string Engine::label_info(const Dialog& dialog) {
  auto history = store_.label_history(dialog.id, kInfoHistory);
  std::vector<std::string> who;
  for (const auto& c : history) {
    who.push_back(c.operator_id == 0 ? std::string()
                                     : operator_name(store_.operator_by_id(context_.group_id, c.operator_id),
                                                     c.operator_id));
  }
  return crm::label_text::info_lines(operator_language(), store_.dialog_labels(dialog.id), history, who);
}

Engine::ApiLabelResult Engine::api_change_label(core::DialogId id, std::string_view name, bool add,
                                                UnixMillis now) {
  ApiLabelResult out;
  transaction([&] {
    auto dialog = store_.dialog(id);
    if (!dialog || dialog->connection_id != context_.id) {
      out.outcome = ApiLabelResult::kNoDialog;
      return;
    }
    auto label = find_label(name);
    if (!label) {
      out.outcome = ApiLabelResult::kUnknownLabel;
      out.message = unknown_label(name, i18n::kFallbackLanguage);  // the Topics API answers in English
      return;
    }
    auto change = change_label(*dialog, *label, add, LabelChangeBy::kApi, 0, now);
    if (change.changed) {
      post_in_topic(*dialog,
                    add ? "🔌 " + crm::label_text::added(operator_language(), label->name, change.removed,
                                                        change.template_note)
                        : "🔌 " + crm::label_text::removed(operator_language(), label->name),
                    kPriorityNormal, now);
    }
    out.outcome = ApiLabelResult::kDone;
    out.changed = change.changed;
    out.removed = std::move(change.removed);
    out.label = label->name;
    out.dialog = std::move(*dialog);
  });
  return out;
}

}  // namespace topicdesk::relay
