// Labels and funnels through the engine: /mark in General and in a topic, the funnel, history,
// events, /info, titles with tickers, the API's changes and who may manage labels.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/presentation.h"
#include "relay/engine.h"
#include "relay/ownership.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;
namespace json = boost::json;

class EngineLabelsTest : public EngineFixture {
 protected:
  void general(Engine& e, std::string text) { e.handle(operator_message(0, next_++, std::move(text)), kT0); }
  void in_topic(Engine& e, std::string text, core::ThreadId thread = kThread) {
    e.handle(operator_message(thread, next_++, std::move(text)), kT0);
  }
  // The answers posted since the last call (General and topics alike).
  std::vector<std::string> answers() {
    std::vector<std::string> out;
    for (const auto& j : take_jobs(*store_))
      if (j.job.kind == job::kSendText && j.payload.to == Side::kGroup) out.push_back(j.payload.text);
    return out;
  }
  std::string answer() {
    auto all = answers();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? std::string() : all.back();
  }
  std::vector<std::string> label_names(core::DialogId dialog) {
    std::vector<std::string> out;
    for (const auto& l : store_->dialog_labels(dialog)) out.push_back(l.name);
    return out;
  }
  std::vector<std::pair<std::string, json::object>> label_events() {
    std::vector<std::pair<std::string, json::object>> out;
    for (const auto& ev : store_->events_after(0, 1000)) {
      if (ev.type == "label_added" || ev.type == "label_removed")
        out.emplace_back(ev.type, json::parse(ev.payload).as_object());
    }
    return out;
  }
  core::MessageId next_ = 100;
};

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_F(EngineLabelsTest, GeneralFormsMakeAndDescribeLabels) {
  auto& e = engine();
  general(e, "/mark");
  EXPECT_TRUE(has(answer(), "No labels yet"));
  general(e, "/mark new Lead");
  EXPECT_TRUE(has(answer(), "Label Lead made"));
  general(e, "/mark new lead");
  EXPECT_TRUE(has(answer(), "exists already")) << "names are case-insensitive";
  general(e, "/mark new Paid");
  answers();
  general(e, "/mark paid after lead");
  EXPECT_TRUE(has(answer(), "removes Lead"));
  general(e, "/mark Paid sends thanks");
  EXPECT_TRUE(has(answer(), "sends thanks"));
  general(e, "/mark Paid ticker 💰");
  EXPECT_TRUE(has(answer(), "ticker 💰"));
  general(e, "/mark");
  auto list = answer();
  EXPECT_TRUE(has(list, "• Lead")) << list;
  EXPECT_TRUE(has(list, "• Paid — ticker 💰 — removes Lead — sends thanks")) << list;
  general(e, "/mark Paid");
  auto shown = answer();
  EXPECT_TRUE(has(shown, "removes when set: Lead")) << shown;
  EXPECT_TRUE(has(shown, "No topic carries it")) << shown;
  general(e, "/mark help");
  EXPECT_TRUE(has(answer(), "/mark NAME after M1,M2"));
  general(e, "/mark Paid name Customer");
  EXPECT_TRUE(has(answer(), "Label Paid is now called Customer"));
  general(e, "/mark Customer after CLEAR");
  answers();
  general(e, "/mark Customer sends clear");
  answers();
  general(e, "/mark Customer ticker CLEAR");
  answers();
  auto customer = *store_->label_by_key(context_.id, "customer");
  EXPECT_TRUE(customer.after.empty());
  EXPECT_TRUE(customer.sends.empty());
  EXPECT_TRUE(customer.ticker.empty());
}

