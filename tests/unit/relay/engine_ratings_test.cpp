// Satisfaction ratings (CSAT) in the engine: the question a close asks, presses of its buttons,
// an account's digit reply, and the comment that follows; none of it reopens the dialog.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "relay/ratings.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT: the relay test helpers
using ::testing::HasSubstr;

constexpr std::string_view kQuestion = "How did we do?";
constexpr core::UnixMillis kMinute = 60'000;
constexpr core::UnixMillis kHour = 60 * kMinute;

core::Event press(core::UserId user, std::string data, core::MessageId question = 300,
                  std::int64_t update = 5000) {
  core::Event e;
  e.kind = EventKind::kButtonPressed;
  e.update_id = update;
  e.chat_id = user;
  e.message_id = question;
  e.callback_id = "cb" + std::to_string(update);
  e.from = core::Person{.id = user, .first_name = "Ann"};
  e.text = std::move(data);
  return e;
}

boost::json::object fields_of(const TakenJob& job) {
  return boost::json::parse(job.payload.text).as_object();
}

// The callback data of button `score` under a question job.
std::string button_data(const TakenJob& question, int score) {
  auto fields = fields_of(question);
  const auto& row = fields.at("reply_markup").at("inline_keyboard").as_array().at(0).as_array();
  return std::string(row.at(score - 1).at("callback_data").as_string());
}

std::vector<std::string> topic_texts(const std::vector<TakenJob>& jobs) {
  return texts_to(jobs, Side::kGroup);
}

class EngineRatingsTest : public EngineFixture {
 protected:
  Engine& rating_engine() { return engine({{"CSAT", std::string(kQuestion)}}); }

  // Ann's dialog, closed by an operator's /close at `at`; returns the question job.
  TakenJob closed_with_question(Engine& e, core::UnixMillis at = kT0 + kMinute) {
    dialog_ = open_dialog_of(e, kAnn, kThread);
    e.handle(operator_message(kThread, 10, "/close"), at);
    auto jobs = take_jobs(*store_);
    const auto* question = find_job(jobs, job::kRatingQuestion);
    EXPECT_NE(question, nullptr) << ::testing::PrintToString(kinds(jobs));
    return question ? *question : TakenJob{};
  }

  store::Dialog dialog() { return *store_->dialog(dialog_.id); }

  std::vector<store::StoredEvent> csat_events() {
    std::vector<store::StoredEvent> out;
    for (auto& e : store_->events_after(0, 1000))
      if (e.type == "csat_received") out.push_back(std::move(e));
    return out;
  }

  store::Dialog dialog_;
};

TEST_F(EngineRatingsTest, CsatOffAsksNothing) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "/close"), kT0 + kMinute);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kRatingQuestion), nullptr);
}

TEST_F(EngineRatingsTest, CloseAsksTheQuestionWithFiveButtonsToTheUser) {
  auto question = closed_with_question(rating_engine());
  EXPECT_EQ(question.payload.to, Side::kUser);
  EXPECT_EQ(question.payload.dialog, dialog_.id);
  auto fields = fields_of(question);
  EXPECT_EQ(fields.at("text").as_string(), kQuestion);
  const auto& row = fields.at("reply_markup").at("inline_keyboard").as_array().at(0).as_array();
  ASSERT_EQ(row.size(), 5u);
  EXPECT_EQ(row.at(0).at("text").as_string(), "1 ⭐");
  for (int score = 1; score <= 5; ++score) {
    std::string data = button_data(question, score);
    EXPECT_LE(data.size(), 64u) << data;
    EXPECT_TRUE(data.starts_with(core::kRatingCallbackPrefix)) << data;
  }
}

TEST_F(EngineRatingsTest, EveryKindOfCloseAsks) {
  auto& e = rating_engine();
  auto dialog = open_dialog_of(e, kAnn, kThread);
  // the topic closed in the app
  core::Event closed = operator_message(kThread, 11, "");
  closed.kind = EventKind::kTopicClosedInApp;
  closed.is_service = true;
  e.handle(closed, kT0 + kMinute);
  EXPECT_NE(find_job(take_jobs(*store_), job::kRatingQuestion), nullptr);
  // the Topics API
  e.handle(user_message(kAnn, 12, "one more thing"), kT0 + 2 * kMinute);
  take_jobs(*store_);
  ASSERT_TRUE(e.api_set_status(dialog.id, DialogStatus::kClosed, kT0 + 3 * kMinute));
  EXPECT_NE(find_job(take_jobs(*store_), job::kRatingQuestion), nullptr);
}

