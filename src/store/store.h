// The Store: everything topicdesk keeps. One pure interface per concern (the headers below),
// all sharing one unit of work (unit_of_work.h); Store is their aggregate, implemented in full
// by every backend: SQLite (sqlite/) and PostgreSQL (postgres/), both on one store logic
// (sql/), one set of migrations (migrations/) and one contract test suite (tests/unit/store/)
// run against each.
//
// Code that needs one concern may take that interface (e.g. DialogStore&); code that needs a
// transaction across concerns takes Store&.
//
// Thread safety: implementations may be called from several threads. transaction() runs
// `body` as one atomic unit; store calls made by `body` (on the same thread) join it.
// Outside a transaction every call is its own unit. Failures throw StoreError (store_error.h),
// whose kind tells a transient failure (busy, full disk) from one that retrying cannot fix.
#pragma once
#include <memory>
#include <string>

#include "core/event.h"
#include "core/ids.h"
#include "store/ai_store.h"
#include "store/analytics_store.h"
#include "store/api_key_store.h"
#include "store/broadcast_store.h"
#include "store/connection_store.h"
#include "store/desk_meta_store.h"
#include "store/dialog_store.h"
#include "store/event_store.h"
#include "store/history_store.h"
#include "store/inbox_store.h"
#include "store/label_store.h"
#include "store/lease_store.h"
#include "store/message_link_store.h"
#include "store/operator_store.h"
#include "store/outbox_store.h"
#include "store/payment_store.h"
#include "store/proxy_store.h"
#include "store/rating_store.h"
#include "store/retention_store.h"
#include "store/setup_store.h"
#include "store/store_error.h"
#include "store/stored_connection_store.h"
#include "store/table_store.h"
#include "store/template_store.h"
#include "store/timer_store.h"
#include "store/unit_of_work.h"
#include "store/user_link_store.h"
#include "store/web_session_store.h"
#include "store/webhook_store.h"

namespace topicdesk::store {

using core::ChatId;
using core::ConnectionId;
using core::DialogId;
using core::MessageId;
using core::ThreadId;
using core::UnixMillis;
using core::UserId;

class Store : public UnitOfWork,
              public SchemaStore,
              public ConnectionStore,
              public UserStore,
              public DialogStore,
              public MessageLinkStore,
              public InboxStore,
              public OutboxStore,
              public TimerStore,
              public EventStore,
              public UserLinkStore,
              public WebhookStore,
              public ApiKeyStore,
              public ProxyStore,
              public DeskMetaStore,
              public RetentionStore,
              public OperatorStore,
              public RatingStore,
              public TemplateStore,
              public LabelStore,
              public BroadcastStore,
              public LeaseStore,
              public AnalyticsStore,
              public HistoryStore,
              public WebSessionStore,
              public PaymentStore,
              public StoredConnectionStore,
              public TableStore,
              public AiStore,
              public SetupStore {
 public:
  ~Store() override = default;
};

// Who opens the database. One desk per database: a desk (kDesk) holds an exclusive instance
// lock on "<path>.lock" for the store's lifetime, and a second desk on the same file fails to
// open. Command-line tools (doctor, migrate, webhooks status, apikey reset) open beside a
// running desk (kTool) and take no lock: SQLite's own locking keeps their short reads and
// writes safe.
enum class OpenAs { kDesk, kTool };

// Opens (creating if needed) an SQLite database file; ":memory:" for tests (no files, no lock).
// A missing folder is created with mode 0700 (missing parents too); the database, its -wal and
// -shm files and the lock file are kept at mode 0600 (message texts, secrets). Applies pending
// migrations, so the store is ready to use. Throws StoreError if the file cannot be opened or
// another desk holds the instance lock (the message names the lock file).
std::unique_ptr<Store> open_sqlite(const std::string& path, OpenAs as = OpenAs::kDesk);

// Opens a PostgreSQL store at a libpq URI ("postgresql://user@host:port/db?..."); applies
// pending migrations. Throws StoreError naming the server (never the password). `as` takes no
// lock on PostgreSQL: one desk per database is the operator's to keep for now.
std::unique_ptr<Store> open_postgres(const std::string& uri, OpenAs as = OpenAs::kDesk);

}  // namespace topicdesk::store
