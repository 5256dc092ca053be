// Labels and funnels (docs/labels.md): label definitions per connection, the labels a dialog
// carries now, and the history of every change (the funnel history /info, the Topics API and
// the label_added / label_removed webhooks show).
//
// A label's name is unique per connection without regard to case (`key` is its lower-case
// form); `name` keeps the case it was given. `after` lists the ids of the labels that setting
// this one removes (funnel stages); `ticker` is shown in the titles of topics that carry it;
// `sends` names the template sent to the user when it is set. The store keeps what it is told:
// the engine (relay/engine_labels.cpp, rules in crm/labels.h) decides what is valid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace topicdesk::store {

using core::ConnectionId;
using core::DialogId;
using core::UnixMillis;
using core::UserId;

struct Label {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  std::string name;  // as given (display case)
  std::string key;   // lower-case name: unique per connection
  std::string ticker;
  std::string sends;                // a template's name; empty: none
  std::vector<std::int64_t> after;  // label ids removed when this one is set
  UnixMillis created_at = 0;
};

// A dialog carrying a label, and since when.
struct LabelCarrier {
  DialogId dialog_id = 0;
  UserId user_id = 0;
  UnixMillis since = 0;
};

// Who made a change: an operator's /mark, the Topics API, or a funnel (setting a label removed
// this one).
enum class LabelChangeBy { kOperator, kApi, kFunnel };
const char* to_string(LabelChangeBy by);  // "operator", "api", "funnel"
LabelChangeBy label_change_by_from(std::string_view text);

struct LabelChange {
  std::int64_t id = 0;
  ConnectionId connection_id = 0;
  DialogId dialog_id = 0;
  std::int64_t label_id = 0;
  std::string label_name;  // the name when it changed (a later rename does not rewrite history)
  bool added = true;       // false: removed
  UserId operator_id = 0;  // 0: not a person (the API, or an anonymous admin)
  UnixMillis at = 0;
  LabelChangeBy by = LabelChangeBy::kOperator;
};

class LabelStore {
 public:
  virtual ~LabelStore() = default;

  // Definitions. add_label stores `label` (its id is ignored) and returns the new id; ids grow.
  // Throws StoreError when the connection already has a label with that key.
  virtual std::int64_t add_label(const Label& label) = 0;
  // Writes name, key, ticker, sends and after of the label with that id.
  virtual void update_label(const Label& label) = 0;
  virtual std::optional<Label> label(std::int64_t id) = 0;
  virtual std::optional<Label> label_by_key(ConnectionId connection, std::string_view key) = 0;
  virtual std::vector<Label> labels(ConnectionId connection) = 0;  // by id (creation order)

  // What dialogs carry. set_dialog_label: false when the dialog carries it already (nothing
  // changes); remove_dialog_label: false when it did not carry it.
  virtual bool set_dialog_label(ConnectionId connection, DialogId dialog, std::int64_t label_id,
                                UnixMillis at) = 0;
  virtual bool remove_dialog_label(DialogId dialog, std::int64_t label_id) = 0;
  // The labels a dialog carries, by label id.
  virtual std::vector<Label> dialog_labels(DialogId dialog) = 0;
  // The dialogs (and their users) that carry a label, by dialog id, at most `limit`.
  virtual std::vector<LabelCarrier> label_carriers(std::int64_t label_id, int limit) = 0;

  // History, written by the engine in the transaction of the change.
  virtual void add_label_change(const LabelChange& change) = 0;
  // A dialog's changes, oldest first: the newest `limit` of them.
  virtual std::vector<LabelChange> label_history(DialogId dialog, int limit) = 0;
};

}  // namespace topicdesk::store
