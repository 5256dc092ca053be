// Copying a store between backends (store/copy/store_copy.h): a store filled through the Store
// interfaces with every concern's rows comes out of SQLite -> PostgreSQL -> SQLite with the same
// rows (per-table digests) and behaves the same (dialogs by topic, outbox order, ids that keep
// growing); a copy taken while a desk writes is one consistent state; every refusal (a target
// that holds data, a source not at the newest schema) and a row that cannot be written leave
// the target as it was and say what and where. The PostgreSQL cases use the test server
// (TOPICDESK_TEST_PG) and skip without it; SQLite -> SQLite runs everywhere.
#include "store/copy/store_copy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "store/migrations/migrations.h"
#include "store/sql/sql_store.h"
#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::Backend;
using ::testing::HasSubstr;

constexpr ChatId kGroup = -1001000000001;
constexpr UnixMillis kNow = 1'790'000'000'000;

Backend sqlite_file_backend() { return test_support::all_backends().front(); }

StoreLocation location_of(const Backend& backend, const std::string& where) {
  return backend.name == "postgres" ? StoreLocation::postgres(where) : StoreLocation::sqlite(where);
}

struct Filled {
  ConnectionId connection = 0;
  std::vector<DialogId> dialogs;
  std::vector<std::int64_t> jobs;  // in the order outbox_ready gives them
  std::int64_t last_event = 0;
};

