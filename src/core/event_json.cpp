#include "core/event_json.h"

#include <array>
#include <boost/json.hpp>
#include <utility>

namespace topicdesk::core {
namespace json = boost::json;
namespace {

constexpr std::array<std::pair<EventKind, const char*>, 27> kEventKindNames{{
    {EventKind::kUserMessage, "user_message"},
    {EventKind::kUserEdit, "user_edit"},
    {EventKind::kUserReaction, "user_reaction"},
    {EventKind::kOperatorMessage, "operator_message"},
    {EventKind::kOperatorEdit, "operator_edit"},
    {EventKind::kOperatorReaction, "operator_reaction"},
    {EventKind::kUserBlockedBot, "user_blocked_bot"},
    {EventKind::kUserUnblockedBot, "user_unblocked_bot"},
    {EventKind::kTopicClosedInApp, "topic_closed_in_app"},
    {EventKind::kTopicReopenedInApp, "topic_reopened_in_app"},
    {EventKind::kOutgoingSeen, "outgoing_seen"},
    {EventKind::kUserResolved, "user_resolved"},  // accounts
    {EventKind::kOutgoingEdit, "outgoing_edit"},
    {EventKind::kDeliveryFailed, "delivery_failed"},
    {EventKind::kDeliveryRepeated, "delivery_repeated"},
    {EventKind::kHookAnswered, "hook_answered"},
    {EventKind::kSessionProblem, "session_problem"},
    {EventKind::kStoryPosted, "story_posted"},  // accounts
    {EventKind::kButtonPressed, "button_pressed"},
    {EventKind::kBroadcastEnded, "broadcast_ended"},
    {EventKind::kIdsFileRead, "ids_file_read"},
    {EventKind::kHelperLeft, "helper_left"},
    {EventKind::kGroupBacklog, "group_backlog"},
    {EventKind::kPreCheckout, "pre_checkout"},
    {EventKind::kPaymentReceived, "payment_received"},
    {EventKind::kGroupButtonPressed, "group_button_pressed"},
    {EventKind::kAiAnswered, "ai_answered"},
}};

constexpr std::array<std::pair<ContentKind, const char*>, 18> kContentKindNames{{
    {ContentKind::kText, "text"},
    {ContentKind::kPhoto, "photo"},
    {ContentKind::kVideo, "video"},
    {ContentKind::kAnimation, "animation"},
    {ContentKind::kDocument, "document"},
    {ContentKind::kAudio, "audio"},
    {ContentKind::kVoice, "voice"},
    {ContentKind::kVideoNote, "video_note"},
    {ContentKind::kSticker, "sticker"},
    {ContentKind::kLocation, "location"},
    {ContentKind::kVenue, "venue"},
    {ContentKind::kContact, "contact"},
    {ContentKind::kPoll, "poll"},
    {ContentKind::kDice, "dice"},
    {ContentKind::kStory, "story"},
    {ContentKind::kGame, "game"},
    {ContentKind::kInvoice, "invoice"},
    {ContentKind::kOther, "other"},
}};

template <class Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

template <class Enum, std::size_t N>
bool parse_enum(const std::array<std::pair<Enum, const char*>, N>& names, std::string_view text, Enum& out) {
  for (const auto& [v, name] : names) {
    if (text == name) {
      out = v;
      return true;
    }
  }
  return false;
}

json::object person_to_json(const Person& p) {
  return {{"id", p.id},
          {"is_bot", p.is_bot},
          {"first_name", p.first_name},
          {"last_name", p.last_name},
          {"username", p.username},
          {"language_code", p.language_code},
          {"phone", p.phone}};
}

// Reads fields from a JSON object, remembering the first one that had the wrong type.
class Reader {
 public:
  explicit Reader(const json::object& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  void get(const char* key, std::int64_t& out) {
    if (const auto* v = obj_.if_contains(key)) {
      if (const auto* i = v->if_int64())
        out = *i;
      else
        fail(key, "an integer");
    }
  }
  void get(const char* key, bool& out) {
    if (const auto* v = obj_.if_contains(key)) {
      if (const auto* b = v->if_bool())
        out = *b;
      else
        fail(key, "a boolean");
    }
  }
  void get(const char* key, std::string& out) {
    if (const auto* v = obj_.if_contains(key)) {
      if (const auto* s = v->if_string())
        out.assign(s->data(), s->size());
      else
        fail(key, "a string");
    }
  }
  void get(const char* key, std::vector<std::string>& out) {
    const auto* v = obj_.if_contains(key);
    if (!v) return;
    const auto* arr = v->if_array();
    if (!arr) return fail(key, "an array of strings");
    for (const auto& item : *arr) {
      if (!item.is_string()) return fail(key, "an array of strings");
      out.emplace_back(item.get_string());
    }
  }
  void fail(const char* key, const char* expected) {
    if (error_.empty()) error_ = path_ + "." + key + " must be " + expected;
  }
  const std::string& error() const { return error_; }

 private:
  const json::object& obj_;
  std::string path_;
  std::string error_;
};

}  // namespace

const char* to_string(EventKind kind) { return name_of(kEventKindNames, kind); }
const char* to_string(ContentKind kind) { return name_of(kContentKindNames, kind); }

std::string event_to_json(const Event& e) {
  json::array reactions;
  for (const auto& r : e.new_reactions) reactions.emplace_back(r);
  json::object obj{{"kind", to_string(e.kind)},
                   {"update_id", e.update_id},
                   {"date", e.date},
                   {"chat_id", e.chat_id},
                   {"message_id", e.message_id},
                   {"thread_id", e.thread_id},
                   {"reply_to_message_id", e.reply_to_message_id},
                   {"from", person_to_json(e.from)},
                   {"sender_is_anonymous_admin", e.sender_is_anonymous_admin},
                   {"sender_is_bot", e.sender_is_bot},
                   {"content", to_string(e.content)},
                   {"text", e.text},
                   {"entities_json", e.entities_json},
                   {"media_group_id", e.media_group_id},
                   {"is_service", e.is_service},
                   {"new_reactions", std::move(reactions)}};
  if (!e.reply_markup_json.empty()) obj["reply_markup_json"] = e.reply_markup_json;
  if (!e.file_id.empty()) obj["file_id"] = e.file_id;
  if (e.quote_position >= 0) obj["quote_position"] = e.quote_position;
  if (e.replied.message_id != 0) {
    const ReplyContent& c = e.replied;
    obj["replied"] = json::object{{"message_id", c.message_id},
                                  {"content", to_string(c.content)},
                                  {"text", c.text},
                                  {"entities_json", c.entities_json},
                                  {"file_id", c.file_id},
                                  {"media_group_id", c.media_group_id},
                                  {"reply_markup_json", c.reply_markup_json}};
  }
  if (!e.chat_title.empty()) obj["chat_title"] = e.chat_title;  // accounts
  if (e.by_account_owner) obj["by_account_owner"] = true;
  if (e.channel_post) obj["channel_post"] = true;
  if (!e.topic_name.empty()) obj["topic_name"] = e.topic_name;
  if (e.media_replaced) obj["media_replaced"] = true;
  if (e.dialog_id != 0) obj["dialog_id"] = e.dialog_id;
  if (!e.callback_id.empty()) obj["callback_id"] = e.callback_id;
  if (!e.payment.currency.empty() || !e.payment.invoice_payload.empty()) {
    const PaymentFacts& p = e.payment;
    obj["payment"] = json::object{{"currency", p.currency},
                                  {"total_amount", p.total_amount},
                                  {"invoice_payload", p.invoice_payload},
                                  {"telegram_charge_id", p.telegram_charge_id},
                                  {"provider_charge_id", p.provider_charge_id}};
  }
  if (e.delivery.job_id != 0) {
    const DeliveryReport& d = e.delivery;
    obj["delivery"] = json::object{{"job_id", d.job_id},
                                   {"dialog_id", d.dialog_id},
                                   {"job_kind", d.job_kind},
                                   {"to_user", d.to_user},
                                   {"operator_message", d.operator_message},
                                   {"user_blocked", d.user_blocked},
                                   {"uncertain", d.uncertain}};
  }
  return json::serialize(obj);
}

namespace {

Result<Person> person_from_json(const json::value& value) {
  const auto* obj = value.if_object();
  if (!obj) return make_error("event.from must be an object");
  Person p;
  Reader r(*obj, "event.from");
  r.get("id", p.id);
  r.get("is_bot", p.is_bot);
  r.get("first_name", p.first_name);
  r.get("last_name", p.last_name);
  r.get("username", p.username);
  r.get("language_code", p.language_code);
  r.get("phone", p.phone);
  if (!r.error().empty()) return make_error(r.error());
  return p;
}

// Reads the plain fields; the enums come back as text in `kind` and `content`.
void read_event_fields(Reader& r, Event& e, std::string& kind, std::string& content) {
  r.get("kind", kind);
  r.get("update_id", e.update_id);
  r.get("date", e.date);
  r.get("chat_id", e.chat_id);
  r.get("message_id", e.message_id);
  r.get("thread_id", e.thread_id);
  r.get("reply_to_message_id", e.reply_to_message_id);
  r.get("quote_position", e.quote_position);
  r.get("sender_is_anonymous_admin", e.sender_is_anonymous_admin);
  r.get("sender_is_bot", e.sender_is_bot);
  r.get("content", content);
  r.get("text", e.text);
  r.get("entities_json", e.entities_json);
  r.get("media_group_id", e.media_group_id);
  r.get("is_service", e.is_service);
  r.get("new_reactions", e.new_reactions);
  r.get("reply_markup_json", e.reply_markup_json);
  r.get("file_id", e.file_id);
  r.get("chat_title", e.chat_title);  // accounts
  r.get("by_account_owner", e.by_account_owner);
  r.get("channel_post", e.channel_post);
  r.get("topic_name", e.topic_name);
  r.get("media_replaced", e.media_replaced);
  r.get("dialog_id", e.dialog_id);
  r.get("callback_id", e.callback_id);
}

}  // namespace

Result<Event> event_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return make_error("event: not valid JSON (" + ec.message() + ")");
  const auto* obj = value.if_object();
  if (!obj) return make_error("event: expected a JSON object");

