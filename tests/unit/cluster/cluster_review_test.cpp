// doctor's review of several instances: alive instances, clock skew, who runs each connection.
#include "cluster/cluster_review.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace topicdesk::cluster {
namespace {

using Kind = ClusterFinding::Kind;
constexpr core::UnixMillis kNow = 1'000'000;
constexpr std::int64_t kLease = 10'000;

store::InstanceRecord instance(std::string id, core::UnixMillis seen_ago, core::UnixMillis skew = 0) {
  return {.id = std::move(id),
          .address = "10.0.0.1:8080",
          .started_at = kNow - 60'000,
          .seen_at = kNow - seen_ago,
          .local_at = kNow - seen_ago + skew};
}

const ClusterFinding* find(const std::vector<ClusterFinding>& findings, std::string_view part) {
  auto it = std::find_if(findings.begin(), findings.end(),
                         [&](const ClusterFinding& f) { return f.text.find(part) != std::string::npos; });
  return it == findings.end() ? nullptr : &*it;
}

TEST(ClusterReview, ConnectionsRunByLiveInstancesPass) {
  auto findings =
      review_cluster(kNow, kLease, {instance("a", 1000), instance("b", 2000)},
                     {{"shop", "a", 3, kNow + 8000}, {"help", "b", 1, kNow + 5000}}, {"shop", "help"});
  ASSERT_NE(find(findings, "connection shop: run by instance a"), nullptr);
  EXPECT_EQ(find(findings, "connection shop: run by instance a")->kind, Kind::kPass);
  EXPECT_EQ(find(findings, "connection help: run by instance b")->kind, Kind::kPass);
  EXPECT_TRUE(
      std::none_of(findings.begin(), findings.end(), [](const auto& f) { return f.kind == Kind::kFail; }));
}

TEST(ClusterReview, AnExpiredLeaseOrADeadOwnerIsAFinding) {
  auto findings = review_cluster(kNow, kLease, {instance("a", 1000), instance("dead", 30'000)},
                                 {{"shop", "dead", 4, kNow + 2000}, {"help", "a", 2, kNow - 3000}},
                                 {"shop", "help", "news"});
  // "dead" beat 30 s ago: gone, although its lease row has not expired yet.
  const auto* shop = find(findings, "connection shop");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->kind, Kind::kFail);
  const auto* help = find(findings, "connection help");
  ASSERT_NE(help, nullptr);
  EXPECT_EQ(help->kind, Kind::kFail);
  EXPECT_NE(help->text.find("expired 3.0 s ago"), std::string::npos) << help->text;
  const auto* news = find(findings, "connection news");
  ASSERT_NE(news, nullptr);
  EXPECT_NE(news->text.find("no instance has taken it"), std::string::npos);
  EXPECT_EQ(find(findings, "instance dead"), nullptr) << "a gone instance is not reviewed";
}

TEST(ClusterReview, ClockSkewBeyondASecondIsAFinding) {
  auto findings =
      review_cluster(kNow, kLease, {instance("fast", 500, 2500), instance("fine", 500, -300)}, {}, {});
  const auto* fast = find(findings, "instance fast");
  ASSERT_NE(fast, nullptr);
  EXPECT_EQ(fast->kind, Kind::kFail);
  EXPECT_NE(fast->text.find("2.5 s ahead of"), std::string::npos) << fast->text;
  EXPECT_EQ(find(findings, "instance fine")->kind, Kind::kPass);
}

TEST(ClusterReview, NoInstanceAliveIsANoteNotAFailurePerConnection) {
  auto findings =
      review_cluster(kNow, kLease, {instance("old", 60'000)}, {{"shop", "old", 1, kNow - 50'000}}, {"shop"});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, Kind::kNote);
  EXPECT_NE(findings[0].text.find("no instance is running"), std::string::npos);
}

TEST(ClusterReview, AnUnevenSpreadIsNoted) {
  auto findings =
      review_cluster(kNow, kLease, {instance("a", 100), instance("b", 100)},
                     {{"c1", "a", 1, kNow + 9000}, {"c2", "a", 1, kNow + 9000}, {"c3", "a", 1, kNow + 9000}},
                     {"c1", "c2", "c3"});
  const auto* spread = find(findings, "not spread evenly");
  ASSERT_NE(spread, nullptr);
  EXPECT_NE(spread->text.find("0 to 3"), std::string::npos) << spread->text;
}

TEST(ClusterReview, AConnectionThisConfigurationLacksIsAnotherDesk) {
  auto findings = review_cluster(kNow, kLease, {instance("a", 100), instance("b", 100)},
                                 {{"shop", "a", 1, kNow + 9000}, {"other", "b", 1, kNow + 9000}}, {"shop"});
  const auto* other = find(findings, "runs connection other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->kind, Kind::kFail);
  EXPECT_NE(other->fix.find("same configuration"), std::string::npos);
}

}  // namespace
}  // namespace topicdesk::cluster
