// The relay engine: pure decisions over the store. Given one normalized event it reads and
// writes dialogs, users, links, timers and events and adds outbox jobs — all inside ONE store
// transaction, with no network. The dispatcher (dispatcher.h) sends the jobs later.
//
// One Engine per connection. Feed each connection's own inbox to its own engine: in a backend
// group shared by several connections every bot sees every operator message, and an engine
// ignores topics that belong to another connection (owner_of_thread() tells whose it is).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/commands.h"
#include "core/event.h"
#include "core/ids.h"
#include "core/parameters.h"
#include "core/presentation.h"
#include "crm/broadcast.h"
#include "crm/segment.h"
#include "i18n/catalog.h"
#include "relay/album_state.h"
#include "relay/fencing.h"
#include "relay/flood_guard.h"
#include "relay/jobs.h"
#include "store/store.h"

namespace topicdesk::relay {

struct ConnectionContext {
  core::ConnectionId id = 0;
  std::string name;
  core::UserId bot_id = 0;
  std::string bot_username;  // commands addressed to another bot (`/close@other`) are ignored
  core::ChatId group_id = 0;
  core::Parameters params;
  // accounts
  // mode account: the signed-in personal account (the frontend); `bot_id` is then the desk bot
  // that drives the group. The account's own posts in the group are copies, never operators.
  core::UserId account_id = 0;
  bool account = false;  // mode account: /new may write first
  bool proxy = false;    // mode proxy: the bot's own program takes its updates from the desk (/backlog)
  // The key of new dialogs' pseudonyms (user_pseudonym): the install's secret. Left empty,
  // the engine reads it from the store once, when it is made.
  std::string pseudonym_secret;
  // The backend group's creator as the desk learnt it at start (0: not known): with
  // EXTENSIONS_ALLOWED set, the owner and the people it lists manage the CRM (crm/permissions.h).
  core::UserId group_owner = 0;
  // The desk's address as a browser reaches it (server.public_url, else http://host:port): the
  // web dashboard's login links start with it. Empty: /web says the dashboard is not served.
  std::string dashboard_url;
  // The backend group has helper bots (relay/group_posters.h): copies of text messages carry
  // their text, so a helper can post them.
  bool group_has_helpers = false;
  // [payments] provider_token (docs/payments.md): invoices in currencies other than XTR need it.
  // Only the dispatcher's sendInvoice call carries it; it is never stored or logged.
  std::string payment_provider_token;
};

// Album parts are gathered this long after the last part, then copied together.
inline constexpr core::UnixMillis kAlbumGatherMillis = 1500;

// What opens a dialog. Engine::open_dialog decides from it, in one place, what every new
// dialog gets: the topic (with the user card), the pseudonym, the first status, WELCOME
// (the user's own first message only; a user writing after a close is welcomed again by
// on_user_message), AUTO_INFO (every origin) and the `dialog_created` event (`by` names the
// origin; the user's own message has none). A chat whose kind LEAVE_CLOSED lists gets a closed
// topic and no WELCOME.
enum class DialogOrigin {
  kUserMessage,     // the user wrote first: user_answered, WELCOME, the /start parameter
  kIntercepted,     // the connection wrote to the user from elsewhere: support_answered
  kOperatorNew,     // an operator's /new (account connections): user_answered
  kMonitoredGroup,  // a group an account monitors wrote: user_answered, the group is the "user"
  kApi,             // the Topics API's send_message: support_answered
};

// Who sends a template (Engine::send_template) and what the send counts as.
struct TemplateSender {
  core::UserId operator_id = 0;  // the operator who sent it; 0: none (WELCOME, a label, a broadcast)
  std::string operator_name;     // {operator}: their first name; empty: no value (the fallback is used)
  std::string by = "operator";   // the message_sent event's `by`: "operator", "welcome", "label" …
  bool answers = true;           // an answer of the support: status support_answered, as an operator's reply
  bool copy_in_topic = true;     // the topic gets a copy of each part (linked to the user's)
  int priority = kPriorityOperatorReply;
};

// Who makes or changes a broadcast from outside the group (Engine::api_create_broadcast): what
// General is told, and the broadcast's creator (an operator on the dashboard; 0 for an API key).
struct BroadcastOrigin {
  std::string by = "the Topics API";
  core::UserId creator = 0;
  std::string language = "en";  // what the caller reads refusals in (the dashboard: the page's)
};

class Engine {
 public:
  Engine(store::Store& store, ConnectionContext context);