// Rows in every table, through the Store interfaces only.
Filled fill(Store& s) {
  Filled f;
  f.connection = s.ensure_connection("support", 111, kGroup);
  const auto other = s.ensure_connection("sales", 222, kGroup);
  s.state_set(f.connection, "offset", "42");
  s.state_set(f.connection, "start:é", "ünïcödé ✓ 'quoted' \"double\"");
  for (int i = 0; i < 7; ++i) {
    const UserId user = 5000 + i;
    s.upsert_user(f.connection,
                  core::Person{user, false, "Ann" + std::to_string(i), "O'Neil", "ann", "de", ""}, kNow);
    auto d = s.create_dialog(f.connection, user, kGroup, kNow + i);
    d.thread_id = 900 + i;
    d.topic_title = "Ann #" + std::to_string(i);
    d.owner_id = i % 2 == 0 ? 77 : 0;
    s.update_dialog(d);
    f.dialogs.push_back(d.id);
    s.add_link(MessageLink{f.connection, d.id, 10 + i, 2000 + i, LinkDirection::kUserToGroup, kGroup});
    s.add_link(MessageLink{f.connection, d.id, 30 + i, 2100 + i, LinkDirection::kGroupToUser, kGroup});
  }
  s.upsert_user(other, core::Person{6000, false, "Bob", "", "", "", "+100"}, kNow);
  s.create_dialog(other, 6000, kGroup, kNow);
  for (int i = 0; i < 5; ++i)
    s.inbox_add(f.connection, 100 + i, R"({"update_id":)" + std::to_string(100 + i) + "}");
  for (const auto& entry : s.inbox_pending(f.connection, 2)) s.inbox_done(entry.id);
  for (int i = 0; i < 6; ++i) {
    OutboxJob job;
    job.connection_id = f.connection;
    job.queue_key = "chat:" + std::to_string(i % 3);
    job.priority = i % 2;
    job.kind = "sendMessage";
    job.payload = R"({"text":"line\nbreak"})";
    job.created_at = kNow;
    s.outbox_add(job);
  }
  const auto ready = s.outbox_ready(kNow, 100, {});
  s.outbox_done(ready.front().id);
  s.outbox_fail(ready.back().id, "Bad Request: chat not found");
  for (const auto& job : s.outbox_ready(kNow, 100, {})) f.jobs.push_back(job.id);
  s.timer_set(f.connection, "autoclose:1", kNow + 60'000, "{}");
  for (int i = 0; i < 4; ++i)
    f.last_event = s.append_event(f.connection, f.dialogs[0], "message", "{}", kNow + i);
  s.set_user_link(f.connection, 5000, "crm-17");
  s.set_user_field(f.connection, 5000, "plan", "gold");
  s.webhook_enqueue({WebhookDelivery{0, f.connection, "http://Hooks/2", "q", f.last_event, f.dialogs[0], true,
                                     0, 0, 0, "", kNow}},
                    s.webhook_cursor(), f.last_event);
  const auto deliveries = s.webhook_ready(kNow, 10, {});
  s.webhook_retry(WebhookAttempt{deliveries.at(0).id, kNow, 500, "server error", 12}, kNow + 1000);
  s.set_api_key_hash(f.connection, "ab12", kNow);
  s.proxy_update_add(f.connection, ProxyUpdate{7001, "message", R"({"update_id":7001})"}, kNow);
  s.proxy_set_webhook(f.connection,
                      ProxyWebhook{"https://bot.example/hook", "tok", R"(["message"])", 40, 0, ""});
  s.install_secret();
  s.upsert_operator(kGroup, core::Person{77, false, "Olga", "", "olga", "", ""}, kNow);
  s.set_on_shift(kGroup, 77, true);
  s.set_rotation_last(f.connection, 77);
  Rating rating;
  rating.connection_id = f.connection;
  rating.dialog_id = f.dialogs[1];
  rating.user_id = 5001;
  rating.closed_at = kNow;
  rating.score = 5;
  rating.comment = "thanks!";
  rating.rated_at = kNow;
  s.add_rating(rating);
  Template t;
  t.connection_id = f.connection;
  t.name = "Greeting";
  TemplatePart part;
  part.text = "Hello";
  t.parts = {part};
  t.created_at = t.updated_at = kNow;
  s.save_template(t);
  AlbumItem item;
  item.connection_id = f.connection;
  item.media_group_id = "mg1";
  item.message_id = 3;
  item.media.file_id = "file-1";
  item.seen_at = kNow;
  s.add_album_item(item);
  Label label;
  label.connection_id = f.connection;
  label.name = "VIP";
  label.key = "vip";
  label.created_at = kNow;
  label.id = s.add_label(label);
  s.set_dialog_label(f.connection, f.dialogs[0], label.id, kNow);
  LabelChange change;
  change.connection_id = f.connection;
  change.dialog_id = f.dialogs[0];
  change.label_id = label.id;
  change.label_name = "VIP";
  change.at = kNow;
  s.add_label_change(change);
  Broadcast broadcast;
  broadcast.connection_id = f.connection;
  broadcast.from_chat_id = kGroup;
  broadcast.message_ids = {1, 2};
  broadcast.recipients = "all";
  broadcast.created_at = kNow;
  const auto b = s.add_broadcast(broadcast);
  s.add_broadcast_recipients(b, {5000, 5001}, RecipientState::kPending, "");
  HistoryEntry said;
  said.connection_id = f.connection;
  said.dialog_id = f.dialogs[0];
  said.author = HistoryAuthor::kUser;
  said.sender_id = 5000;
  said.sender_name = "Ann0 O'Neil";
  said.message_id = 10;
  said.text = "Wo ist meine Bestellung? Ünïcödé ✓";
  said.at = kNow;
  s.add_history(said);
  s.edit_history(f.dialogs[0], false, 10, "Wo ist MEINE Bestellung?", "", kNow + 5);
  said.author = HistoryAuthor::kOperator;
  said.text = "Sie ist unterwegs";
  said.message_id = 2100;
  s.add_history(said);
  return f;
}

std::vector<std::int64_t> ready_ids(Store& s) {
  std::vector<std::int64_t> ids;
  for (const auto& job : s.outbox_ready(kNow, 100, {})) ids.push_back(job.id);
  return ids;
}

// What a copy must keep working: topics map to the same dialogs, links both ways, the outbox
// order, and ids that keep growing past the copied ones.
void expect_behaves_like(Store& copy, const Filled& f) {
  for (std::size_t i = 0; i < f.dialogs.size(); ++i) {
    auto by_thread = copy.dialog_by_thread(kGroup, 900 + static_cast<ThreadId>(i));
    ASSERT_TRUE(by_thread.has_value()) << "topic " << 900 + i;
    EXPECT_EQ(by_thread->id, f.dialogs[i]);
    EXPECT_EQ(by_thread->user_id, 5000 + static_cast<UserId>(i));
    auto link = copy.link_by_group_message(kGroup, 2100 + static_cast<MessageId>(i));
    ASSERT_TRUE(link.has_value());
    EXPECT_EQ(link->user_message_id, 30 + static_cast<MessageId>(i));
  }
  EXPECT_EQ(ready_ids(copy), f.jobs);
  EXPECT_EQ(copy.state_get(f.connection, "start:é").value_or(""), "ünïcödé ✓ 'quoted' \"double\"");
  EXPECT_EQ(copy.user_link(f.connection, 5000).value_or(""), "crm-17");
  EXPECT_EQ(copy.templates(f.connection).size(), 1u);
  HistoryQuery search;
  search.text = "meine bestellung";
  const auto found = copy.search_history(search);
  ASSERT_EQ(found.size(), 1u) << "the history and its folded text for search";
  EXPECT_EQ(found[0].edits, 1);
  EXPECT_EQ(copy.dialog_history(f.dialogs[0], 0, 10).size(), 2u);

  OutboxJob job;
  job.connection_id = f.connection;
  job.queue_key = "chat:new";
  job.kind = "sendMessage";
  job.payload = "{}";
  job.created_at = kNow;
  const auto new_job = copy.outbox_add(job);
  EXPECT_GT(new_job, *std::max_element(f.jobs.begin(), f.jobs.end()));
  EXPECT_EQ(ready_ids(copy).back(), new_job) << "a new job goes behind the copied ones";
  EXPECT_GT(copy.append_event(f.connection, 0, "message", "{}", kNow), f.last_event);
  auto d = copy.create_dialog(f.connection, 7777, kGroup, kNow);
  EXPECT_GT(d.id, *std::max_element(f.dialogs.begin(), f.dialogs.end()));
  ASSERT_TRUE(copy.inbox_add(f.connection, 999, "{}"));
  const auto pending = copy.inbox_pending(f.connection, 100);
  ASSERT_FALSE(pending.empty());
  EXPECT_EQ(pending.back().update_id, 999);
  EXPECT_GT(pending.back().id, pending.front().id);
}

class StoreCopy : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& [backend, where] : made_) backend.remove(where);
  }
  std::string make(const Backend& backend) {
    made_.emplace_back(backend, backend.new_location());
    return made_.back().second;
  }
  std::vector<std::pair<Backend, std::string>> made_;
};

