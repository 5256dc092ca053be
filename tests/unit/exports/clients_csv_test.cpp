// The clients CSV read back as a spreadsheet would: every column matches what the store keeps,
// segments pick the rows, HIDE_INFO leaves no identity in the file, and big files cut into
// parts that each read as a whole CSV.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>

#include "crm/broadcast_report.h"
#include "csv_reader.h"
#include "exports/exports.h"

namespace topicdesk::exports {
namespace {

using testing::read_csv;
using testing::read_records;

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::ChatId kOtherGroup = -1001000000002;
constexpr core::UnixMillis kDay = 24LL * 3600 * 1000;
constexpr core::UnixMillis kNow = 20000 * kDay;

class ClientsCsv : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_sqlite(":memory:");
    shop_ = store_->ensure_connection("shop", 111, kGroup);
    sales_ = store_->ensure_connection("sales", 222, kGroup);
    other_ = store_->ensure_connection("elsewhere", 333, kOtherGroup);
  }

  store::Dialog client(core::ConnectionId conn, const core::Person& person, core::UnixMillis created,
                       core::UnixMillis wrote, std::string pseudonym) {
    store_->upsert_user(conn, person, kNow);
    auto d = store_->create_dialog(conn, person.id, kGroup, created);
    d.last_user_message_at = wrote;
    d.pseudonym = std::move(pseudonym);
    store_->update_dialog(d);
    return d;
  }

  std::string csv(ClientsQuery query) {
    query.now = kNow;
    auto out = clients_csv(*store_, query);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? *out : std::string();
  }

  std::unique_ptr<store::Store> store_;
  core::ConnectionId shop_ = 0, sales_ = 0, other_ = 0;
};

const core::Person kAnna{.id = 700100200,
                         .first_name = "Anna",
                         .last_name = "Lee, \"the\" buyer",
                         .username = "anna_lee",
                         .language_code = "en",
                         .phone = "79991234567"};
const core::Person kBoris{.id = 700100300, .first_name = "=HYPERLINK(\"x\")", .language_code = "ru"};

TEST_F(ClientsCsv, EveryColumnReadsBackAsTheStoreKeepsIt) {
  auto anna = client(shop_, kAnna, kNow - 30 * kDay, kNow - 2 * kDay, "Blue Otter 4821");
  anna.last_operator_reply_at = kNow - kDay;
  anna.status = store::DialogStatus::kSupportAnswered;
  store_->update_dialog(anna);
  client(sales_, kAnna, kNow - 3 * kDay, kNow - 3 * kDay, "Red Fox 11");
  auto vip = store_->add_label(store::Label{.connection_id = shop_, .name = "VIP", .key = "vip"});
  auto lead = store_->add_label(store::Label{.connection_id = shop_, .name = "lead", .key = "lead"});
  store_->set_dialog_label(shop_, anna.id, vip, kNow);
  store_->set_dialog_label(shop_, anna.id, lead, kNow);
  store_->set_user_link(shop_, kAnna.id, "crm-42");
  store_->set_user_field(shop_, kAnna.id, "plan", "pro, yearly");
  store_->set_user_field(shop_, kAnna.id, "city", "Tallinn");
  store_->state_set(shop_, "start:" + std::to_string(anna.id), "promo42");

  std::string text = csv({.connection = shop_});
  auto rows = read_csv(text);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(text.substr(0, text.find("\r\n")), kClientColumns);
  auto records = read_records(text);
  const auto& r = records[0];
  EXPECT_EQ(r.at("connection"), "shop");
  EXPECT_EQ(r.at("user_id"), "700100200");
  EXPECT_EQ(r.at("pseudonym"), "Blue Otter 4821");
  EXPECT_EQ(r.at("first_name"), "Anna");
  EXPECT_EQ(r.at("last_name"), "Lee, \"the\" buyer");
  EXPECT_EQ(r.at("username"), "anna_lee");
  EXPECT_EQ(r.at("language"), "en");
  EXPECT_EQ(r.at("phone"), "79991234567");
  EXPECT_EQ(r.at("labels"), "VIP lead");
  EXPECT_EQ(r.at("link"), "crm-42");
  auto fields = boost::json::parse(r.at("fields"));
  EXPECT_EQ(fields.at("plan").as_string(), "pro, yearly");
  EXPECT_EQ(fields.at("city").as_string(), "Tallinn");
  EXPECT_EQ(r.at("first_contact"), crm::iso_utc(kNow - 30 * kDay));
  EXPECT_EQ(r.at("last_contact"), crm::iso_utc(kNow - kDay));  // the operator answered last
  EXPECT_EQ(r.at("start_parameter"), "promo42");
  EXPECT_EQ(r.at("dialogs"), "2");  // shop and sales both know Anna
  EXPECT_EQ(r.at("status"), "support_answered");
}

