// AUTOCLOSE at scale: the store's batch holds only due dialogs, so dialogs that an operator
// answered again recently never keep the due ones behind them open.
#include <gtest/gtest.h>

#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::UnixMillis kHour = 3'600'000;

class AutocloseTest : public EngineFixture {};

TEST_F(AutocloseTest, DueDialogsBehindManyRecentlyAnsweredOnesAreClosed) {
  auto& e = engine({{"AUTOCLOSE", "2"}});
  constexpr int kRecentlyAnswered = 520;  // more than one AUTOCLOSE batch (500)
  constexpr int kDue = 30;
  std::vector<core::DialogId> due;
  store_->transaction([&] {
    for (int i = 0; i < kRecentlyAnswered + kDue; ++i) {
      auto d = store_->create_dialog(context_.id, 5000 + i, kGroupId, kT0);
      d.thread_id = 100 + i;
      d.status = DialogStatus::kSupportAnswered;
      d.status_changed_at = kT0 + i;  // the recently answered ones waited longest by status
      d.last_operator_reply_at = i < kRecentlyAnswered ? kT0 + 5 * kHour : kT0 + i;
      store_->update_dialog(d);
      if (i >= kRecentlyAnswered) due.push_back(d.id);
    }
  });
  EXPECT_EQ(e.autoclose(kT0 + 6 * kHour), kDue);
  for (auto id : due) EXPECT_EQ(store_->dialog(id)->status, DialogStatus::kClosed) << "dialog " << id;
  EXPECT_EQ(store_->count_dialogs(kGroupId).support_answered, kRecentlyAnswered)
      << "answered again: still open";
  // Two hours after their last reply they are due too: one batch of 500, then the rest.
  EXPECT_EQ(e.autoclose(kT0 + 7 * kHour), 500);
  EXPECT_EQ(e.autoclose(kT0 + 7 * kHour), kRecentlyAnswered - 500);
}

}  // namespace
}  // namespace topicdesk::relay
