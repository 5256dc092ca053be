// The AI consultant's decisions in the engine: requests for the worker from users' messages
// (draft: each message; auto: after AI_DELAY, the newest only), what an answer comes to (a
// suggestion with Send and Discard, an automatic answer or a hand-over, a comment for /ai), the
// operator's reply stopping auto in the dialog, /ai on|off, and failures told once in General.
// The worker's part is played here: requests are claimed and answered with kAiAnswered events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "relay/ratings.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT: the relay test helpers
using ::testing::HasSubstr;
namespace json = boost::json;

class EngineAiTest : public EngineFixture {
 protected:
  // The worker: claims what is due at `now` and answers each with `outcome` (and `answer`).
  std::vector<store::AiRequest> worker_answers(Engine& e, core::UnixMillis now, const std::string& outcome,
                                               const std::string& answer = "",
                                               const std::string& failure = "") {
    auto claimed = store_->claim_ai_requests({context_.id}, now, now + 60'000, 10);
    for (auto& r : claimed) {
      r.status = store::AiRequestStatus::kAnswered;
      store_->update_ai_request(r);
      core::Event report;
      report.kind = core::EventKind::kAiAnswered;
      report.update_id = (std::int64_t{1} << 52) | r.id;
      report.dialog_id = r.dialog_id;
      json::object o{{"request", r.id}, {"outcome", outcome}};
      if (!answer.empty()) o["answer"] = answer;
      if (!failure.empty()) {
        o["failure"] = failure;
        o["detail"] = "HTTP 500: boom";
      }
      report.text = json::serialize(o);
      e.handle(report, now);
    }
    return claimed;
  }
  core::Event press(const std::string& data, core::MessageId message = 555) {
    core::Event e;
    e.kind = core::EventKind::kGroupButtonPressed;
    e.update_id = 9000 + message;
    e.chat_id = kGroupId;
    e.thread_id = kThread;
    e.message_id = message;
    e.callback_id = "cb" + std::to_string(message);
    e.from = core::Person{.id = kOperatorId, .first_name = "Olga"};
    e.text = data;
    return e;
  }
  static std::string markup_text(const TakenJob& job) {
    return std::string(json::parse(job.payload.text).at("text").as_string());
  }
};

TEST_F(EngineAiTest, OffMakesNoRequests) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  e.handle(user_message(kAnn, 2, "How long does delivery take?"), kT0 + 1000);
  EXPECT_TRUE(store_->claim_ai_requests({context_.id}, kT0 * 2, kT0 * 2, 10).empty());
}

TEST_F(EngineAiTest, ADraftIsASuggestionWithSendAndDiscard) {
  auto& e = engine({{"AI", "draft"}});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(user_message(kAnn, 2, "How long does delivery take?"), kT0 + 1000);
  auto relayed = take_jobs(*store_);
  ASSERT_NE(find_job(relayed, job::kCopyToTopic), nullptr) << "the message is relayed at once";
  auto answered = worker_answers(e, kT0 + 2000, "answer", "Two to three working days.");
  ASSERT_EQ(answered.size(), 2u) << "the first message and this one";
  auto jobs = take_jobs(*store_);
  const auto* suggestion = find_job(jobs, job::kHookAnswer);
  ASSERT_NE(suggestion, nullptr) << ::testing::PrintToString(kinds(jobs));
  EXPECT_EQ(suggestion->payload.dialog, dialog.id);
  auto fields = json::parse(suggestion->payload.text).as_object();
  EXPECT_THAT(std::string(fields.at("text").as_string()), HasSubstr("Two to three working days."));
  auto buttons = fields.at("reply_markup").at("inline_keyboard").at(0).as_array();
  ASSERT_EQ(buttons.size(), 2u);
  std::string send_data(buttons[0].at("callback_data").as_string());
  std::string discard_data(buttons[1].at("callback_data").as_string());
  EXPECT_THAT(send_data, HasSubstr("td:ai:send:"));
  EXPECT_THAT(discard_data, HasSubstr("td:ai:discard:"));
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty()) << "nothing reaches the user before Send";

  e.handle(press(send_data), kT0 + 3000);
  jobs = take_jobs(*store_);
  auto to_user = texts_to(jobs, Side::kUser);
  ASSERT_EQ(to_user.size(), 1u);
  EXPECT_EQ(to_user[0], "Two to three working days.");
  const auto* edit = find_job(jobs, job::kRatingQuestionEdit);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->payload.message_id, 555);
  EXPECT_THAT(markup_text(*edit), HasSubstr("Olga"));
  ASSERT_NE(find_job(jobs, job::kAnswerButton), nullptr);
  auto after = store_->dialog(dialog.id);
  EXPECT_EQ(after->status, store::DialogStatus::kSupportAnswered);
  EXPECT_EQ(after->last_operator_id, kOperatorId);

  e.handle(press(send_data, 556), kT0 + 4000);
  jobs = take_jobs(*store_);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty()) << "a second press sends nothing";
  ASSERT_NE(find_job(jobs, job::kAnswerButton), nullptr);
}

