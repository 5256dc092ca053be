// `topicdesk export` read back: every file holds what the store keeps (the history line for
// line), files are private to their owner, and a folder that cannot be made is named.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "csv_reader.h"
#include "exports/exports.h"

namespace topicdesk::exports {
namespace {

namespace fs = std::filesystem;
using testing::read_records;

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::UnixMillis kT0 = 1'790'000'000'000;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

class ExportAll : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("export_all_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    store_ = store::open_sqlite(":memory:");
    shop_ = store_->ensure_connection("shop", 111, kGroup);
    sales_ = store_->ensure_connection("sales team", 222, kGroup);
  }
  void TearDown() override { fs::remove_all(dir_); }

  store::Dialog client(core::ConnectionId conn, core::UserId id, std::string name) {
    store_->upsert_user(conn, core::Person{.id = id, .first_name = std::move(name)}, kT0);
    return store_->create_dialog(conn, id, kGroup, kT0);
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  core::ConnectionId shop_ = 0, sales_ = 0;
};

TEST_F(ExportAll, EveryFileHoldsWhatTheStoreKeeps) {
  auto anna = client(shop_, 700100200, "Anna");
  auto boris = client(sales_, 700100300, "Boris");
  anna.thread_id = 77;
  anna.topic_title = "Anna, \"VIP\"";
  store_->update_dialog(anna);
  auto lead = store_->add_label(store::Label{.connection_id = shop_, .name = "lead", .key = "lead"});
  store_->add_label(
      store::Label{.connection_id = shop_, .name = "vip", .key = "vip", .ticker = "🔥", .after = {lead}});
  store_->set_dialog_label(shop_, anna.id, lead, kT0);
  store_->save_template(store::Template{.connection_id = shop_,
                                        .name = "greet",
                                        .parts = {store::TemplatePart{.text = "Hello {name}"}},
                                        .created_at = kT0,
                                        .updated_at = kT0});
  for (int i = 0; i < 12000; ++i) {  // more than a page
    const auto& d = i % 3 == 0 ? boris : anna;
    store_->add_history(
        store::HistoryEntry{.connection_id = d.connection_id,
                            .dialog_id = d.id,
                            .author = i % 2 ? store::HistoryAuthor::kOperator : store::HistoryAuthor::kUser,
                            .sender_id = i % 2 ? 42 : d.user_id,
                            .sender_name = "someone",
                            .message_id = i + 1,
                            .content = "text",
                            .text = "line " + std::to_string(i) + "\nwith \"quotes\"",
                            .at = kT0 + i});
  }

  auto summary = export_all(*store_, dir_.string());
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(*summary,
            "clients.csv: 2 clients\ndialogs.csv: 2 dialogs\nhistory/shop.jsonl: 8000 messages\n"
            "history/sales_team-2.jsonl: 4000 messages\nlabels.csv: 2 labels\ntemplates.jsonl: 1 template\n");

  EXPECT_EQ(mode_of(dir_), 0700u);
  for (const char* name :
       {"clients.csv", "dialogs.csv", "labels.csv", "templates.jsonl", "history/shop.jsonl"})
    EXPECT_EQ(mode_of(dir_ / name), 0600u) << name;

  auto clients = read_records(slurp(dir_ / "clients.csv"));
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(clients[0].at("first_name"), "Anna");
  EXPECT_EQ(clients[0].at("labels"), "lead");
  EXPECT_EQ(clients[1].at("connection"), "sales team");

  auto dialogs = read_records(slurp(dir_ / "dialogs.csv"));
  ASSERT_EQ(dialogs.size(), 2u);
  EXPECT_EQ(dialogs[0].at("dialog_id"), std::to_string(anna.id));
  EXPECT_EQ(dialogs[0].at("thread_id"), "77");
  EXPECT_EQ(dialogs[0].at("topic_title"), "Anna, \"VIP\"");
  EXPECT_EQ(dialogs[0].at("labels"), "lead");
  EXPECT_EQ(dialogs[1].at("user_id"), "700100300");

  for (auto [conn, file] :
       {std::pair{shop_, "history/shop.jsonl"}, std::pair{sales_, "history/sales_team-2.jsonl"}}) {
    auto recorded = store_->connection_history(conn, 0, 100000);
    std::istringstream in(slurp(dir_ / file));
    std::size_t n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      ASSERT_LT(n, recorded.size());
      auto json = boost::json::parse(line).as_object();
      EXPECT_EQ(json.at("id").as_int64(), recorded[n].id);
      EXPECT_EQ(json.at("text").as_string(), recorded[n].text);
      EXPECT_EQ(json.at("sender_id").as_int64(), recorded[n].sender_id);
    }
    EXPECT_EQ(n, recorded.size()) << file;
  }

  auto labels = read_records(slurp(dir_ / "labels.csv"));
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].at("name"), "lead");
  EXPECT_EQ(labels[0].at("dialogs"), "1");
  EXPECT_EQ(labels[1].at("after"), "lead");
  EXPECT_EQ(labels[1].at("ticker"), "🔥");

  auto template_line = boost::json::parse(slurp(dir_ / "templates.jsonl")).as_object();
  EXPECT_EQ(template_line.at("name").as_string(), "greet");
  EXPECT_EQ(template_line.at("parts").as_array()[0].at("text").as_string(), "Hello {name}");

  // Again into the same folder: the files are replaced, not appended to.
  ASSERT_TRUE(export_all(*store_, dir_.string()).ok());
  EXPECT_EQ(read_records(slurp(dir_ / "clients.csv")).size(), 2u);
}

TEST_F(ExportAll, AFolderThatCannotBeMadeIsNamed) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "a-file") << "x";
  auto failed = export_all(*store_, (dir_ / "a-file" / "out").string());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("a-file/out"), std::string::npos) << failed.error().message;
}

}  // namespace
}  // namespace topicdesk::exports