TEST_F(EngineRatingsTest, APressAfterCloseIsRecordedAndLeavesTheDialogClosed) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 4)), kT0 + 2 * kMinute);
  auto jobs = take_jobs(*store_);

  EXPECT_EQ(dialog().status, DialogStatus::kClosed);
  EXPECT_EQ(find_job(jobs, job::kReopenTopic), nullptr);
  EXPECT_EQ(find_job(jobs, job::kSetTopicTitle), nullptr);
  const auto* answer = find_job(jobs, job::kAnswerButton);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(fields_of(*answer).at("callback_query_id").as_string(), "cb5000");
  EXPECT_EQ(fields_of(*answer).at("text").as_string(), "Thank you!");
  const auto* edit = find_job(jobs, job::kRatingQuestionEdit);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->payload.message_id, 300);
  EXPECT_THAT(std::string(fields_of(*edit).at("text").as_string()), HasSubstr("(4/5)"));
  EXPECT_THAT(std::string(fields_of(*edit).at("text").as_string()), HasSubstr("comment"));
  EXPECT_TRUE(fields_of(*edit).at("reply_markup").at("inline_keyboard").as_array().empty());
  EXPECT_THAT(topic_texts(jobs), ::testing::ElementsAre(HasSubstr("⭐ 4/5 from the user")));

  auto rating = store_->latest_rating(dialog_.id);
  ASSERT_TRUE(rating);
  EXPECT_EQ(rating->score, 4);
  EXPECT_EQ(rating->closed_at, kT0 + kMinute);
  EXPECT_EQ(rating->rated_at, kT0 + 2 * kMinute);
  auto events = csat_events();
  ASSERT_EQ(events.size(), 1u);
  auto data = boost::json::parse(events[0].payload).as_object();
  EXPECT_EQ(data.at("score").as_int64(), 4);
  EXPECT_EQ(data.at("user_id").as_int64(), kAnn);
  EXPECT_EQ(data.at("closed_at").as_int64(), (kT0 + kMinute) / 1000);
  EXPECT_EQ(data.at("rated_at").as_int64(), (kT0 + 2 * kMinute) / 1000);
  EXPECT_EQ(data.at("comment").as_string(), "");
  EXPECT_EQ(data.at("operator_id").as_int64(), 0);  // nobody answered: nobody is credited
  EXPECT_THAT(topic_texts(jobs), ::testing::ElementsAre(HasSubstr("no operator to credit")));
}

TEST_F(EngineRatingsTest, TheRatingCreditsTheOwnerElseTheLastOperatorWhoAnswered) {
  auto& e = rating_engine();
  dialog_ = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "Here is your answer"), kT0 + kMinute);
  e.handle(operator_message(kThread, 11, "/close"), kT0 + 2 * kMinute);
  auto question = *find_job(take_jobs(*store_), job::kRatingQuestion);
  e.handle(press(kAnn, button_data(question, 5)), kT0 + 3 * kMinute);
  EXPECT_THAT(topic_texts(take_jobs(*store_)),
              ::testing::ElementsAre(HasSubstr("credited to Olga (@olga_op)")));
  EXPECT_EQ(store_->latest_rating(dialog_.id)->operator_id, kOperatorId);
  EXPECT_EQ(boost::json::parse(csat_events().at(0).payload).at("operator_id").as_int64(), kOperatorId);

  auto owned = dialog();  // an owner (set by /take, /assign or ASSIGN) is credited first
  owned.owner_id = 4711;
  owned.status = DialogStatus::kUserAnswered;
  store_->update_dialog(owned);
  e.handle(operator_message(kThread, 12, "/close"), kT0 + 4 * kMinute);
  question = *find_job(take_jobs(*store_), job::kRatingQuestion);
  e.handle(press(kAnn, button_data(question, 3), 300, 5001), kT0 + 5 * kMinute);
  EXPECT_EQ(store_->latest_rating(dialog_.id)->operator_id, 4711);
}

TEST_F(EngineRatingsTest, ASecondPressReplacesTheFirst) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 2), 300, 5000), kT0 + 2 * kMinute);
  take_jobs(*store_);
  e.handle(press(kAnn, button_data(question, 5), 300, 5001), kT0 + 3 * kMinute);
  auto jobs = take_jobs(*store_);
  EXPECT_THAT(topic_texts(jobs), ::testing::ElementsAre(HasSubstr("5/5 from the user (changed from 2/5)")));
  auto rating = store_->latest_rating(dialog_.id);
  ASSERT_TRUE(rating);
  EXPECT_EQ(rating->score, 5);
  EXPECT_EQ(csat_events().size(), 2u);
  EXPECT_EQ(dialog().status, DialogStatus::kClosed);
}

