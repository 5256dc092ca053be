// Exports: the desk's data in files businesses can use elsewhere. Pure formatting over what
// the store returns; the callers (the engine's /export, the web dashboard, `topicdesk export`)
// decide where the bytes go. HIDE_INFO applies: with `reveal` false, a client's identity
// (names, username, phone, user id) is replaced by the dialog's pseudonym, exactly as the
// topic shows it.
#pragma once
#include <optional>
#include <string>

#include "core/ids.h"
#include "core/result.h"
#include "store/store.h"

namespace topicdesk::exports {

struct ClientsQuery {
  std::optional<core::ConnectionId> connection;  // nullopt: every connection
  std::string segment;                           // a segment expression (crm/segment.h); empty: all
  bool reveal = true;                            // false: HIDE_INFO applies
};

// One row per client (a dialog's user): id, first and last name, username, language, phone
// where known and allowed, labels, links, fields, first and last contact, start parameter,
// dialog count, status. RFC 4180 with a header row. An error names what is wrong with the
// segment expression.
core::Result<std::string> clients_csv(store::Store& store, const ClientsQuery& query);

// A conversation read back from the history: a self-contained, readable HTML page (no scripts,
// every text escaped) and JSON Lines (one history entry per line).
std::string transcript_html(store::Store& store, core::DialogId dialog, bool reveal);
std::string transcript_jsonl(store::Store& store, core::DialogId dialog, bool reveal);

// `topicdesk export`: writes clients.csv, dialogs.csv, history/<connection>.jsonl, labels.csv and
// templates.jsonl under `dir` (created, mode 0700). Returns a one-line summary per file.
core::Result<std::string> export_all(store::Store& store, const std::string& dir);

}  // namespace topicdesk::exports