  const ConnectionContext& context() const { return context_; }
  void set_parameters(core::Parameters params) { context_.params = std::move(params); }
  void set_account_id(core::UserId id) { context_.account_id = id; }  // accounts
  // Several instances on one database: every transaction of this engine first checks that this
  // instance still holds the connection's lease (fencing.h). Null: a desk alone (the default).
  void set_fences(ConnectionFences* fences) { fences_ = fences; }

  // One event, one transaction.
  void handle(const core::Event& event, core::UnixMillis now);
  // Parses an inbox entry, handles it and marks it done in one transaction. A malformed entry
  // is logged and marked done (it can never succeed).
  void handle_inbox(const store::InboxEntry& entry, core::UnixMillis now);
  // Several entries in one transaction: the same outcome as handle_inbox() one by one, with one
  // commit instead of many (what limits throughput on disk). If the batch fails as a whole it
  // is retried entry by entry, so one bad entry cannot hold back the others; a transient
  // store::StoreError (busy, storage) is thrown instead, with nothing committed.
  void handle_inbox_batch(const std::vector<store::InboxEntry>& entries, core::UnixMillis now);
  // A due durable timer of this connection: an album's gathering ends; a flood guard window
  // that holds nothing back any more is dropped. Stale timers are ignored.
  void on_timer(const store::Timer& timer, core::UnixMillis now);
  // Closes dialogs waiting for the user longer than AUTOCLOSE hours; returns how many.
  int autoclose(core::UnixMillis now);
  // UNANSWERED_ALERT: announces in General, once per wait, the dialogs waiting for operators
  // longer than its minutes (engine_ownership.cpp); returns how many.
  int unanswered_alerts(core::UnixMillis now);
  // DAILY_DIGEST: once a local day, at or after its time, posts the summary of the day before in
  // General (engine_stats.cpp); returns 1 when it did.
  int daily_digest(core::UnixMillis now);

  // Topics API: engine_api.cpp
  // What the Topics API asks of the relay; each call is one transaction.
  struct ApiSent {
    store::Dialog dialog;
    bool dialog_created = false;  // the user had no dialog: one (and its topic) was opened
  };
  // Sends `text` to the user and posts it in their topic as "🔌 <sender>: text", like an
  // operator's answer (status support_answered). A known user without a dialog gets one.
  // nullopt: this connection has never seen the user.
  std::optional<ApiSent> api_send_message(core::UserId user, const std::string& text, std::string_view sender,
                                          core::UnixMillis now);
  // Sets a dialog's status as /hold, /wait and /close do; nullopt clears an operator's choice
  // (the status follows the conversation again: user_answered if the user wrote last).
  // nullopt result: no such dialog of this connection.
  std::optional<store::Dialog> api_set_status(core::DialogId dialog,
                                              std::optional<store::DialogStatus> status,
                                              core::UnixMillis now);
  // Gives a dialog to `owner` (0: nobody) as /assign and /unassign do: a notice in the topic,
  // the title, `dialog_assigned` with `by` "api" (engine_ownership.cpp). The caller checks that
  // `owner` is an operator of the group. nullopt: no such dialog of this connection.
  std::optional<store::Dialog> api_assign(core::DialogId dialog, core::UserId owner, core::UnixMillis now);
  // Sets (`add`) or removes the label `name` on a dialog as /mark does in its topic, with `by`
  // "api" in the history and the webhooks, and a note in the topic (engine_labels.cpp).
  struct ApiLabelResult {
    enum Outcome { kDone, kNoDialog, kUnknownLabel } outcome = kDone;
    std::string message;               // kUnknownLabel: what is wrong, with the closest name
    bool changed = false;              // false: it carried it already (add) or did not carry it (remove)
    std::vector<std::string> removed;  // labels the funnel removed
    std::string label;                 // the label's name as defined
    store::Dialog dialog;
  };
  ApiLabelResult api_change_label(core::DialogId dialog, std::string_view name, bool add,
                                  core::UnixMillis now);