TEST_F(EngineRatingsTest, APressAfterADayIsRefusedAndNotRecorded) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 5)), kT0 + kMinute + kRatingOpenMillis + 1);
  auto jobs = take_jobs(*store_);
  const auto* answer = find_job(jobs, job::kAnswerButton);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(fields_of(*answer).at("text").as_string(), "This rating is closed");
  EXPECT_EQ(find_job(jobs, job::kRatingQuestionEdit), nullptr);
  EXPECT_TRUE(topic_texts(jobs).empty());
  EXPECT_EQ(store_->latest_rating(dialog_.id)->score, 0);
  EXPECT_TRUE(csat_events().empty());
}

TEST_F(EngineRatingsTest, APressOfACloseThatALaterCloseSupersededIsRefused) {
  auto& e = rating_engine();
  auto first = closed_with_question(e);
  e.handle(user_message(kAnn, 20, "actually, one more question"), kT0 + 2 * kMinute);
  e.handle(operator_message(kThread, 21, "/close"), kT0 + 3 * kMinute);
  take_jobs(*store_);
  e.handle(press(kAnn, button_data(first, 5)), kT0 + 4 * kMinute);
  auto jobs = take_jobs(*store_);
  const auto* answer = find_job(jobs, job::kAnswerButton);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(fields_of(*answer).at("text").as_string(), "This rating is closed");
  EXPECT_TRUE(csat_events().empty());
}

TEST_F(EngineRatingsTest, ForgedOrForeignButtonsAreRefused) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  std::string data = button_data(question, 3);
  std::string forged = data;
  forged.back() = forged.back() == '0' ? '1' : '0';
  e.handle(press(kAnn, forged, 300, 6000), kT0 + 2 * kMinute);
  e.handle(press(kBob, data, 300, 6001), kT0 + 2 * kMinute);  // Bob presses Ann's (copied) data
  auto jobs = take_jobs(*store_);
  EXPECT_THAT(kinds(jobs), ::testing::ElementsAre(job::kAnswerButton, job::kAnswerButton));
  EXPECT_EQ(store_->latest_rating(dialog_.id)->score, 0);
  // Another program's buttons are not the desk's business.
  e.handle(press(kAnn, "buy:7", 300, 6002), kT0 + 2 * kMinute);
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(EngineRatingsTest, TheNextTextIsTheCommentAndDoesNotReopen) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 4)), kT0 + 2 * kMinute);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 30, "Quick and friendly, thanks"), kT0 + 5 * kMinute);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(dialog().status, DialogStatus::kClosed);
  EXPECT_EQ(find_job(jobs, job::kCopyToTopic), nullptr);
  EXPECT_EQ(find_job(jobs, job::kReopenTopic), nullptr);
  EXPECT_THAT(topic_texts(jobs), ::testing::ElementsAre(HasSubstr("Quick and friendly, thanks")));
  EXPECT_EQ(store_->latest_rating(dialog_.id)->comment, "Quick and friendly, thanks");
  auto events = csat_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(boost::json::parse(events[1].payload).at("comment").as_string(), "Quick and friendly, thanks");

  // Any later message is a message again: it reopens the dialog.
  e.handle(user_message(kAnn, 31, "Hello again"), kT0 + 6 * kMinute);
  jobs = take_jobs(*store_);
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  EXPECT_NE(find_job(jobs, job::kCopyToTopic), nullptr);
}

TEST_F(EngineRatingsTest, AMessageAfterTheCommentWindowReopensAsUsual) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 4)), kT0 + 2 * kMinute);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 30, "New problem"), kT0 + 2 * kMinute + kCommentMillis + 1);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  EXPECT_NE(find_job(jobs, job::kCopyToTopic), nullptr);
  EXPECT_EQ(store_->latest_rating(dialog_.id)->comment, "");
}