TEST_F(EngineLabelsTest, BadInputIsAnsweredAndNothingIsHalfDone) {
  auto& e = engine();
  general(e, "/mark new Lead");
  general(e, "/mark new Paid");
  answers();
  general(e, "/mark new 1st");
  EXPECT_TRUE(has(answer(), "starts with a Latin letter"));
  general(e, "/mark Paid after Lead,Trail");
  EXPECT_TRUE(has(answer(), "There is no label “Trail”"));
  EXPECT_TRUE(store_->label_by_key(context_.id, "paid")->after.empty()) << "nothing written";
  general(e, "/mark Lede");
  EXPECT_TRUE(has(answer(), "Did you mean Lead?"));
  general(e, "/mark Paid name lead");
  EXPECT_TRUE(has(answer(), "exists already"));
  EXPECT_EQ(store_->label_by_key(context_.id, "paid")->name, "Paid");
  general(e, "/mark Paid colour red");
  EXPECT_TRUE(has(answer(), "not something a label has"));
}

TEST_F(EngineLabelsTest, ManagingNeedsExtensionsAllowedButSettingIsForEveryone) {
  auto& e = engine({{"EXTENSIONS_ALLOWED", "12345"}});
  general(e, "/mark new Lead");
  EXPECT_TRUE(
      has(answer(), "Only the group's owner and the people EXTENSIONS_ALLOWED lists may manage labels"));
  EXPECT_TRUE(store_->labels(context_.id).empty());
  general(e, "/mark");
  EXPECT_TRUE(has(answer(), "No labels yet")) << "listing is for everyone";
  store_->add_label(store::Label{.connection_id = context_.id, .name = "Lead", .key = "lead"});
  auto dialog = open_dialog_of(e, kAnn, kThread);
  in_topic(e, "/mark Lead");
  EXPECT_TRUE(has(answer(), "+ Lead"));
  EXPECT_EQ(label_names(dialog.id), std::vector<std::string>{"Lead"});
}

TEST_F(EngineLabelsTest, TopicFormsTheFunnelHistoryEventsAndInfo) {
  auto& e = engine();
  for (auto text : {"/mark new Lead", "/mark new Trial", "/mark new Paid", "/mark Paid after Lead,Trial"})
    general(e, text);
  auto dialog = open_dialog_of(e, kAnn, kThread);
  answers();
  in_topic(e, "/mark");
  EXPECT_TRUE(has(answer(), "No labels"));
  in_topic(e, "/mark lead");
  EXPECT_EQ(answer(), "🏷 + Lead");
  in_topic(e, "/mark Lead");
  EXPECT_TRUE(has(answer(), "carries Lead already"));
  in_topic(e, "/mark Trial");
  answers();
  in_topic(e, "/mark Paid");
  EXPECT_EQ(answer(), "🏷 + Paid (removed Lead, Trial)");
  EXPECT_EQ(label_names(dialog.id), std::vector<std::string>{"Paid"});
  in_topic(e, "/mark del Lead");
  EXPECT_TRUE(has(answer(), "does not carry Lead"));
  in_topic(e, "/mark Pade");
  EXPECT_TRUE(has(answer(), "Did you mean Paid?"));
  in_topic(e, "/mark del paid");
  EXPECT_EQ(answer(), "🏷 − Paid");
  EXPECT_TRUE(label_names(dialog.id).empty());

  auto events = label_events();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].first, "label_added");
  EXPECT_EQ(events[0].second.at("label").as_string(), "Lead");
  EXPECT_EQ(events[0].second.at("by").as_string(), "operator");
  EXPECT_EQ(events[0].second.at("operator_id").as_int64(), kOperatorId);
  EXPECT_EQ(events[2].first, "label_removed");
  EXPECT_EQ(events[2].second.at("by").as_string(), "funnel");
  EXPECT_EQ(events[2].second.at("set_label").as_string(), "Paid");
  EXPECT_EQ(events[4].second.at("label").as_string(), "Paid");
  EXPECT_EQ(events[5].first, "label_removed");

  auto history = store_->label_history(dialog.id, 100);
  ASSERT_EQ(history.size(), 6u);
  EXPECT_EQ(history[2].by, store::LabelChangeBy::kFunnel);
  EXPECT_EQ(history[0].operator_id, kOperatorId);
  in_topic(e, "/mark Trial");
  answers();
  in_topic(e, "/info");
  auto info = answers().front();
  EXPECT_TRUE(has(info, "labels: Trial")) << info;
  EXPECT_TRUE(has(info, "label history:")) << info;
  EXPECT_TRUE(has(info, "− Lead (funnel)")) << info;
}

