// Who a segment picks among a connection's users as the store keeps them: dialogs, profiles,
// custom fields and /start parameters read in one pass, paged by dialog id.
#include "crm/segment_members.h"

#include <gtest/gtest.h>

#include <memory>

namespace topicdesk::crm {
namespace {

constexpr core::ChatId kGroup = -1001000000001;
constexpr core::UnixMillis kDay = 24LL * 3600 * 1000;
constexpr core::UnixMillis kNow = 20000 * kDay;

class SegmentMembers : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_sqlite(":memory:");
    shop_ = store_->ensure_connection("shop", 111, kGroup);
    sales_ = store_->ensure_connection("sales", 222, kGroup);
  }

  store::Dialog user(core::ConnectionId conn, core::UserId id, std::string lang, core::UnixMillis wrote_at) {
    store_->upsert_user(
        conn, core::Person{.id = id, .first_name = "U" + std::to_string(id), .language_code = lang}, kNow);
    auto dialog = store_->create_dialog(conn, id, kGroup, kNow - 100 * kDay);
    dialog.last_user_message_at = wrote_at;
    store_->update_dialog(dialog);
    return dialog;
  }

  SegmentMatches match(core::ConnectionId conn, std::string_view expr, SegmentPage page = {}) {
    auto parsed = parse_segment(expr);
    EXPECT_TRUE(parsed) << describe(parsed.error);
    return users_matching(*store_, conn, *parsed.segment, kNow, page);
  }

  std::unique_ptr<store::Store> store_;
  core::ConnectionId shop_ = 0;
  core::ConnectionId sales_ = 0;
};

TEST_F(SegmentMembers, EveryTermReadsWhatTheStoreKeeps) {
  auto ann = user(shop_, 1, "ru", kNow - 2 * kDay);
  auto bob = user(shop_, 2, "en", kNow - 40 * kDay);
  auto cid = user(shop_, 3, "ru", 0);
  user(sales_, 1, "ru", kNow - kDay);  // the same person with another connection
  store_->set_user_field(shop_, 1, "plan", "pro");
  store_->set_user_field(shop_, 2, "plan", "team");
  store_->set_user_field(sales_, 1, "plan", "team");
  store_->state_set(shop_, "start:" + std::to_string(bob.id), "promo42");
  cid.status = store::DialogStatus::kClosed;
  cid.user_blocked_bot = true;
  store_->update_dialog(cid);

  auto ids = [](const SegmentMatches& m) {
    std::vector<core::UserId> out;
    for (const auto& member : m.members) out.push_back(member.dialog.user_id);
    return out;
  };
  using Ids = std::vector<core::UserId>;
  EXPECT_EQ(ids(match(shop_, "lang:ru")), (Ids{1, 3}));
  EXPECT_EQ(ids(match(shop_, "field:plan=pro")), (Ids{1}));
  EXPECT_EQ(ids(match(shop_, "field:plan")), (Ids{1, 2}));
  EXPECT_EQ(ids(match(shop_, "start:promo42")), (Ids{2}));
  EXPECT_EQ(ids(match(shop_, "last_message<7d")), (Ids{1}));
  EXPECT_EQ(ids(match(shop_, "last_message>30d or status:closed")), (Ids{2, 3}));
  EXPECT_EQ(ids(match(shop_, "is:blocked")), (Ids{3}));
  EXPECT_EQ(ids(match(shop_, "connection:shop")), (Ids{1, 2, 3}));
  EXPECT_EQ(ids(match(shop_, "connection:sales")), Ids{});
  EXPECT_EQ(ids(match(sales_, "field:plan=team and connection:sales")), (Ids{1}));
  EXPECT_EQ(ids(match(shop_, "first_contact>=1970-01-01")), (Ids{1, 2, 3}));
  auto vip = store_->add_label(store::Label{.connection_id = shop_, .name = "VIP", .key = "vip"});
  auto lead = store_->add_label(store::Label{.connection_id = shop_, .name = "lead", .key = "lead"});
  store_->set_dialog_label(shop_, ann.id, vip, kNow);
  store_->set_dialog_label(shop_, bob.id, lead, kNow);
  store_->set_dialog_label(shop_, cid.id, vip, kNow);
  store_->set_dialog_label(shop_, cid.id, lead, kNow);
  EXPECT_EQ(ids(match(shop_, "vip")), (Ids{1, 3}));
  EXPECT_EQ(ids(match(shop_, "vip and lead")), (Ids{3}));
  EXPECT_EQ(ids(match(shop_, "lead and not vip")), (Ids{2}));
  EXPECT_EQ(ids(match(sales_, "vip")), Ids{}) << "labels are per connection";
  auto first = match(shop_, "lang:ru").members.front();
  ASSERT_TRUE(first.user);
  EXPECT_EQ(first.user->first_name, "U1");
  EXPECT_EQ(first.dialog.id, ann.id);
}

TEST_F(SegmentMembers, PagesKeepTheCountAndSayWhetherMoreFollow) {
  for (core::UserId id = 1; id <= 5000; ++id) user(shop_, id, id % 2 ? "en" : "ru", kNow);
  auto all = match(shop_, "lang:en", {.limit = 3});
  EXPECT_EQ(all.count, 2500);
  ASSERT_EQ(all.members.size(), 3u);
  EXPECT_TRUE(all.more);
  EXPECT_EQ(all.members[2].dialog.user_id, 5);

  auto next = match(shop_, "lang:en", {.after_id = all.members.back().dialog.id, .limit = 3});
  EXPECT_EQ(next.count, 2500);
  ASSERT_EQ(next.members.size(), 3u);
  EXPECT_EQ(next.members[0].dialog.user_id, 7);

  auto last = match(shop_, "lang:en", {.after_id = all.members.back().dialog.id, .limit = 5000});
  EXPECT_EQ(last.members.size(), 2497u);
  EXPECT_FALSE(last.more);
}

TEST_F(SegmentMembers, AnUnknownConnectionHasNoMembers) {
  user(shop_, 1, "en", kNow);
  EXPECT_EQ(match(shop_ + sales_ + 7, "lang:en").count, 0);
}

}  // namespace
}  // namespace topicdesk::crm