TEST_F(StoreCopy, CopiesEveryTableSqliteToPostgresAndBack) {
  auto pg = test_support::postgres_backend();
  if (!pg || !pg->available) GTEST_SKIP() << "no test server (TOPICDESK_TEST_PG)";
  const auto sqlite = sqlite_file_backend();
  const auto first = make(sqlite);
  const auto middle = make(*pg);
  const auto last = make(sqlite);
  Filled filled;
  std::vector<TableDigest> original;
  {
    auto s = sqlite.open(first);
    filled = fill(*s);
    original = store_digest(*s);
  }
  std::int64_t progress_rows = 0;
  CopyOptions options;
  options.batch_rows = 3;  // several batches per table, and a partial last one
  options.progress = [&](const CopyProgress& p) { progress_rows = p.rows_done; };
  auto there = copy_store(StoreLocation::sqlite(first), StoreLocation::postgres(middle), options);
  ASSERT_TRUE(there.verified());
  EXPECT_EQ(there.schema_version, migrations::newest_version());
  EXPECT_EQ(progress_rows, there.rows());
  for (const auto& table : there.tables) {
    EXPECT_EQ(table.source.rows, table.target.rows) << table.source.table;
    EXPECT_EQ(table.source.sha256, table.target.sha256) << table.source.table;
  }
  auto back = copy_store(StoreLocation::postgres(middle), StoreLocation::sqlite(last), options);
  ASSERT_TRUE(back.verified());

  {
    auto s = pg->open(middle);
    EXPECT_EQ(store_digest(*s), original) << "PostgreSQL holds the SQLite store's rows";
  }
  {
    auto s = sqlite.open(last);
    EXPECT_EQ(store_digest(*s), original) << "back on SQLite, the same rows";
  }
  for (const auto& where : {middle, last}) {
    auto s = where == middle ? pg->open(where) : sqlite.open(where);
    SCOPED_TRACE(where == middle ? "postgres" : "sqlite");
    expect_behaves_like(*s, filled);
  }
}

TEST_F(StoreCopy, CopiesSqliteToSqlite) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(sqlite);
  Filled filled;
  std::vector<TableDigest> original;
  {
    auto s = sqlite.open(from);
    filled = fill(*s);
    original = store_digest(*s);
  }
  auto outcome = copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to));
  ASSERT_TRUE(outcome.verified());
  EXPECT_EQ(outcome.source_desk, TakenFrom::kStoppedDesk);
  auto s = sqlite.open(to);
  EXPECT_EQ(store_digest(*s), original);
  expect_behaves_like(*s, filled);
}