  // Broadcasts of the Topics API: engine_broadcasts.cpp. Each call is one transaction; General
  // is told as for /send (docs/broadcasts.md).
  // What making a broadcast came to: `broadcast.id` 0 when refused, then `refused` says why,
  // `field` names what the refusal is about ("template", "recipients") and `code` its kind.
  struct BroadcastMade {
    store::Broadcast broadcast;
    store::BroadcastCounts counts;
    std::string said;     // why it was not made, for General (in LANGUAGE)
    std::string refused;  // the same for the caller outside the group (BroadcastOrigin::language)
    std::string field;
    core::ErrorCode code = core::ErrorCode::kInvalid;
  };
  // A broadcast of `request` (kAll, kList or kSegment, with template_name) at `scheduled_at`
  // (0: as soon as confirmed). `confirm`: the call is the confirmation (running or scheduled
  // at once); else it waits for /send confirm or api_broadcast_action(kConfirm). Recipients
  // that come to nobody refuse it and nothing is kept.
  BroadcastMade api_create_broadcast(const crm::SendRequest& request, core::UnixMillis scheduled_at,
                                     bool confirm, core::UnixMillis now, const BroadcastOrigin& origin = {});
  // confirm, pause, resume or cancel, as /send does. Error kNotFound: no such broadcast of this
  // connection; kConflict: its state does not take the action (crm::action_refused).
  core::Result<store::Broadcast> api_broadcast_action(std::int64_t id, crm::SendAction action,
                                                      core::UnixMillis now,
                                                      const BroadcastOrigin& origin = {});

  // Message templates: engine_templates.cpp
  // Sends the template `name` to the dialog's user, rendered for them (crm/template_render.h):
  // one outbox job per part in the user's queue, each then copied into the topic and linked;
  // a `message_sent` event; with `who.answers` the status becomes support_answered (the dialog
  // is re-read and written here: callers holding a copy re-read it). Call it inside the
  // engine's transaction. nullopt: sent; else why nothing was sent (no such template, a
  // variable without a value, a text too long), in words for the operators.
  std::optional<std::string> send_template(const store::Dialog& dialog, std::string_view name,
                                           const TemplateSender& who, core::UnixMillis now);

 private:
  void route(const core::Event& event, core::UnixMillis now);
  void handle_inbox_entry(const store::InboxEntry& entry, core::UnixMillis now);
  void on_user_message(const core::Event& event, core::UnixMillis now);
  void on_user_edit(const core::Event& event, core::UnixMillis now);
  void on_user_reaction(const core::Event& event, core::UnixMillis now);
  void on_user_blocked(const core::Event& event, bool blocked, core::UnixMillis now);
  void on_operator_message(const core::Event& event, core::UnixMillis now);
  void on_operator_edit(const core::Event& event, core::UnixMillis now);
  void on_operator_reaction(const core::Event& event, core::UnixMillis now);
  void on_topic_closed_in_app(const core::Event& event, core::UnixMillis now);
  void on_topic_reopened_in_app(const core::Event& event, core::UnixMillis now);
  void on_general_message(const core::Event& event, core::UnixMillis now);
  void run_command(const core::Command& command, store::Dialog& dialog, const core::Event& event,
                   core::UnixMillis now);

  bool user_may_write(const core::Event& event) const;
  bool is_human_operator_event(const core::Event& event) const;
  std::optional<store::Dialog> own_dialog_by_thread(core::ThreadId thread) const;
  bool answers_in_general() const;

  // intercepted messages: engine_intercept.cpp
  void on_outgoing_seen(const core::Event& event, core::UnixMillis now);
  std::optional<store::Dialog> dialog_for_intercepted(const core::Event& event, core::UnixMillis now);
  // Edits of intercepted messages: engine_intercept_edit.cpp
  void on_outgoing_edit(const core::Event& event, core::UnixMillis now);
  core::Event as_outgoing_edit(const core::Event& user_edit) const;