  Event e;
  Reader r(*obj, "event");
  std::string kind, content;
  read_event_fields(r, e, kind, content);
  if (!r.error().empty()) return make_error(r.error());
  if (!parse_enum(kEventKindNames, kind, e.kind))
    return make_error("event.kind: unknown kind '" + kind + "'");
  if (!content.empty() && !parse_enum(kContentKindNames, content, e.content)) {
    return make_error("event.content: unknown content kind '" + content + "'");
  }
  if (const auto* from = obj->if_contains("from")) {
    auto person = person_from_json(*from);
    if (!person) return person.error();
    e.from = std::move(*person);
  }
  if (const auto* replied = obj->if_contains("replied")) {
    const auto* c = replied->if_object();
    if (!c) return make_error("event.replied must be an object");
    Reader cr(*c, "event.replied");
    std::string replied_content;
    cr.get("message_id", e.replied.message_id);
    cr.get("content", replied_content);
    cr.get("text", e.replied.text);
    cr.get("entities_json", e.replied.entities_json);
    cr.get("file_id", e.replied.file_id);
    cr.get("media_group_id", e.replied.media_group_id);
    cr.get("reply_markup_json", e.replied.reply_markup_json);
    if (!cr.error().empty()) return make_error(cr.error());
    if (!replied_content.empty() && !parse_enum(kContentKindNames, replied_content, e.replied.content))
      return make_error("event.replied.content: unknown content kind '" + replied_content + "'");
  }
  if (const auto* delivery = obj->if_contains("delivery")) {
    const auto* d = delivery->if_object();
    if (!d) return make_error("event.delivery must be an object");
    Reader dr(*d, "event.delivery");
    dr.get("job_id", e.delivery.job_id);
    dr.get("dialog_id", e.delivery.dialog_id);
    dr.get("job_kind", e.delivery.job_kind);
    dr.get("to_user", e.delivery.to_user);
    dr.get("operator_message", e.delivery.operator_message);
    dr.get("user_blocked", e.delivery.user_blocked);
    dr.get("uncertain", e.delivery.uncertain);
    if (!dr.error().empty()) return make_error(dr.error());
  }
  if (const auto* payment = obj->if_contains("payment")) {
    const auto* p = payment->if_object();
    if (!p) return make_error("event.payment must be an object");
    Reader pr(*p, "event.payment");
    pr.get("currency", e.payment.currency);
    pr.get("total_amount", e.payment.total_amount);
    pr.get("invoice_payload", e.payment.invoice_payload);
    pr.get("telegram_charge_id", e.payment.telegram_charge_id);
    pr.get("provider_charge_id", e.payment.provider_charge_id);
    if (!pr.error().empty()) return make_error(pr.error());
  }
  return e;
}

}  // namespace topicdesk::core