TEST_F(EngineLabelsTest, TickersAreInTheTitleAndATickerChangeRetitlesEveryCarrierOnce) {
  auto& e = engine();
  general(e, "/mark new VIP");
  auto ann = open_dialog_of(e, kAnn, kThread);
  auto bob = open_dialog_of(e, kBob, kThread + 1);
  answers();
  in_topic(e, "/mark VIP");
  in_topic(e, "/mark VIP", kThread + 1);
  auto jobs = take_jobs(*store_);
  EXPECT_FALSE(find_job(jobs, job::kSetTopicTitle)) << "a label without a ticker leaves titles alone";

  general(e, "/mark VIP ticker 🔥");
  general(e, "/mark VIP ticker ⭐");  // a second change while the first titles wait: coalesced
  jobs = take_jobs(*store_);
  std::vector<core::DialogId> retitled;
  for (const auto& j : jobs) {
    if (j.job.kind != job::kSetTopicTitle) continue;
    retitled.push_back(j.payload.dialog);
    EXPECT_EQ(j.job.queue_key, title_queue_key(j.payload.dialog)) << "its own queue";
    EXPECT_EQ(j.job.priority, kPriorityBulk);
  }
  EXPECT_EQ(retitled, (std::vector<core::DialogId>{ann.id, bob.id}));
  auto person = store_->user(context_.id, kAnn).value_or(core::Person{.id = kAnn});
  auto title = dialog_topic_title(*store_, *store_->dialog(ann.id), {person, "", {}, {}},
                                  core::TopicStatus::kUserAnswered);
  EXPECT_TRUE(title.starts_with("🟪 ⭐ · ")) << title;
  EXPECT_EQ(core::parse_topic_title(title)->user, kAnn);
}

TEST_F(EngineLabelsTest, TheApiSetsAndRemovesLabelsLikeATopic) {
  auto& e = engine();
  for (auto text : {"/mark new Lead", "/mark new Paid", "/mark Paid after Lead"}) general(e, text);
  auto dialog = open_dialog_of(e, kAnn, kThread);
  answers();
  EXPECT_EQ(e.api_change_label(dialog.id, "lead", true, kT0).outcome, Engine::ApiLabelResult::kDone);
  auto paid = e.api_change_label(dialog.id, "Paid", true, kT0);
  EXPECT_TRUE(paid.changed);
  EXPECT_EQ(paid.removed, std::vector<std::string>{"Lead"});
  EXPECT_TRUE(has(answers().back(), "🔌 🏷 + Paid (removed Lead)"));
  auto unknown = e.api_change_label(dialog.id, "Piad", true, kT0);
  EXPECT_EQ(unknown.outcome, Engine::ApiLabelResult::kUnknownLabel);
  EXPECT_TRUE(has(unknown.message, "Did you mean Paid?")) << unknown.message;
  EXPECT_EQ(e.api_change_label(dialog.id + 99, "Paid", true, kT0).outcome, Engine::ApiLabelResult::kNoDialog);
  EXPECT_FALSE(e.api_change_label(dialog.id, "Lead", false, kT0).changed) << "not carried";
  auto history = store_->label_history(dialog.id, 10);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].by, store::LabelChangeBy::kApi);
  EXPECT_EQ(history[1].by, store::LabelChangeBy::kFunnel);
  EXPECT_EQ(label_events()[0].second.at("by").as_string(), "api");
}

}  // namespace
}  // namespace topicdesk::relay