  // The one way a dialog is opened (see DialogOrigin). `first_text` is the user's first
  // message (its /start parameter is kept for the card).
  store::Dialog open_dialog(DialogOrigin origin, const core::Person& person, core::UnixMillis now,
                            std::string_view first_text = {});
  // The user (or a monitored group) wrote in a closed dialog: it opens again, unless LEAVE_CLOSED
  // lists the chat's kind (false: it stays closed).
  bool reopen_dialog(store::Dialog& dialog, core::UnixMillis now);
  // The chat kind LEAVE_CLOSED names for a dialog's user: "private" (a person), "channel" (a
  // channel an account follows) or "group" (a group it monitors).
  std::string_view chat_kind_of(core::UserId user) const;
  // WELCOME (core::Parameters::welcome) to the user; never twice in a row.
  void welcome(const store::Dialog& dialog, const core::Person& person, core::UnixMillis now);
  // Reopens in Telegram a topic the desk closed there (LEAVE_CLOSED, NEW_TOPIC_AFTER_CLOSE).
  void reopen_closed_topic(const store::Dialog& dialog, int priority, core::UnixMillis now);
  void close_dialog(store::Dialog& dialog, core::UnixMillis now, std::string_view by);
  void set_status(store::Dialog& dialog, store::DialogStatus status, core::UnixMillis now);
  // The topic's title should follow the dialog (status, owner, labels' tickers): one title job
  // per dialog at most, in its own queue at bulk priority, computed when it runs (docs/labels.md).
  void retitle(const store::Dialog& dialog, core::UnixMillis now);

  // Albums of every lane (album_state.h) are gathered here: parts join the lane's durable
  // timer; another album (or a message after it) copies the gathered one first.
  // `opening_note` is posted in the topic before a new album's first part (empty: none).
  void gather_album(const store::Dialog& dialog, AlbumLane lane, const core::Event& event,
                    core::UnixMillis now, std::string_view opening_note = {});
  void flush_album(const store::Dialog& dialog, AlbumLane lane, core::UnixMillis now);
  void withhold_user_message(const std::optional<store::Dialog>& dialog, core::UserId user,
                             core::UnixMillis now);
  void mirror_edit(const store::Dialog& dialog, Side to, const core::Event& e, int priority,
                   core::UnixMillis now);
  void emit_album(const std::string& payload, core::UnixMillis now);

  // The flood guard (flood_guard.h), engine_flood_guard.cpp: the not_before of a new dialog's
  // topic and of a copy of the user's message (0: not held). Each hands out a slot of its window.
  Slot paced_slot(const std::string& key, int per_minute, core::UnixMillis now);
  core::UnixMillis new_topic_slot(core::UnixMillis now);
  core::UnixMillis user_message_slot(const store::Dialog& dialog, core::UnixMillis now);

  // Message templates, engine_templates.cpp: /template and /t (`dialog` null: typed in
  // General), the album items seen in the group, WELCOME/AWAY_MESSAGE = "template:NAME".
  void template_command(const core::Command& command, store::Dialog* dialog, const core::Event& event,
                        core::UnixMillis now);
  void remember_album_item(const core::Event& event, core::UnixMillis now);
  void send_template_reply(const store::Dialog& dialog, std::string_view parameter, std::string_view name,
                           int priority, core::UnixMillis now);

  // Integrations: hooks, engine_integrations.cpp
  // /link, /unlink, /set and commands topicdesk does not know (command hooks, CUSTOM_COMMANDS).
  void run_custom_command(const core::Command& command, store::Dialog& dialog, const core::Event& event,
                          core::UnixMillis now);
  // `sees_hidden`: the operator may read what HIDE_INFO hides (core::sees_hidden_info); others
  // can still set, change and remove values, but are not shown the stored ones.
  void link_command(const core::Command& command, const store::Dialog& dialog, bool sees_hidden,
                    core::UnixMillis now);
  void set_command(const core::Command& command, const store::Dialog& dialog, bool sees_hidden,
                   core::UnixMillis now);
  void request_info_hooks(const store::Dialog& dialog, const core::Event& event, core::UnixMillis now);
  bool hooked(std::string_view command) const;  // a WEBHOOKS URL lists /command
  // /info lines: linked account, fields (only info_for(reveal) shows them)
  std::string integration_info(const store::Dialog& dialog);

