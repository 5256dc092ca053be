// The store events the engine emits (webhooks, analytics and the Topics API read them).
// The Store has no reader for events yet, so this test reads the SQLite file directly.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

std::vector<std::string> event_types(const std::string& path) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return out;
  }
  constexpr const char* kSelectEventTypes = "SELECT event_type FROM events ORDER BY id";
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, kSelectEventTypes, -1, &statement, nullptr) == SQLITE_OK) {
    while (sqlite3_step(statement) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    }
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return out;
}

TEST(EngineEvents, LifecycleAndTrafficAreRecorded) {
  auto dir = std::filesystem::temp_directory_path() / ("engine-events-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "desk.db").string();
  {
    auto store = store::open_sqlite(path);
    store->migrate();
    auto context = make_context(*store);
    Engine engine(*store, context);
    engine.handle(user_message(1001, 1, "hello"), kT0);
    auto dialog = *store->dialog_by_user(context.id, 1001);
    dialog.thread_id = 77;
    store->update_dialog(dialog);
    engine.handle(operator_message(77, 50, "answer"), kT0);
    engine.handle(operator_message(77, 51, "/close"), kT0);
    engine.handle(user_message(1001, 2, "again"), kT0);
    engine.handle(operator_message(77, 52, "/upgrade 5"), kT0);
  }
  EXPECT_EQ(event_types(path),
            (std::vector<std::string>{"dialog_created", "message_received", "message_sent", "dialog_closed",
                                      "dialog_reopened", "message_received", "command"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace topicdesk::relay