TEST_F(ClientsCsv, AFormulaInANameIsNotRunByASpreadsheet) {
  client(shop_, kBoris, kNow - kDay, kNow - kDay, "Green Owl 1");
  auto records = read_records(csv({.connection = shop_}));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("first_name"), "'=HYPERLINK(\"x\")");
  EXPECT_EQ(records[0].at("dialogs"), "1");
  EXPECT_EQ(records[0].at("labels"), "");
  EXPECT_EQ(records[0].at("fields"), "");
}

TEST_F(ClientsCsv, ASegmentPicksTheRowsAndABadOneIsExplained) {
  client(shop_, kAnna, kNow - 30 * kDay, kNow - 2 * kDay, "Blue Otter 4821");
  client(shop_, kBoris, kNow - 30 * kDay, kNow - 20 * kDay, "Green Owl 1");
  auto recent = read_records(csv({.connection = shop_, .segment = "last_message<7d"}));
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].at("user_id"), "700100200");
  auto russian = read_records(csv({.connection = shop_, .segment = "lang:ru"}));
  ASSERT_EQ(russian.size(), 1u);
  EXPECT_EQ(russian[0].at("user_id"), "700100300");

  auto bad = clients_csv(*store_, {.segment = "vip and and"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("column"), std::string::npos) << bad.error().message;
}

TEST_F(ClientsCsv, OneGroupOrEveryConnection) {
  client(shop_, kAnna, kNow - 3 * kDay, kNow - 2 * kDay, "A");
  client(sales_, kBoris, kNow - 3 * kDay, kNow - 2 * kDay, "B");
  client(other_, kBoris, kNow - 3 * kDay, kNow - 2 * kDay, "C");
  auto group = read_records(csv({.group = kGroup}));
  ASSERT_EQ(group.size(), 2u);
  EXPECT_EQ(group[0].at("connection"), "shop");
  EXPECT_EQ(group[1].at("connection"), "sales");
  EXPECT_EQ(group[1].at("dialogs"), "2");
  EXPECT_EQ(read_records(csv({})).size(), 3u);
}

TEST_F(ClientsCsv, HiddenClientsAreTheirPseudonymsAndNothingElseOfThem) {
  auto anna = client(shop_, kAnna, kNow - 30 * kDay, kNow - 2 * kDay, "Blue Otter 4821");
  store_->set_user_link(shop_, kAnna.id, "crm-42");
  store_->set_user_field(shop_, kAnna.id, "email", "anna@example.com");
  auto vip = store_->add_label(store::Label{.connection_id = shop_, .name = "VIP", .key = "vip"});
  store_->set_dialog_label(shop_, anna.id, vip, kNow);

  std::string text = csv({.connection = shop_, .reveal = false});
  for (std::string_view secret :
       {"Anna", "Lee", "anna_lee", "79991234567", "700100200", "crm-42", "example.com"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked:\n" << text;
  auto records = read_records(text);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("pseudonym"), "Blue Otter 4821");
  EXPECT_EQ(records[0].at("user_id"), "");
  EXPECT_EQ(records[0].at("labels"), "VIP");  // what operators set is not the user's identity
  EXPECT_EQ(records[0].at("language"), "en");
}

TEST_F(ClientsCsv, EachConnectionOfASharedGroupHidesAsItsOwnSettingsSay) {
  client(shop_, kAnna, kNow - 3 * kDay, kNow - 2 * kDay, "Blue Otter 4821");
  client(sales_, kBoris, kNow - 3 * kDay, kNow - 2 * kDay, "Green Owl 1");
  auto records =
      read_records(csv({.group = kGroup, .reveals = [&](core::ConnectionId id) { return id == shop_; }}));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].at("user_id"), "700100200");
  EXPECT_EQ(records[1].at("user_id"), "");
  EXPECT_EQ(records[1].at("pseudonym"), "Green Owl 1");
}

TEST_F(ClientsCsv, ABigFileIsCutIntoWholeCsvFiles) {
  for (int i = 0; i < 50; ++i) {
    client(shop_, core::Person{.id = 800000000 + i, .first_name = "Line\r\nbreak " + std::to_string(i)},
           kNow - kDay, kNow - kDay, "P" + std::to_string(i));
  }
  auto doc = clients_document(*store_, {.connection = shop_, .now = kNow});
  ASSERT_TRUE(doc.ok());
  const std::size_t limit = 1000;
  auto parts = doc->parts(limit);
  ASSERT_GT(parts.size(), 3u);
  std::size_t rows = 0;
  for (const auto& part : parts) {
    EXPECT_LE(part.size(), limit);
    auto records = read_records(part);
    EXPECT_EQ(part.substr(0, part.find("\r\n")), kClientColumns);
    for (const auto& record : records) {
      EXPECT_EQ(record.at("first_name"), "Line\r\nbreak " + std::to_string(rows));
      ++rows;
    }
  }
  EXPECT_EQ(rows, 50u);
  EXPECT_EQ(doc->parts(doc->size()).size(), 1u);
  EXPECT_EQ(doc->parts(doc->size())[0], doc->str());
}

}  // namespace
}  // namespace topicdesk::exports