  // `not_before`: the job waits until then (0: ready now); the flood guard holds jobs so.
  void enqueue(std::string_view kind, const JobPayload& payload, int priority, core::UnixMillis now,
               core::UnixMillis not_before = 0);
  void post_in_topic(const store::Dialog& dialog, std::string text, int priority, core::UnixMillis now);
  void post_in_general(std::string text, core::UnixMillis now);
  // A file the desk made (a report, an export) as a document in a topic (`dialog` 0: General),
  // with `caption` (at most 1024 characters) under it.
  void post_document(core::DialogId dialog, std::string file_name, std::string bytes, std::string caption,
                     core::UnixMillis now);
  void send_to_user(const store::Dialog& dialog, std::string text, int priority, core::UnixMillis now);
  // Languages (docs/languages.md): operators read the connection's LANGUAGE; a user is written to
  // in their Telegram language_code (as the store last saw it), else LANGUAGE, else English.
  const std::string& operator_language() const { return context_.params.language; }
  std::string user_language(const core::Person& person) const;
  std::string user_language(core::UserId user);
  // The /info text; `reveal` false (HIDE_INFO, an operator not on EXTENSIONS_ALLOWED) leaves out
  // the name, username, id, phone, linked account and custom fields.
  std::string info_for(const store::Dialog& dialog, bool reveal);
  void event(const store::Dialog& dialog, std::string_view type, std::string payload, core::UnixMillis now);

  // Topics the engine does not know (engine_topics.cpp): an operator wrote in a topic no
  // dialog of this connection uses, and the operators are told what happens to the message.
  // Returns the dialog the message is for (it is then relayed as usual); nullopt: not relayed.
  std::optional<store::Dialog> dialog_for_unknown_topic(const core::Event& event, core::UnixMillis now);
  void adopt_topic(store::Dialog& dialog, core::ThreadId thread, core::UnixMillis now);
  // A text in an explicit topic of the group; `dialog` 0: a topic of no dialog.
  void post_in_thread(core::DialogId dialog, core::ThreadId thread, std::string text, core::UnixMillis now);

  // Dialog ownership, engine_ownership.cpp
  void learn_operator(const core::Event& event, core::UnixMillis now);  // the operators registry
  // /take, /assign, /unassign in a topic; /shift and /mine in General.
  void ownership_command(const core::Command& command, store::Dialog& dialog, const core::Event& event,
                         core::UnixMillis now);
  void ownership_general_command(const core::Command& command, const core::Event& event,
                                 core::UnixMillis now);
  // ASSIGN: a dialog that opens (or opens again) without an owner gets one among those on shift.
  void auto_assign(store::Dialog& dialog, core::UnixMillis now);
  // Writes the owner (0: none), retitles the topic and emits `dialog_assigned`; `by` is
  // "operator" (then `by_operator` is who) or ASSIGN's mode.
  void set_owner(store::Dialog& dialog, core::UserId owner, std::string_view by, core::UserId by_operator,
                 core::UnixMillis now);
  std::string ownership_info(const store::Dialog& dialog);  // /info's owner line

  // accounts, engine_accounts.cpp
  bool route_account_event(const core::Event& event, core::UnixMillis now);  // true: handled
  bool private_chat_monitored(const core::Event& event) const;
  void on_new_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  bool general_command_is_mine(std::string_view command, core::ConnectionId instance, core::UnixMillis now);
  void on_story_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  void on_story_posted(const core::Event& event, core::UnixMillis now);
  std::vector<core::UserId> story_viewers() const;
  static constexpr std::size_t kMaxStoryViewers = 10000;
  void on_user_resolved(const core::Event& event, core::UnixMillis now);
  void on_group_frontend_message(const core::Event& event, core::UnixMillis now);
  void on_group_frontend_edit(const core::Event& event, core::UnixMillis now);
  bool group_message_wanted(const core::Event& event) const;
  void name_group_sender(const store::Dialog& dialog, const core::Event& event, core::UnixMillis now);
  void announce_topic(const store::Dialog& dialog, std::string text, core::UnixMillis now);