// Which instances run and own which connection is runtime state of the source's database: it is
// not copied, and the target's desks beat and take leases afresh.
TEST_F(StoreCopy, LeavesInstancesAndLeasesBehind) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(sqlite);
  {
    auto s = sqlite.open(from);
    fill(*s);
    s->instance_beat("instance-1", "10.0.0.1:8080", kNow);
    ASSERT_TRUE(s->lease_acquire("support", "instance-1", 600'000));
  }
  ASSERT_TRUE(copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to)).verified());
  auto s = sqlite.open(to);
  EXPECT_TRUE(s->instances().empty());
  EXPECT_TRUE(s->leases().empty());
  EXPECT_TRUE(s->lease_acquire("support", "instance-2", 600'000)) << "nobody owns it on the copy";
}

// The copy sees every table the migrations create (the list comes from the schema), but the
// runtime tables of several instances: a migration that adds a table is copied without anyone
// listing it.
TEST_F(StoreCopy, SeesEveryTableTheMigrationsCreate) {
  std::set<std::string> created;
  const std::regex create_table(R"(CREATE TABLE (IF NOT EXISTS )?([a-z_0-9]+))");
  for (const auto& migration : migrations::all()) {
    const std::string text = migration.sql;
    for (std::sregex_iterator it(text.begin(), text.end(), create_table), end; it != end; ++it)
      created.insert((*it)[2]);
  }
  ASSERT_GT(created.size(), 20u);
  EXPECT_EQ(created.erase("desk_instances") + created.erase("connection_leases"), 2u);
  auto s = open_sqlite(":memory:");
  const auto tables = store_tables(*s);
  EXPECT_EQ(std::set<std::string>(tables.begin(), tables.end()), created);
  if (auto pg = test_support::postgres_backend(); pg && pg->available) {
    const auto where = make(*pg);
    auto p = pg->open(where);
    EXPECT_EQ(store_tables(*p), tables);
  }
}

TEST_F(StoreCopy, RefusesATargetThatHoldsData) {
  std::vector<Backend> targets{sqlite_file_backend()};
  if (auto pg = test_support::postgres_backend(); pg && pg->available) targets.push_back(*pg);
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  {
    auto s = sqlite.open(from);
    fill(*s);
  }
  for (const auto& backend : targets) {
    SCOPED_TRACE(backend.name);
    const auto to = make(backend);
    std::vector<TableDigest> before;
    {
      auto t = backend.open(to);
      const auto c = t->ensure_connection("old", 1, kGroup);
      t->create_dialog(c, 42, kGroup, kNow);
      before = store_digest(*t);
    }
    try {
      copy_store(StoreLocation::sqlite(from), location_of(backend, to));
      FAIL() << "copied into a store that holds data";
    } catch (const StoreError& e) {
      EXPECT_THAT(e.what(), HasSubstr("is not empty"));
      EXPECT_THAT(e.what(), HasSubstr("dialogs (1 rows)"));
      EXPECT_THAT(e.what(), HasSubstr("connections (1 rows)"));
    }
    auto t = backend.open(to);
    EXPECT_EQ(store_digest(*t), before) << "the target is left as it was";
  }
}

TEST_F(StoreCopy, RefusesASourceNotAtTheNewestSchema) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(sqlite);
  {
    auto s = sqlite.open(from);
    fill(*s);
    sql_store(*s).exec_for_tests("DELETE FROM schema_migrations WHERE version = " +
                                 std::to_string(migrations::newest_version()));
  }
  try {
    copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to));
    FAIL() << "copied an outdated source";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("older than this topicdesk's"));
    EXPECT_THAT(e.what(), HasSubstr("run `topicdesk migrate`"));
    EXPECT_THAT(e.what(), HasSubstr(from));
  }
  try {
    copy_store(StoreLocation::sqlite(from + ".missing"), StoreLocation::sqlite(to));
    FAIL() << "copied a missing source";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not exist"));
  }
}

// A row PostgreSQL refuses (text that is not UTF-8, which SQLite keeps): the copy names the table
// and the row, and the target holds nothing of it.
TEST_F(StoreCopy, ARowThatCannotBeWrittenRollsTheWholeCopyBack) {
  auto pg = test_support::postgres_backend();
  if (!pg || !pg->available) GTEST_SKIP() << "no test server (TOPICDESK_TEST_PG)";
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(*pg);
  {
    auto s = sqlite.open(from);
    fill(*s);
    sql_store(*s).exec_for_tests("UPDATE users SET first_name = CAST(X'C328' AS TEXT) WHERE user_id = 5003");
  }
  std::vector<TableDigest> empty;
  {
    auto t = pg->open(to);
    empty = store_digest(*t);
  }
  CopyOptions options;
  options.batch_rows = 4;
  try {
    copy_store(StoreLocation::sqlite(from), StoreLocation::postgres(to), options);
    FAIL() << "copied a row PostgreSQL cannot hold";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("copying table users row (connection_id=1, user_id=5003)"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("password")));
  }
  {
    auto t = pg->open(to);
    EXPECT_EQ(store_digest(*t), empty) << "nothing half-copied";
  }
  {
    auto s = sqlite.open(from);
    sql_store(*s).exec_for_tests("UPDATE users SET first_name = 'Ann3' WHERE user_id = 5003");
  }
  EXPECT_TRUE(copy_store(StoreLocation::sqlite(from), StoreLocation::postgres(to), options).verified())
      << "the same target takes the copy once the row is fixed";
}