TEST_F(EngineAiTest, DiscardSendsNothing) {
  auto& e = engine({{"AI", "draft"}});
  open_dialog_of(e, kAnn, kThread);
  worker_answers(e, kT0 + 2000, "answer", "Maybe.");
  auto jobs = take_jobs(*store_);
  const auto* suggestion = find_job(jobs, job::kHookAnswer);
  ASSERT_NE(suggestion, nullptr);
  auto data = std::string(json::parse(suggestion->payload.text)
                              .at("reply_markup")
                              .at("inline_keyboard")
                              .at(0)
                              .at(1)
                              .at("callback_data")
                              .as_string());
  e.handle(press(data), kT0 + 3000);
  jobs = take_jobs(*store_);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());
  ASSERT_NE(find_job(jobs, job::kRatingQuestionEdit), nullptr);
  EXPECT_THAT(markup_text(*find_job(jobs, job::kRatingQuestionEdit)), HasSubstr("Olga"));
}

TEST_F(EngineAiTest, AButtonOfAnotherConnectionOrMalformedDoesNothing) {
  auto& e = engine({{"AI", "draft"}});
  open_dialog_of(e, kAnn, kThread);
  e.handle(press("td:ai:send:99999"), kT0 + 3000);
  e.handle(press("td:ai:send:"), kT0 + 3000);
  e.handle(press("td:ai:explode:1"), kT0 + 3000);
  EXPECT_TRUE(take_jobs(*store_).empty());
}