TEST_F(EngineRatingsTest, APhotoAfterTheScoreIsAMessageNotAComment) {
  auto& e = rating_engine();
  auto question = closed_with_question(e);
  e.handle(press(kAnn, button_data(question, 1)), kT0 + 2 * kMinute);
  take_jobs(*store_);
  auto photo = user_message(kAnn, 30, "see this");
  photo.content = core::ContentKind::kPhoto;
  e.handle(photo, kT0 + 3 * kMinute);
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

TEST_F(EngineRatingsTest, WithoutAPressTheNextMessageReopensAsUsual) {
  auto& e = rating_engine();
  closed_with_question(e);
  e.handle(user_message(kAnn, 30, "4"), kT0 + 2 * kMinute);  // bot connections take no digit
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

class EngineAccountRatingsTest : public EngineRatingsTest {
 protected:
  EngineAccountRatingsTest() { context_ = account_context(*store_); }
  static ConnectionContext account_context(store::Store& store) {
    auto context = make_context(store, "sales");
    context.account_id = 4242;
    context.account = true;
    return context;
  }
  Engine& account_engine() { return engine({{"CSAT", std::string(kQuestion)}, {"MONITOR_PRIVATE", "true"}}); }

  std::vector<TakenJob> close_account_dialog(Engine& e) {
    dialog_ = open_dialog_of(e, kAnn, kThread);
    e.handle(operator_message(kThread, 10, "/close"), kT0 + kMinute);
    return take_jobs(*store_);
  }
};

TEST_F(EngineAccountRatingsTest, AccountsAskForADigitAndTheDigitIsTheRating) {
  auto& e = account_engine();
  auto jobs = close_account_dialog(e);
  EXPECT_EQ(find_job(jobs, job::kRatingQuestion), nullptr);  // no buttons from a personal account
  EXPECT_THAT(texts_to(jobs, Side::kUser), ::testing::Contains(HasSubstr("one digit from 1")));

  e.handle(user_message(kAnn, 30, " 5 "), kT0 + 2 * kMinute);
  jobs = take_jobs(*store_);
  EXPECT_EQ(dialog().status, DialogStatus::kClosed);
  EXPECT_EQ(find_job(jobs, job::kCopyToTopic), nullptr);
  EXPECT_THAT(texts_to(jobs, Side::kUser), ::testing::ElementsAre(HasSubstr("(5/5)")));
  EXPECT_THAT(topic_texts(jobs), ::testing::ElementsAre(HasSubstr("⭐ 5/5 from the user")));
  EXPECT_EQ(store_->latest_rating(dialog_.id)->score, 5);

  e.handle(user_message(kAnn, 31, "great"), kT0 + 3 * kMinute);  // the comment
  EXPECT_EQ(dialog().status, DialogStatus::kClosed);
  EXPECT_EQ(store_->latest_rating(dialog_.id)->comment, "great");
  EXPECT_EQ(csat_events().size(), 2u);
}

TEST_F(EngineAccountRatingsTest, AnythingButADigitReopensAndEndsTheQuestion) {
  auto& e = account_engine();
  close_account_dialog(e);
  e.handle(user_message(kAnn, 30, "I still have a problem"), kT0 + 2 * kMinute);
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  e.handle(operator_message(kThread, 11, "/close"), kT0 + 3 * kMinute);  // asks again: a new close
  take_jobs(*store_);
  EXPECT_EQ(store_->latest_rating(dialog_.id)->score, 0);
  e.handle(user_message(kAnn, 31, "12"), kT0 + 4 * kMinute);  // not one digit
  EXPECT_EQ(dialog().status, DialogStatus::kUserAnswered);
  EXPECT_EQ(store_->latest_rating(dialog_.id)->score, 0);
}

TEST(RatingCallback, DataNamesTheRatingAndScoreAndNeedsTheSecret) {
  std::string data = rating_callback_data("secret", 123456789, 4);
  EXPECT_LE(data.size(), 64u);
  auto press = parse_rating_callback("secret", data);
  ASSERT_TRUE(press);
  EXPECT_EQ(press->rating_id, 123456789);
  EXPECT_EQ(press->score, 4);
  EXPECT_FALSE(parse_rating_callback("other secret", data));
  EXPECT_LE(rating_callback_data("s", std::numeric_limits<std::int64_t>::max(), 5).size(), 64u);
  for (std::string bad : {"td:csat:", "td:csat:1", "td:csat:1:4", "td:csat:x:4:00", "td:csat:1:9:00",
                          "td:csat:-1:4:00", "td:csat:1:0:00", "buy:1"}) {
    EXPECT_FALSE(parse_rating_callback("secret", bad)) << bad;
  }
  // the score is the user's choice: any 1..5 with the close's token
  std::string five = data.substr(0, data.rfind(':') - 1) + "5" + data.substr(data.rfind(':'));
  EXPECT_EQ(parse_rating_callback("secret", five)->score, 5);
}

TEST(RatingCallback, DigitScores) {
  EXPECT_EQ(digit_score("3"), 3);
  EXPECT_EQ(digit_score(" 5\n"), 5);
  EXPECT_FALSE(digit_score("0"));
  EXPECT_FALSE(digit_score("6"));
  EXPECT_FALSE(digit_score("45"));
  EXPECT_FALSE(digit_score("three"));
  EXPECT_FALSE(digit_score(""));
}

}  // namespace
}  // namespace topicdesk::relay