// A target that does not keep what it is given (here a trigger rewrites users' names): the
// verification finds the table, and the copy is rolled back.
TEST_F(StoreCopy, ATableThatDiffersAfterTheCopyRollsItBack) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(sqlite);
  {
    auto s = sqlite.open(from);
    fill(*s);
  }
  std::vector<TableDigest> empty;
  {
    auto t = sqlite.open(to);
    sql_store(*t).exec_for_tests(
        "CREATE TRIGGER rename_users AFTER INSERT ON users BEGIN UPDATE users SET first_name = 'X' WHERE "
        "connection_id = NEW.connection_id AND user_id = NEW.user_id; END");
    empty = store_digest(*t);
  }
  const auto outcome = copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to));
  EXPECT_FALSE(outcome.committed);
  EXPECT_FALSE(outcome.verified());
  for (const auto& table : outcome.tables) {
    EXPECT_EQ(table.same(), table.source.table != "users") << table.source.table;
    if (table.source.table == "users") {
      EXPECT_EQ(table.source.rows, table.target.rows);
    }
  }
  auto t = sqlite.open(to);
  EXPECT_EQ(store_digest(*t), empty) << "nothing of the copy is kept";
}

// SQLite lets a TEXT primary key hold NULL, which key order cannot page past: the copy refuses
// rather than leave rows behind.
TEST_F(StoreCopy, RowsKeyOrderCannotReachAreNeverLeftBehind) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  const auto to = make(sqlite);
  {
    auto s = sqlite.open(from);
    sql_store(*s).exec_for_tests(
        "INSERT INTO outbox_heads(queue_key, job_id, priority, not_before) VALUES (NULL, 1, 1, 0), "
        "('chat:1', 2, "
        "1, 0)");
  }
  CopyOptions options;
  options.batch_rows = 1;
  try {
    copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to), options);
    FAIL() << "copied part of a table";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("table outbox_heads holds 2 rows, but 1 were read in primary-key order"));
  }
}

// A desk keeps writing (each unit adds an inbox update and an outbox job together) while the
// copy reads its database: the copy is one state of it, never half a unit.
TEST_F(StoreCopy, ACopyOfARunningDeskIsOneConsistentState) {
  const auto sqlite = sqlite_file_backend();
  const auto from = make(sqlite);
  auto desk = sqlite.open(from);  // a desk: holds the instance lock
  const auto c = desk->ensure_connection("support", 111, kGroup);
  std::atomic<bool> stop{false};
  std::atomic<int> units{0};
  auto unit = [&](int n) {
    desk->transaction([&] {
      desk->inbox_add(c, n, "{}");
      OutboxJob job;
      job.connection_id = c;
      job.queue_key = "chat:" + std::to_string(n % 7);
      job.kind = "sendMessage";
      job.payload = "{}";
      job.created_at = kNow;
      desk->outbox_add(job);
    });
  };
  for (int n = 1; n <= 2000; ++n) unit(n);
  std::thread writer([&] {
    for (int n = 2001; !stop; ++n) {
      try {
        unit(n);
        ++units;
      } catch (const StoreError&) {
        // busy for a moment: the next unit
      }
    }
  });
  const auto to = make(sqlite);
  CopyOptions options;
  options.batch_rows = 100;
  const auto outcome = copy_store(StoreLocation::sqlite(from), StoreLocation::sqlite(to), options);
  stop = true;
  writer.join();
  ASSERT_TRUE(outcome.verified());
  EXPECT_EQ(outcome.source_desk, TakenFrom::kRunningDesk);
  std::int64_t inbox = -1, outbox = -2;
  for (const auto& table : outcome.tables) {
    if (table.target.table == "inbox") inbox = table.target.rows;
    if (table.target.table == "outbox") outbox = table.target.rows;
  }
  EXPECT_GE(inbox, 2000);
  EXPECT_EQ(inbox, outbox) << "every unit whole or not at all";
}

}  // namespace
}  // namespace topicdesk::store