TEST_F(EngineAiTest, AutoAnswersAfterTheDelayMarkedAsAutomatic) {
  auto& e = engine({{"AI", "auto"}, {"AI_DELAY", "2"}});
  open_dialog_of(e, kAnn, kThread);
  e.handle(user_message(kAnn, 2, "Where is my parcel?"), kT0 + 1000);
  e.handle(user_message(kAnn, 3, "Order 123"), kT0 + 2000);
  take_jobs(*store_);
  EXPECT_TRUE(worker_answers(e, kT0 + 60'000, "answer", "x").empty()) << "not due before AI_DELAY";
  auto answered = worker_answers(e, kT0 + 2000 + 120'000, "answer", "It left the warehouse today.");
  ASSERT_EQ(answered.size(), 1u) << "one answer, to the newest message";
  EXPECT_EQ(answered[0].question, "Order 123");
  auto jobs = take_jobs(*store_);
  auto to_user = texts_to(jobs, Side::kUser);
  ASSERT_EQ(to_user.size(), 1u);
  EXPECT_THAT(to_user[0], HasSubstr("It left the warehouse today."));
  EXPECT_THAT(to_user[0], HasSubstr("Automatic answer"));
  auto in_topic = texts_to(jobs, Side::kGroup);
  ASSERT_EQ(in_topic.size(), 1u);
  EXPECT_THAT(in_topic[0], HasSubstr("It left the warehouse today."));
}

TEST_F(EngineAiTest, AutoHandsOverWhenTheKnowledgeHasNothingOrTheModelEscalates) {
  auto& e = engine({{"AI", "auto"}});
  open_dialog_of(e, kAnn, kThread);
  take_jobs(*store_);
  worker_answers(e, kT0 + 1000, "no_knowledge");
  auto jobs = take_jobs(*store_);
  auto to_user = texts_to(jobs, Side::kUser);
  ASSERT_EQ(to_user.size(), 1u);
  EXPECT_THAT(to_user[0], HasSubstr("operator will answer"));
  EXPECT_THAT(texts_to(jobs, Side::kGroup).at(0), HasSubstr("handed this dialog over"));
  // Handed over: the AI stays quiet in the dialog.
  e.handle(user_message(kAnn, 2, "Hello?"), kT0 + 2000);
  take_jobs(*store_);
  EXPECT_TRUE(worker_answers(e, kT0 + 3000, "answer", "x").empty());

  auto bob = open_dialog_of(e, kBob, kThread + 1);
  (void)bob;
  worker_answers(e, kT0 + 4000, "escalate");
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kUser).at(0), HasSubstr("operator will answer"));
}

TEST_F(EngineAiTest, AnOperatorsReplyStopsAutoInTheDialog) {
  auto& e = engine({{"AI", "auto"}, {"AI_DELAY", "1"}});
  open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "Hi Ann, Olga here."), kT0 + 1000);
  take_jobs(*store_);
  EXPECT_TRUE(worker_answers(e, kT0 + 120'000, "answer", "x").empty()) << "the waiting request was cancelled";
  e.handle(user_message(kAnn, 2, "Thanks, and the price?"), kT0 + 130'000);
  take_jobs(*store_);
  EXPECT_TRUE(worker_answers(e, kT0 + 400'000, "answer", "x").empty())
      << "auto stays quiet after an operator";
  // An answer that was already on its way when the operator wrote is not sent.
  e.handle(operator_message(kThread, 11, "/ai on"), kT0 + 500'000);
  e.handle(user_message(kAnn, 3, "Delivery?"), kT0 + 510'000);
  auto claimed = store_->claim_ai_requests({context_.id}, kT0 + 600'000, kT0 + 700'000, 10);
  ASSERT_EQ(claimed.size(), 1u);
  e.handle(operator_message(kThread, 12, "Two days."), kT0 + 600'500);
  take_jobs(*store_);
  auto r = *store_->ai_request(claimed[0].id);
  EXPECT_EQ(r.status, store::AiRequestStatus::kCancelled);
}

TEST_F(EngineAiTest, AiOffInATopicOverridesTheConnection) {
  auto& e = engine({{"AI", "draft"}});
  open_dialog_of(e, kAnn, kThread);
  take_jobs(*store_);
  store_->claim_ai_requests({context_.id}, kT0 * 2, kT0 * 2, 10);  // the first message's draft
  e.handle(operator_message(kThread, 10, "/ai off"), kT0 + 1000);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup).at(0), HasSubstr("AI is off"));
  e.handle(user_message(kAnn, 2, "Delivery?"), kT0 + 2000);
  EXPECT_TRUE(store_->claim_ai_requests({context_.id}, kT0 * 2, kT0 * 2, 10).empty());
  e.handle(operator_message(kThread, 11, "/ai on"), kT0 + 3000);
  e.handle(user_message(kAnn, 3, "Delivery?"), kT0 + 4000);
  EXPECT_EQ(store_->claim_ai_requests({context_.id}, kT0 * 2, kT0 * 2, 10).size(), 1u);
}

TEST_F(EngineAiTest, AiQuestionIsAnsweredAsAComment) {
  auto& e = engine({{"AI", "draft"}});
  open_dialog_of(e, kAnn, kThread);
  store_->claim_ai_requests({context_.id}, kT0 * 2, kT0 * 2, 10);
  e.handle(operator_message(kThread, 10, "/ai what is our return window?"), kT0 + 1000);
  auto answered = worker_answers(e, kT0 + 2000, "answer", "30 days.");
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].kind, store::AiRequestKind::kAsk);
  EXPECT_EQ(answered[0].question, "what is our return window?");
  auto jobs = take_jobs(*store_);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty()) << "never to the user";
  EXPECT_THAT(texts_to(jobs, Side::kGroup).at(0), HasSubstr("30 days."));
}

TEST_F(EngineAiTest, AiOnAConnectionWithoutAiSaysSo) {
  auto& e = engine();
  open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 10, "/ai hello"), kT0 + 1000);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup).at(0), HasSubstr("parameter AI"));
}

