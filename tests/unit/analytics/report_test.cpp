// compute() on a store holding the scripted history (scripted_history.h), and the report as
// JSON, CSV tables and the /stats summary.
#include "analytics/report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "analytics/analytics.h"
#include "scripted_history.h"

namespace topicdesk::analytics {
namespace {

namespace json = boost::json;
using test_support::dec;

constexpr core::ChatId kGroup = -1001000000001;

std::string secs(core::UnixMillis at) { return std::to_string(at / 1000); }

class AnalyticsComputeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_sqlite(":memory:");
    conn_ = store_->ensure_connection("support", 111, kGroup);
    other_ = store_->ensure_connection("sales", 222, -1001000000002);
    for (const auto& e : test_support::scripted_history()) {
      store_->append_event(conn_, e.dialog, e.type, e.payload, e.at);
      // Another connection's traffic at the same times: counted for the desk only.
      if (e.type == "message_received")
        store_->append_event(other_, 1000 + e.dialog, e.type, e.payload, e.at);
    }
    store_->upsert_operator(
        kGroup, core::Person{.id = test_support::kAnna, .first_name = "Anna", .username = "anna"}, 1);
    store_->upsert_operator(kGroup, core::Person{.id = test_support::kBoris, .first_name = "=Boris, Jr."}, 1);
  }

  AnalyticsReport report(std::optional<core::ConnectionId> connection, std::string zone = "UTC") {
    auto r = compute(*store_, {.connection = connection,
                               .from = dec(7, 0),
                               .to = dec(10, 0),
                               .period = Period::kDay,
                               .time_zone = std::move(zone)});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : AnalyticsReport{};
  }

  std::unique_ptr<store::Store> store_;
  core::ConnectionId conn_ = 0, other_ = 0;
};

TEST_F(AnalyticsComputeTest, ComputesAConnectionsFiguresFromTheStore) {
  auto r = report(conn_);
  EXPECT_EQ(r.connection_name, "support");
  EXPECT_EQ(r.total.new_dialogs, 4);
  EXPECT_EQ(r.total.messages_in, 7);
  EXPECT_EQ(r.total.unanswered, 1);
  EXPECT_EQ(r.total.reply.median_seconds, 40 * 60);
  EXPECT_EQ(r.oldest_event_at, dec(6, 22));
  ASSERT_EQ(r.operators.size(), 2u);
  EXPECT_EQ(r.operators[0].name, "Anna (@anna)");
  EXPECT_EQ(r.operators[1].name, "=Boris, Jr.");
}

TEST_F(AnalyticsComputeTest, TheDeskCountsEveryConnection) {
  auto r = report(std::nullopt);
  EXPECT_EQ(r.connection_name, "");
  EXPECT_EQ(r.total.messages_in, 14);
  // The other connection's users wrote and nobody answered: each of its five dialogs waits.
  EXPECT_EQ(r.total.unanswered, 6);
}

TEST_F(AnalyticsComputeTest, AQueryThatCannotBeAnsweredSaysWhy) {
  auto zone = compute(*store_, {.from = dec(7, 0), .to = dec(8, 0), .time_zone = "Mars/Olympus"});
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.error().message.find("time zone"), std::string::npos);
  auto range = compute(*store_, {.from = dec(8, 0), .to = dec(7, 0)});
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message.find("must be after"), std::string::npos);
}

TEST_F(AnalyticsComputeTest, JsonHoldsEveryTable) {
  auto v = json::parse(to_json(report(conn_, "Europe/Berlin")));
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("connection_id").as_int64(), conn_);
  EXPECT_EQ(o.at("time_zone").as_string(), "Europe/Berlin");
  EXPECT_EQ(o.at("period").as_string(), "day");
  // Three UTC days are parts of four Berlin days: Monday 01:00 to Thursday 01:00.
  ASSERT_EQ(o.at("periods").as_array().size(), 4u);
  EXPECT_EQ(o.at("periods").as_array()[3].as_object().at("start").as_string(), "2026-12-10");
  EXPECT_EQ(o.at("load").as_array().size(), 168u);
  const auto& total = o.at("total").as_object();
  EXPECT_EQ(total.at("reply").as_object().at("count").as_int64(), 6);
  EXPECT_EQ(total.at("reply").as_object().at("buckets").as_object().at("24h+").as_int64(), 1);
  EXPECT_TRUE(total.at("resolution").as_object().at("median_seconds").is_int64());
  EXPECT_EQ(o.at("operators").as_array()[0].as_object().at("name").as_string(), "Anna (@anna)");
}

