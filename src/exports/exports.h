// Exports: the desk's data in files businesses can use elsewhere (docs/exports.md). Pure
// formatting over what the store returns; the callers (the engine's /export, the web dashboard,
// `topicdesk export`) decide where the bytes go. HIDE_INFO applies: with `reveal` false, a
// client's identity (names, username, phone, user id, linked account, custom fields) is replaced
// by the dialog's pseudonym, exactly as the topic shows it, and is scrubbed from the texts of a
// transcript too.
//
// Every file is a Document: a head (the CSV header row, the HTML page's start), rows (one
// client, one message) and a tail. str() is the whole file; parts() cuts it at row boundaries
// into files no larger than a limit, each with the head and the tail again (Telegram bots send
// documents up to 50 MB).
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/result.h"
#include "i18n/catalog.h"
#include "store/history_store.h"
#include "store/store.h"

namespace topicdesk::exports {

struct Document {
  std::string head;
  std::vector<std::string> rows;
  std::string tail;

  std::size_t size() const;  // bytes of str()
  std::string str() const;
  // The document cut into files of at most `max_bytes` each (whole rows; a single row larger
  // than the limit still makes a part of its own); one part when it fits.
  std::vector<std::string> parts(std::size_t max_bytes) const;
};

// Telegram bots send documents of at most 50 MB (a local Bot API server lifts that; the desk
// does not count on one). A bigger export is posted in parts, each a whole file; one that would
// need more than kMaxTelegramParts is refused (`topicdesk export` writes it whole).
inline constexpr std::size_t kMaxTelegramDocument = 50'000'000;
inline constexpr std::size_t kMaxTelegramParts = 4;

struct NamedFile {
  std::string name;
  std::string bytes;
};
// The files that carry `doc` as "<stem>.<extension>": one when it fits in `max_bytes`, else
// "<stem>-part1of3.<extension>" and so on. Error kTooLarge (saying how big it is and what to
// do instead, in `language`: the operators') when more than `max_parts` would be needed.
core::Result<std::vector<NamedFile>> files_to_post(std::string_view language, const Document& doc,
                                                   std::string_view stem, std::string_view extension,
                                                   std::size_t max_bytes = kMaxTelegramDocument,
                                                   std::size_t max_parts = kMaxTelegramParts);

struct ClientsQuery {
  std::optional<core::ConnectionId> connection;  // nullopt: every connection (of `group`, if set)
  std::optional<core::ChatId> group;             // only the connections whose backend group it is
  std::string segment;                           // a segment expression (crm/segment.h); empty: all
  bool reveal = true;                            // false: HIDE_INFO applies
  // Set: decides per connection instead of `reveal` (a group several connections share, each
  // with its own HIDE_INFO).
  std::function<bool(core::ConnectionId)> reveals;
  core::UnixMillis now = 0;  // segment ages count back from it; 0: the system clock
};

// The CSV's columns, in order.
inline constexpr std::string_view kClientColumns =
    "connection,user_id,pseudonym,first_name,last_name,username,language,phone,labels,link,fields,"
    "first_contact,last_contact,start_parameter,dialogs,status,payments,paid";

// One row per client (a dialog's user; a user of two connections has a row with each): the
// columns above. labels: the names, space-separated; fields: a JSON object; times ISO 8601 UTC;
// dialogs: how many connections of the desk the user has a dialog with; payments: how many
// payments the user made (refunded ones left out), paid: their sums per currency ("100 XTR;
// 12.50 USD", docs/payments.md). RFC 4180 with a header
// row. An error names what is wrong with the segment expression.
core::Result<Document> clients_document(store::Store& store, const ClientsQuery& query);
core::Result<std::string> clients_csv(store::Store& store, const ClientsQuery& query);

// A conversation as it reads from the history, made pure for tests and the dashboard.
struct Conversation {
  store::Dialog dialog;
  std::string connection;                    // its name
  std::optional<core::Person> user;          // the profile as last seen
  std::vector<store::HistoryEntry> entries;  // in id order
};
Conversation read_conversation(store::Store& store, core::DialogId dialog);

// A conversation read back from the history: a self-contained, readable HTML page (no scripts,
// every text escaped; its headings and roles in `language`, the connection's LANGUAGE when posted
// in a topic) and JSON Lines (one history entry per line; field names and values for programs).
Document transcript_html_document(const Conversation& conversation, bool reveal,
                                  std::string_view language = i18n::kFallbackLanguage);
Document transcript_jsonl_document(const Conversation& conversation, bool reveal);
std::string transcript_html(store::Store& store, core::DialogId dialog, bool reveal,
                            std::string_view language = i18n::kFallbackLanguage);
std::string transcript_jsonl(store::Store& store, core::DialogId dialog, bool reveal);
// One history entry as the JSONL line (without the newline); `hide` as a transcript applies it.
std::string history_line(const store::HistoryEntry& entry, const store::Dialog& dialog, bool reveal,
                         const std::function<std::string(std::string_view)>& hide);

// `topicdesk export`: writes clients.csv, dialogs.csv, history/<connection>.jsonl, labels.csv and
// templates.jsonl under `dir` (created, mode 0700; files 0600), everything revealed (the tool is
// run by whoever holds the database). Returns a one-line summary per file; an error names the
// file it could not write.
core::Result<std::string> export_all(store::Store& store, const std::string& dir);

}  // namespace topicdesk::exports