  // Working hours, engine_hours.cpp: AWAY_MESSAGE to a user who wrote outside WORKING_HOURS
  // (once a calendar day per dialog, judged by the message's date) with a note in the topic;
  // /hours in General. `priority`: the copy's, so the note follows the message in the topic.
  void away_reply(const store::Dialog& dialog, const core::Person& person, const core::Event& event,
                  int priority, core::UnixMillis now);
  void on_hours_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  // The web dashboard, engine_web.cpp: /web (a one-time login link) and /web logout all|everyone.
  void on_web_command(const core::Command& command, const core::Event& event, core::UnixMillis now);

  // Analytics in General, engine_stats.cpp: /stats [iN] today|yesterday|week|month (the
  // connection's summary in WORKING_HOURS' zone, else UTC).
  void on_stats_command(const core::Command& command, const core::Event& event, core::UnixMillis now);

  // The proxy program's backlog, engine_backlog.cpp: /backlog and /backlog drop answered in General.
  void on_backlog_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  std::string backlog_text(core::UnixMillis now);
  std::string backlog_dropped(std::int64_t dropped) const;
  // Segments, engine_segments.cpp: /segment EXPRESSION in General, a dry run (count and examples).
  void on_segment_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  // The first label a segment names that no connection of the group defines, as the answer for
  // the chat (with the closest name); nullopt when every label exists.
  std::optional<std::string> unknown_segment_label(const crm::Segment& segment);
  std::optional<std::string> unknown_segment_label(const crm::Segment& segment, std::string_view language);
  // Exports, engine_export.cpp: /export [expression] in General (the clients' CSV), /export here
  // in a topic (the conversation's transcript).
  void on_export_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  void on_export_in_topic(const core::Command& command, const store::Dialog& dialog, const core::Event& event,
                          core::UnixMillis now);

  // Satisfaction ratings (CSAT), engine_ratings.cpp: the question a close asks, a button
  // pressed, and the user's next message when it is the rating's digit or comment (true: taken,
  // not relayed; the dialog stays closed).
  void ask_rating(const store::Dialog& dialog, core::UnixMillis now);
  void on_button_pressed(const core::Event& event, core::UnixMillis now);
  bool take_rating_reply(const store::Dialog& dialog, const core::Event& event, core::UnixMillis now);
  std::string credited_name(core::UserId operator_id);

  // Labels and funnels, engine_labels.cpp: /mark in General and in a topic, label changes (the
  // funnel, history, events, titles), /info's lines.
  void on_mark_general(const core::Command& command, const core::Event& event, core::UnixMillis now);
  void on_mark_in_topic(const core::Command& command, store::Dialog& dialog, const core::Event& event,
                        core::UnixMillis now);
  struct LabelChangeResult {
    bool changed = false;
    std::vector<std::string> removed;  // by the funnel
    std::string template_note;         // what became of the label's template (sends)
  };
  LabelChangeResult change_label(store::Dialog& dialog, const store::Label& label, bool add,
                                 store::LabelChangeBy by, core::UserId operator_id, core::UnixMillis now);
  std::string send_label_template(const store::Dialog& dialog, const store::Label& label,
                                  core::UnixMillis now);
  std::optional<store::Label> find_label(std::string_view name);
  // "There is no label …", with the closest name if any, in `language`.
  std::string unknown_label(std::string_view name, std::string_view language);
  std::vector<std::string> after_names(const store::Label& label);
  std::string label_info(const store::Dialog& dialog);
  // Broadcasts, engine_broadcasts.cpp: /send in General.
  void on_send_command(const core::Command& command, const core::Event& event, core::UnixMillis now);
  void create_broadcast(const crm::SendRequest& request, const core::Event& event, core::UnixMillis now);
  // A broadcast of `request` made and its recipients listed: the messages of General
  // `messages` (an album's items, a chain) are its content, or request.template_name. Refused
  // before it is made (broadcast.id 0), or made and cancelled at once (`refused` says why) when
  // its recipients come to nobody or do not fit the monthly quota.
  // `reader`: the language of `refused` (General's /send reads `said`, in LANGUAGE).
  BroadcastMade make_broadcast(const crm::SendRequest& request, std::vector<core::MessageId> messages,
                               core::UserId creator, core::UnixMillis scheduled_at, core::UnixMillis now,
                               std::string_view reader);
  // The confirmation of a broadcast /send made, or why it was not made.
  void post_made(const BroadcastMade& made, const std::string& when, core::UnixMillis now);
  // The messages a reply names: the replied-to message, or every item of its album.
  core::Result<std::vector<core::MessageId>> broadcast_messages(const core::Event& event);
  void add_to_broadcast(const crm::SendRequest& request, const core::Event& event, core::UnixMillis now);
  // The monthly quota's numbers for a broadcast still needing `needed` users.
  crm::QuotaUse broadcast_quota_use(std::int64_t needed, core::UnixMillis now);
  std::string broadcast_quota_renewal(core::UnixMillis now);
  // Whether the monthly quota lets `action` (confirm, resume) go ahead; else why not, in `language`.
  std::optional<std::string> broadcast_quota_refused(std::string_view language, const store::Broadcast& b,
                                                     crm::SendAction action, core::UnixMillis now);
  // The dispatcher read (or could not read) the document of a `/send file`.
  void on_ids_file_read(const core::Event& event, core::UnixMillis now);
  void on_group_backlog(const core::Event& event, core::UnixMillis now);  // engine_group_lane.cpp