TEST_F(AnalyticsComputeTest, EveryTableDownloadsAsCsv) {
  auto r = report(conn_);
  auto periods = to_csv(r, "periods");
  ASSERT_TRUE(periods.ok());
  EXPECT_EQ(*periods,
            "period,from,to,new_dialogs,closed,reopened,unanswered,messages_in,messages_out,messages_"
            "intercepted\r\n"
            "2026-12-07," +
                secs(dec(7, 0)) + "," + secs(dec(8, 0)) +
                ",2,0,0,2,2,2,0\r\n"
                "2026-12-08," +
                secs(dec(8, 0)) + "," + secs(dec(9, 0)) +
                ",0,1,0,0,2,4,0\r\n"
                "2026-12-09," +
                secs(dec(9, 0)) + "," + secs(dec(10, 0)) + ",2,1,1,1,3,1,2\r\n");
  auto times = to_csv(r, "response_times");
  ASSERT_TRUE(times.ok());
  EXPECT_NE(times->find("\r\ntotal,reply,6,2400,90000\r\n"), std::string::npos) << *times;
  EXPECT_NE(times->find("\r\n2026-12-07,resolution,0,,\r\n"), std::string::npos) << *times;
  auto buckets = to_csv(r, "buckets");
  ASSERT_TRUE(buckets.ok());
  EXPECT_TRUE(buckets->starts_with("period,metric,0-1h,1-4h,4-8h,8-24h,24h+\r\n"));
  EXPECT_NE(buckets->find("\r\ntotal,reply,3,1,1,0,1\r\n"), std::string::npos) << *buckets;
  auto load = to_csv(r, "load");
  ASSERT_TRUE(load.ok());
  EXPECT_NE(load->find("\r\nMon,9,1,1,1\r\n"), std::string::npos);
  // Names are quoted, and one a spreadsheet would take for a formula is defused.
  auto operators = to_csv(r, "operators");
  ASSERT_TRUE(operators.ok());
  EXPECT_NE(operators->find("\r\n7,Anna (@anna),2,2,2,2400,10800,2,2400,10800\r\n"), std::string::npos)
      << *operators;
  EXPECT_NE(operators->find("\r\n8,\"'=Boris, Jr.\",2,2,"), std::string::npos) << *operators;

  auto unknown = to_csv(r, "dialogs");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message,
            "analytics: unknown table \"dialogs\"; the tables are periods, response_times, buckets, load, "
            "operators");
}

TEST_F(AnalyticsComputeTest, TheSummaryIsAFewLinesForGeneral) {
  EXPECT_EQ(summary_text("en", report(conn_)),
            "📊 Statistics of support, 2026-12-07 – 2026-12-09 (UTC)\n"
            "Dialogs: 4 new, 2 closed, 1 reopened; 1 waiting for an answer\n"
            "Messages: 7 in, 7 out, 2 intercepted\n"
            "First response: median 3 h, p90 1 d 1 h (5)\n"
            "Reply: median 40 min, p90 1 d 1 h (6)\n"
            "Resolution: median 3 h, p90 10 h (2)\n"
            "Operators: Anna (@anna) 2 messages, 2 dialogs; =Boris, Jr. 2 messages, 2 dialogs");
}

// The report speaks the connection's LANGUAGE: every line, the durations' units and the counts.
TEST_F(AnalyticsComputeTest, TheSummaryIsInTheOperatorsLanguage) {
  EXPECT_EQ(summary_text("ru", report(conn_)),
            "📊 Статистика «support», 2026-12-07 – 2026-12-09 (UTC)\n"
            "Диалоги: новых 4, закрыто 2, возобновлено 1; ждут ответа 1\n"
            "Сообщения: входящих 7, исходящих 7, перехвачено 2\n"
            "Первый ответ: медиана 3 ч, p90 1 дн 1 ч (5)\n"
            "Время ответа: медиана 40 мин, p90 1 дн 1 ч (6)\n"
            "Время решения: медиана 3 ч, p90 10 ч (2)\n"
            "Операторы: Anna (@anna): сообщений: 2, диалогов: 2; =Boris, Jr.: сообщений: 2, диалогов: 2");
  const std::string german = summary_text("de", report(conn_));
  EXPECT_TRUE(german.starts_with("📊 Statistik von support, 2026-12-07 – 2026-12-09 (UTC)\n")) << german;
  EXPECT_NE(german.find("Erste Antwort: Median 3 Std., p90 1 T. 1 Std. (5)"), std::string::npos) << german;
  // Persian: the numbers are isolated so that they keep their place in a right-to-left line.
  const std::string persian = summary_text("fa", report(conn_));
  EXPECT_NE(persian.find("گفتگوها:"), std::string::npos) << persian;
  EXPECT_NE(persian.find("ساعت"), std::string::npos) << persian;
  EXPECT_EQ(persian.find("Dialogs"), std::string::npos) << persian;
}

}  // namespace
}  // namespace topicdesk::analytics