TEST_F(EngineAiTest, FailuresAreToldOnceInGeneralUntilTheAiWorksAgain) {
  auto& e = engine({{"AI", "draft"}});
  open_dialog_of(e, kAnn, kThread);
  worker_answers(e, kT0 + 1000, "failed", "", "server_error");
  auto jobs = take_jobs(*store_);
  auto general = [](const std::vector<TakenJob>& js) {
    std::vector<std::string> out;
    for (const auto& j : js) {
      if (j.job.kind == job::kSendText && j.payload.dialog == 0) out.push_back(j.payload.text);
    }
    return out;
  };
  ASSERT_EQ(general(jobs).size(), 1u);
  EXPECT_THAT(general(jobs)[0], HasSubstr("HTTP 500"));
  EXPECT_EQ(find_job(jobs, job::kHookAnswer), nullptr);
  e.handle(user_message(kAnn, 2, "again"), kT0 + 2000);
  take_jobs(*store_);
  worker_answers(e, kT0 + 3000, "failed", "", "timeout");
  EXPECT_TRUE(general(take_jobs(*store_)).empty()) << "told once";
  e.handle(user_message(kAnn, 3, "and again"), kT0 + 4000);
  take_jobs(*store_);
  worker_answers(e, kT0 + 5000, "answer", "ok");
  auto back = general(take_jobs(*store_));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_THAT(back[0], HasSubstr("works again"));
}

TEST_F(EngineAiTest, AKnowledgeFailureIsToldOnce) {
  auto& e = engine({{"AI", "draft"}});
  core::Event report;
  report.kind = core::EventKind::kAiAnswered;
  report.update_id = 77;
  report.text =
      R"({"request":0,"outcome":"knowledge_failed","detail":"AI_KNOWLEDGE: kb/a.md is not UTF-8 text"})";
  e.handle(report, kT0);
  report.update_id = 78;
  e.handle(report, kT0 + 1);
  auto general = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(general.size(), 1u);
  EXPECT_THAT(general[0], HasSubstr("kb/a.md is not UTF-8"));
}

// The report carries the problem as a catalogue message: General reads it in LANGUAGE, the file
// and the line kept.
TEST_F(EngineAiTest, AKnowledgeFailureIsToldInTheOperatorsLanguage) {
  auto& e = engine({{"AI", "draft"}, {"LANGUAGE", "ru"}});
  core::Event report;
  report.kind = core::EventKind::kAiAnswered;
  report.update_id = 77;
  report.text =
      R"({"request":0,"outcome":"knowledge_failed","detail":"AI_KNOWLEDGE: kb/a.md is not UTF-8 text",)"
      R"("problem":{"key":"ai.problem_not_utf8","args":{"file":"kb/a.md","line":"3","byte":"41"}}})";
  e.handle(report, kT0);
  auto general = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(general.size(), 1u);
  EXPECT_EQ(general[0],
            "⚠️ База знаний ИИ не проиндексирована: "
            "AI_KNOWLEDGE: kb/a.md — не текст UTF-8 "
            "(строка 3, байт 41): сохраните его в UTF-8; "
            "ничего не проиндексировано");
}

}  // namespace
}  // namespace topicdesk::relay