  // Shared data tables, engine_tables.cpp (docs/tables.md): /table in General and topics
  // (`dialog` null: General); the CSV a `/table import` had the dispatcher read (true when the
  // kIdsFileRead event was one); /invoice TABLE ROW's arguments from the row (nullopt: the args
  // name no table; an Error: the refusal to show).
  void table_command(const core::Command& command, store::Dialog* dialog, const core::Event& event,
                     core::UnixMillis now);
  bool table_file_read(const core::Event& event, core::UnixMillis now);
  std::optional<core::Result<std::string>> table_invoice_args(std::string_view args);
  // {table:NAME:ROW:COLUMN} in `text` filled from the tables (PAYMENT_HOOK's line); a reference
  // the tables lack becomes a marker and is added to `misses`.
  std::string fill_table_references(std::string_view text, std::vector<std::string>* misses);

  // Payments inside the topic: engine_payments.cpp (docs/payments.md).
  void on_invoice_command(const core::Command& command, store::Dialog& dialog, const core::Event& event,
                          core::UnixMillis now);
  void on_refund_command(const core::Command& command, store::Dialog& dialog, core::UnixMillis now);
  void on_pre_checkout(const core::Event& event, core::UnixMillis now);
  void on_payment_received(const core::Event& event, core::UnixMillis now);
  // A payment job failed for good (kDeliveryFailed): true when it was told here (a refund that
  // Telegram refused is undone), false for every other job.
  bool payment_job_failed(const core::Event& event, const store::Dialog& dialog, core::UnixMillis now);
  std::string payment_info(const store::Dialog& dialog);  // /info's payment lines
  // The AI consultant, engine_ai.cpp (docs/ai.md): the requests the AI worker (ai/worker.h)
  // answers, what its answers come to (a draft with Send and Discard, an automatic answer or a
  // hand-over, a comment for /ai QUESTION), /ai on|off, and the failures told once in General.
  void ai_on_user_message(const store::Dialog& dialog, const core::Event& e, bool fresh,
                          core::UnixMillis now);
  void ai_on_operator_answer(const store::Dialog& dialog, core::UnixMillis now);
  void on_ai_command(const core::Command& command, store::Dialog& dialog, const core::Event& e,
                     core::UnixMillis now);
  void on_ai_answered(const core::Event& e, core::UnixMillis now);
  void on_ai_button(const core::Event& e, core::UnixMillis now);
  core::AiMode ai_mode_in(const store::Dialog& dialog, const store::AiDialogState& state) const;
  // For /template del: the broadcasts not over yet that send template `name`, which will stop
  // (empty when none).
  std::string broadcasts_of_template_note(std::string_view name);
  // An allowed action's transition (crm::state_after), written; returns what General is told.
  std::string apply_broadcast_action(store::Broadcast& b, crm::SendAction action, core::UnixMillis now);
  // The CSV report of an ended broadcast, kept with it and posted in General (once).
  void on_broadcast_ended(const core::Event& event, core::UnixMillis now);

