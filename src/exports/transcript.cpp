// Transcripts: one conversation from the history as a readable HTML page and as
// JSON Lines. With `reveal` false the user's sender lines carry the pseudonym,
// their id is left out, and every text is scrubbed of their identity
// (exports/hidden.h); entities of a text that changed are dropped (their
// offsets no longer fit) and text mentions lose their user.
#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/html.h"
#include "crm/broadcast_report.h"
#include "exports/exports.h"
#include "exports/hidden.h"
#include "i18n/catalog.h"

namespace topicdesk::exports {
namespace {

constexpr int kHistoryPage = 5000;

std::string html_escape(std::string_view text) { return core::html_escape(text, /*line_breaks=*/true); }

// "2026-12-07 09:30 UTC".
std::string readable_time(core::UnixMillis at) {
  std::string iso = crm::iso_utc(at);
  if (iso.size() < 16) return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

// What the reader sees as the sender's role, in `lang`.
std::string role_of(std::string_view lang, store::HistoryAuthor author) {
  using A = store::HistoryAuthor;
  switch (author) {
    case A::kUser:
      return i18n::text(lang, "exports.role_client");
    case A::kOperator:
      return i18n::text(lang, "exports.role_operator");
    case A::kComment:
      return i18n::text(lang, "exports.role_comment");
    case A::kIntercepted:
      return i18n::text(lang, "exports.role_intercepted");
    case A::kApi:
      return i18n::text(lang, "exports.role_api");
    case A::kDesk:
      return i18n::text(lang, "exports.role_desk");
    case A::kNotice:
      return i18n::text(lang, "exports.role_notice");
  }
  return "";
}

// How a conversation's texts are shown: the user's name or pseudonym, and the
// scrubbing.
class Presenter {
 public:
  Presenter(const Conversation& c, bool reveal, std::string_view lang)
      : reveal_(reveal),
        lang_(lang),
        pseudonym_(pseudonym_of(c.dialog)),
        scrubber_(c.user.value_or(core::Person{.id = c.dialog.user_id}), pseudonym_) {
    if (reveal_) return;
    for (const auto& entry : c.entries) {
      if (entry.author == store::HistoryAuthor::kUser) scrubber_.add_name(entry.sender_name);
    }
  }

  std::string text(std::string_view text) const { return reveal_ ? std::string(text) : scrubber_(text); }

  std::string sender(const store::HistoryEntry& e) const {
    if (e.author == store::HistoryAuthor::kUser && !reveal_) return pseudonym_;
    if (!e.sender_name.empty()) return text(e.sender_name);
    return e.author == store::HistoryAuthor::kDesk || e.author == store::HistoryAuthor::kNotice
               ? i18n::text(lang_, "exports.transcript_desk")
               : std::string();
  }

  std::string client(const Conversation& c) const {
    if (!reveal_ || !c.user) return pseudonym_;
    std::string name = c.user->first_name;
    if (!c.user->last_name.empty()) name += " " + c.user->last_name;
    if (!c.user->username.empty()) name += " (@" + c.user->username + ")";
    return name.empty() ? pseudonym_ : name;
  }

  std::function<std::string(std::string_view)> hide() const {
    if (reveal_) return {};
    return [this](std::string_view t) { return scrubber_(t); };
  }

 private:
  bool reveal_;
  std::string lang_;
  std::string pseudonym_;
  IdentityScrubber scrubber_;
};

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem "
    "auto;padding:0 1rem;color:#222}"
    "h1{font-size:1.3rem}.meta{color:#666}ol{list-style:none;padding:0}"
    "li{margin:.6rem 0;padding:.5rem "
    ".8rem;border-radius:.5rem;background:#f3f3f3}"
    "li.client{background:#e8f0fe}li.comment,li.notice{background:#fff8e1}"
    ".who{font-size:.85rem;color:#555}.who "
    "b{color:#222}.text{margin-top:.2rem;white-space:normal}"
    ".media{color:#777;font-style:italic}";

std::string_view css_class(store::HistoryAuthor author) {
  using A = store::HistoryAuthor;
  switch (author) {
    case A::kUser:
      return "client";
    case A::kComment:
      return "comment";
    case A::kNotice:
      return "notice";
    default:
      return "support";
  }
}

}  // namespace

Document transcript_html_document(const Conversation& c, bool reveal, std::string_view language) {
  const std::string lang = i18n::resolve(language);
  Presenter present(c, reveal, lang);
  const std::string client = present.client(c);
  const std::string title = i18n::text(lang, "exports.transcript_title", {{"client", client}});
  const std::string meta = i18n::text(
      lang, "exports.transcript_meta",
      {{"connection", c.connection},
       {"dialog", std::to_string(c.dialog.id)},
       {"status", i18n::text(lang, std::string("cards.status_") + store::to_string(c.dialog.status))},
       {"first", readable_time(c.dialog.created_at)},
       {"count", std::to_string(c.entries.size())}});
  Document doc;
  doc.head = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{0}\" dir=\"{1}\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{2}</title><style>{3}</style></head><body>\n"
      "<h1>{2}</h1>\n<p class=\"meta\">{4}</p>\n<ol>\n",
      lang, i18n::right_to_left(lang) ? "rtl" : "ltr", html_escape(title), kStyle, html_escape(meta));
  doc.tail = "</ol>\n</body></html>\n";
  doc.rows.reserve(c.entries.size());
  for (const auto& e : c.entries) {
    std::string row = fmt::format(
        "<li class=\"{}\"><div class=\"who\"><b>{}</b> · {} · "
        "<time datetime=\"{}\">{}</time>",
        css_class(e.author), html_escape(present.sender(e)), html_escape(role_of(lang, e.author)),
        crm::iso_utc(e.at), readable_time(e.at));
    if (e.edits > 0)
      row += " · " +
             html_escape(i18n::text(lang, "exports.transcript_edited", {{"at", readable_time(e.edited_at)}}));
    row += "</div><div class=\"text\">";
    if (e.content != "text") row += "<span class=\"media\">[" + html_escape(e.content) + "]</span> ";
    row += html_escape(present.text(e.text));
    row += "</div></li>\n";
    doc.rows.push_back(std::move(row));
  }
  return doc;
}

std::string history_line(const store::HistoryEntry& e, const store::Dialog& dialog, bool reveal,
                         const std::function<std::string(std::string_view)>& hide) {
  const bool user = e.author == store::HistoryAuthor::kUser;
  auto shown = [&](std::string_view text) { return hide ? hide(text) : std::string(text); };
  boost::json::object line;
  line["id"] = e.id;
  line["connection"] = e.connection_id;
  line["dialog"] = e.dialog_id;
  line["author"] = store::to_string(e.author);
  if (reveal || !user) {
    if (e.sender_id != 0) line["sender_id"] = e.sender_id;
    if (!e.sender_name.empty()) line["sender_name"] = shown(e.sender_name);
  } else {
    line["sender_name"] = pseudonym_of(dialog);
  }
  if (e.message_id != 0) line["message_id"] = e.message_id;
  line["content"] = e.content;
  std::string text = shown(e.text);
  const bool changed = text != e.text;
  line["text"] = std::move(text);
  if (!e.entities_json.empty() && !changed) {
    boost::system::error_code ec;
    auto entities = boost::json::parse(e.entities_json, ec);
    if (!ec && entities.is_array()) {
      if (!reveal) {
        for (auto& entity : entities.as_array())
          if (entity.is_object()) entity.as_object().erase("user");
      }
      line["entities"] = std::move(entities);
    }
  }
  if (!e.file_id.empty()) line["file_id"] = e.file_id;
  if (!e.media_group_id.empty()) line["media_group_id"] = e.media_group_id;
  if (e.reply_to != 0) line["reply_to"] = e.reply_to;
  line["at"] = e.at;
  line["time"] = crm::iso_utc(e.at);
  if (e.edits > 0) {
    line["edited_at"] = e.edited_at;
    line["edits"] = e.edits;
  }
  return boost::json::serialize(line);
}

Document transcript_jsonl_document(const Conversation& c, bool reveal) {
  Presenter present(c, reveal, i18n::kFallbackLanguage);  // JSON Lines are for programs: English
  auto hide = present.hide();
  Document doc;
  doc.rows.reserve(c.entries.size());
  for (const auto& e : c.entries) doc.rows.push_back(history_line(e, c.dialog, reveal, hide) + "\n");
  return doc;
}

Conversation read_conversation(store::Store& store, core::DialogId dialog) {
  Conversation c;
  auto d = store.dialog(dialog);
  if (!d) return c;
  c.dialog = *d;
  if (auto connection = store.connection(d->connection_id)) c.connection = connection->name;
  c.user = store.user(d->connection_id, d->user_id);
  for (std::int64_t after = 0;;) {
    auto page = store.dialog_history(dialog, after, kHistoryPage);
    for (auto& entry : page) c.entries.push_back(std::move(entry));
    if (static_cast<int>(page.size()) < kHistoryPage) break;
    after = c.entries.back().id;
  }
  return c;
}

std::string transcript_html(store::Store& store, core::DialogId dialog, bool reveal,
                            std::string_view language) {
  return transcript_html_document(read_conversation(store, dialog), reveal, language).str();
}

std::string transcript_jsonl(store::Store& store, core::DialogId dialog, bool reveal) {
  return transcript_jsonl_document(read_conversation(store, dialog), reveal).str();
}

}  // namespace topicdesk::exports