  // Delivery reports of the dispatcher (engine_outcomes.cpp): what the operators are told.
  void on_delivery_failed(const core::Event& event, core::UnixMillis now);
  void on_delivery_repeated(const core::Event& event, core::UnixMillis now);
  void on_hook_answered(const core::Event& event, core::UnixMillis now);
  void on_session_problem(const core::Event& event, core::UnixMillis now);
  void on_helper_left(const core::Event& event, core::UnixMillis now);
  std::optional<store::Dialog> reported_dialog(const core::Event& event) const;
  // SILENT_MODE off: the user learns that a message of theirs could not be relayed (one notice
  // for the failures of a few minutes).
  void tell_user_not_relayed(const store::Dialog& dialog, core::UnixMillis now);

  // Message history, engine_history.cpp: each message the relay passes, recorded in the same
  // transaction (docs/history.md). `in_group`: the edited message is the group's (an operator's
  // or a comment), else the private chat's. `album_key` ties a template album's rows together.
  void record_message(const store::Dialog& dialog, store::HistoryAuthor author, const core::Event& e,
                      core::UnixMillis now);
  void record_edit(const store::Dialog& dialog, bool in_group, const core::Event& e, core::UnixMillis now);
  void record_text(const store::Dialog& dialog, store::HistoryAuthor author, std::string_view text,
                   core::UnixMillis now, std::string_view sender_name = {});
  void record_template_part(const store::Dialog& dialog, const TemplateSender& who,
                            const store::TemplatePart& part, std::string_view album_key,
                            core::UnixMillis now);

  // One unit of work for this connection: fenced when several instances share the store.
  void transaction(const std::function<void()>& body);

  store::Store& store_;
  ConnectionContext context_;
  ConnectionFences* fences_ = nullptr;
};

// Which connection owns the topic `thread` of `group`; nullopt when no dialog uses it.
std::optional<core::ConnectionId> owner_of_thread(store::Store& store, core::ChatId group,
                                                  core::ThreadId thread);

// A new dialog's HIDE_INFO pseudonym ("Blue Otter 4821"): HMAC-SHA256 of (connection, user)
// under the install's secret, so it is stable but cannot be computed without the secret.
std::string user_pseudonym(std::string_view secret, core::ConnectionId connection, core::UserId user);

// The /start deep-link payload of a first message ("/start promo42" → "promo42").
std::string start_parameter(std::string_view text);

// State keys the engine and dispatcher share.
std::string start_parameter_key(core::DialogId dialog);
std::string topic_closed_key(core::DialogId dialog);
// The title the dispatcher last gave the topic `thread` (created or edited).
std::string topic_name_key(core::ThreadId thread);
// Set (to "1") for a chat an account follows as a channel (MONITOR_CHANNELS), when its first post
// opens its dialog: LEAVE_CLOSED tells channels from groups by it.
std::string channel_chat_key(core::UserId chat);
// The dialog (id as text) whose old topic `thread` NEW_TOPIC_AFTER_CLOSE left behind as history.
std::string history_topic_key(core::ThreadId thread);

// The calendar day (days since 1970, in WORKING_HOURS' zone) the dialog last got the away reply.
std::string away_reply_key(core::DialogId dialog);

core::TopicStatus topic_status(store::DialogStatus status);

// /backlog's usage, and its answer on a connection that is not a proxy (`account`: a personal
// account) (engine_backlog.cpp).
std::string backlog_usage(std::string_view lang);
// The notice in General when the group's backlog grew old (engine_group_lane.cpp).
std::string group_backlog_notice(std::string_view lang, std::int64_t jobs, std::int64_t oldest_seconds);
std::string backlog_not_applicable(std::string_view lang, std::string_view connection, bool account);

}  // namespace topicdesk::relay
