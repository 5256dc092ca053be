// Shared data tables in the engine: `/table import NAME` in reply to a CSV document asks the
// dispatcher to read it and replaces the table when it comes back (or says what is wrong, row and
// column, and changes nothing); /table lists and shows; only managers import, export and drop;
// templates, /invoice TABLE ROW and PAYMENT_HOOK read the tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/utf8.h"
#include "payments/invoice.h"
#include "relay_test_util.h"
#include "tables/table.h"

namespace topicdesk::relay {
namespace {

using namespace testing;  // NOLINT: the relay test helpers
using ::testing::HasSubstr;
namespace json = boost::json;

constexpr std::string_view kPlans =
    "id,title,price:decimal,currency,days:integer\r\n"
    "t1,Basic,100,XTR,30\r\n"
    "t2,\"Pro, yearly\",250,XTR,365\r\n";

class EngineTablesTest : public EngineFixture {
 protected:
  core::Event in_general(core::MessageId id, std::string text, core::UserId from = kOperatorId) {
    auto e = operator_message(0, id, std::move(text));
    e.from.id = from;
    e.from.username = from == kOperatorId ? "olga_op" : "max_op";
    return e;
  }
  core::Event reply_to_csv(core::MessageId id, std::string text, core::UserId from = kOperatorId) {
    auto e = in_general(id, std::move(text), from);
    e.replied =
        core::ReplyContent{.message_id = id - 1, .content = core::ContentKind::kDocument, .file_id = "doc-1"};
    return e;
  }
  // What the dispatcher reports after reading the read_ids_file job `job`: the content or an error.
  core::Event file_read(const TakenJob& job, std::optional<std::string> content, std::string error = {},
                        std::int64_t file_size = 0) {
    auto step = json::parse(job.payload.text).as_object();
    json::object out{{"request", step.at("request")}};
    if (content) out["content"] = to_base64(*content);
    if (!error.empty()) out["error"] = error;
    if (file_size > 0) out["file_size"] = file_size;
    core::Event e;
    e.kind = EventKind::kIdsFileRead;
    e.update_id = ids_file_update_id(job.job.id);
    e.chat_id = kGroupId;
    e.text = json::serialize(out);
    return e;
  }
  // `/table import NAME` and the file read back as `csv`; the jobs the answer made.
  std::vector<TakenJob> import(Engine& e, const std::string& name, const std::string& csv,
                               core::MessageId id = 20) {
    e.handle(reply_to_csv(id, "/table import " + name), kT0);
    auto jobs = take_jobs(*store_);
    const auto* read = find_job(jobs, job::kReadIdsFile);
    EXPECT_NE(read, nullptr) << ::testing::PrintToString(texts_to(jobs, Side::kGroup));
    if (read == nullptr) return {};
    e.handle(file_read(*read, csv), kT0 + 1000);
    return take_jobs(*store_);
  }
};

TEST_F(EngineTablesTest, AnImportReadsTheRepliedDocumentAndStoresTheTable) {
  auto& e = engine();
  e.handle(reply_to_csv(20, "/table import plans"), kT0);
  auto jobs = take_jobs(*store_);
  const auto* read = find_job(jobs, job::kReadIdsFile);
  ASSERT_NE(read, nullptr);
  auto step = json::parse(read->payload.text).as_object();
  EXPECT_EQ(step.at("file_id"), "doc-1");
  EXPECT_EQ(step.at("max_bytes"), static_cast<std::int64_t>(tables::kMaxCsvBytes));
  EXPECT_FALSE(store_->data_table(context_.id, "plans")) << "nothing before the file is read";
  e.handle(file_read(*read, std::string(kPlans)), kT0 + 1000);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  EXPECT_THAT(
      texts,
      ElementsAre(HasSubstr("📊 Table plans imported: 2 rows, columns id, title, price, currency, days")));
  auto t = store_->data_table(context_.id, "plans");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->updated_by, kOperatorId);
  EXPECT_EQ(t->updated_by_name, "Olga");
}

TEST_F(EngineTablesTest, ListAndShow) {
  auto& e = engine();
  e.handle(in_general(10, "/table"), kT0);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup), ElementsAre(HasSubstr("No tables yet")));
  import(e, "plans", std::string(kPlans));
  e.handle(in_general(30, "/table"), kT0 + 2000);
  e.handle(in_general(31, "/table PLANS"), kT0 + 2000);
  e.handle(in_general(32, "/table menu"), kT0 + 2000);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_THAT(texts[0], HasSubstr("• plans: 2 rows, columns id, title, price, currency, days"));
  EXPECT_THAT(
      texts[1],
      HasSubstr("📊 plans — 2 rows, page 1 of 1\nid · title · price:decimal · currency · days:integer\n"
                "t1 · Basic · 100 · XTR · 30\nt2 · Pro, yearly · 250 · XTR · 365"));
  EXPECT_THAT(texts[2], HasSubstr("📊 There is no table menu"));
}

TEST_F(EngineTablesTest, ALongTableIsShownInPagesWithinTelegramsLimit) {
  auto& e = engine();
  std::string csv = "id,note\n";
  for (int i = 0; i < 400; ++i) csv += "r" + std::to_string(i) + "," + std::string(30, 'n') + "\n";
  import(e, "long", csv);
  e.handle(in_general(30, "/table long"), kT0 + 2000);
  e.handle(in_general(31, "/table long 3"), kT0 + 2000);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 2u);
  for (const auto& t : texts) EXPECT_LE(core::utf16_length(t), 4096u);
  EXPECT_THAT(texts[0], HasSubstr("page 1 of"));
  EXPECT_THAT(texts[0], HasSubstr("Next: /table long 2"));
  EXPECT_THAT(texts[1], HasSubstr("page 3 of"));
}

TEST_F(EngineTablesTest, ABadFileIsExplainedWithRowAndColumnAndChangesNothing) {
  auto& e = engine();
  import(e, "plans", std::string(kPlans));
  auto texts = texts_to(import(e, "plans", "id,price:decimal\nt1,9.90\nt2,\"9,90\"\n", 40), Side::kGroup);
  EXPECT_THAT(texts,
              ElementsAre(HasSubstr("Table plans was not imported, nothing changed: row 3, column 2 (price): "
                                    "\"9,90\" is not a decimal number")));
  texts = texts_to(import(e, "plans", "id,v\nt1,\"open\n", 50), Side::kGroup);
  EXPECT_THAT(texts, ElementsAre(HasSubstr("row 2, column 2 (v): a quoted value that is never closed")));
  texts = texts_to(import(e, "plans", "id,v\nt1,\xff\n", 60), Side::kGroup);
  EXPECT_THAT(texts, ElementsAre(HasSubstr("text that is not UTF-8")));
  auto t = store_->data_table(context_.id, "plans");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rows.size(), 2u) << "the old table stays whole";
  EXPECT_EQ(t->columns.size(), 5u);
}

TEST_F(EngineTablesTest, AFileTooBigIsRefusedBeforeItIsRead) {
  auto& e = engine();
  e.handle(reply_to_csv(20, "/table import plans"), kT0);
  auto jobs = take_jobs(*store_);
  const auto* read = find_job(jobs, job::kReadIdsFile);
  ASSERT_NE(read, nullptr);
  e.handle(file_read(*read, std::nullopt, "the document is 5000000 bytes, more than 1048576", 5'000'000),
           kT0 + 1000);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup),
              ElementsAre(HasSubstr(
                  "Table plans was not imported, nothing changed: the file is larger than 1048576 bytes")));
  EXPECT_FALSE(store_->data_table(context_.id, "plans"));
}

TEST_F(EngineTablesTest, ImportNeedsADocumentInGeneralAndAGoodName) {
  auto& e = engine();
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(in_general(10, "/table import plans"), kT0);  // not a reply
  e.handle(reply_to_csv(12, "/table import 9lives"), kT0);
  e.handle(reply_to_csv(14, "/table import export"), kT0);
  auto in_topic = operator_message(kThread, 16, "/table import plans");
  in_topic.replied =
      core::ReplyContent{.message_id = 15, .content = core::ContentKind::kDocument, .file_id = "d"};
  e.handle(in_topic, kT0);
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kReadIdsFile), nullptr);
  EXPECT_THAT(texts_to(jobs, Side::kGroup),
              UnorderedElementsAre(HasSubstr("Reply to a CSV file"), HasSubstr("9lives is not a table name"),
                                   HasSubstr("export is one of /table's words"),
                                   HasSubstr("Import a table in General")));
  for (const auto& j : jobs) {
    if (j.job.kind == job::kSendText && j.payload.text.find("in General") != std::string::npos)
      EXPECT_EQ(j.payload.dialog, dialog.id) << "answered in the topic";
  }
}

TEST_F(EngineTablesTest, OnlyManagersImportExportAndDrop) {
  context_.group_owner = 901;
  auto& e = engine({{"EXTENSIONS_ALLOWED", "@olga_op"}});
  import(e, "plans", std::string(kPlans));
  e.handle(reply_to_csv(40, "/table import plans", 902), kT0 + 2000);
  e.handle(in_general(41, "/table drop plans", 902), kT0 + 2000);
  e.handle(in_general(42, "/table export plans", 902), kT0 + 2000);
  e.handle(in_general(43, "/table plans", 902), kT0 + 2000);  // reading is for everyone
  auto jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kReadIdsFile), nullptr);
  EXPECT_EQ(find_job(jobs, job::kSendDocument), nullptr);
  auto texts = texts_to(jobs, Side::kGroup);
  ASSERT_EQ(texts.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_THAT(texts[i], HasSubstr("may manage tables"));
  EXPECT_THAT(texts[3], HasSubstr("t1 · Basic"));
  EXPECT_TRUE(store_->data_table(context_.id, "plans"));
}

TEST_F(EngineTablesTest, ExportSendsTheCsvAndDropDeletes) {
  auto& e = engine();
  import(e, "plans", std::string(kPlans));
  e.handle(in_general(40, "/table export plans"), kT0 + 2000);
  auto jobs = take_jobs(*store_);
  const auto* doc = find_job(jobs, job::kSendDocument);
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->payload.document_name, "plans.csv");
  EXPECT_EQ(doc->payload.document, std::string(kPlans)) << "exported as imported";
  EXPECT_THAT(doc->payload.text, HasSubstr("Table plans: 2 rows"));
  e.handle(in_general(41, "/table drop plans"), kT0 + 2000);
  e.handle(in_general(42, "/table drop plans"), kT0 + 2000);
  EXPECT_THAT(texts_to(take_jobs(*store_), Side::kGroup),
              ElementsAre(HasSubstr("Table plans deleted"), HasSubstr("There is no table plans")));
  EXPECT_FALSE(store_->data_table(context_.id, "plans"));
}

TEST_F(EngineTablesTest, TemplatesReadCellsAndAMissingCellIsNamed) {
  auto& e = engine();
  import(e, "plans", std::string(kPlans));
  auto dialog = open_dialog_of(e, kAnn, kThread);
  store::Template ok{.connection_id = context_.id, .name = "price", .updated_at = kT0};
  ok.parts.push_back(
      store::TemplatePart{.text = "Basic costs {table:plans:t1:price} ⭐ for {table:plans:T1:days} days"});
  store_->save_template(ok);
  store::Template bad{.connection_id = context_.id, .name = "bad", .updated_at = kT0};
  bad.parts.push_back(store::TemplatePart{.text = "Gold costs {table:plans:gold:price}"});
  store_->save_template(bad);
  e.handle(operator_message(kThread, 30, "/t price"), kT0 + 2000);
  e.handle(operator_message(kThread, 31, "/t bad"), kT0 + 2000);
  auto jobs = take_jobs(*store_);
  const auto* part = find_job(jobs, job::kTemplatePart);
  ASSERT_NE(part, nullptr);
  auto calls = json::parse(part->payload.text).as_object();
  EXPECT_EQ(calls.at("user").at("params").at("text"), "Basic costs 100 ⭐ for 30 days");
  EXPECT_EQ(std::count_if(jobs.begin(), jobs.end(),
                          [](const TakenJob& j) { return j.job.kind == job::kTemplatePart; }),
            1)
      << "nothing of the bad template reaches the user";
  EXPECT_THAT(texts_to(jobs, Side::kGroup),
              ElementsAre(HasSubstr("{table:plans:gold:price} [table plans: no row gold]")));
  EXPECT_EQ(dialog.thread_id, kThread);
}

TEST_F(EngineTablesTest, AnInvoiceTakesItsPriceFromTheTable) {
  auto& e = engine();
  import(e, "plans", std::string(kPlans));
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 30, "/invoice plan t2"), kT0 + 2000);  // plan: the table plans
  auto jobs = take_jobs(*store_);
  const auto* send = find_job(jobs, job::kSendInvoice);
  ASSERT_NE(send, nullptr);
  auto call = json::parse(send->payload.text).as_object();
  EXPECT_EQ(call.at("amount"), 250);
  EXPECT_EQ(call.at("currency"), "XTR");
  EXPECT_EQ(call.at("title"), "Pro, yearly");
  import(e, "notes", "id,title\nn1,Hello\n", 60);
  e.handle(operator_message(kThread, 31, "/invoice plans t9"), kT0 + 2000);
  e.handle(operator_message(kThread, 32, "/invoice notes n1"), kT0 + 2000);
  jobs = take_jobs(*store_);
  EXPECT_EQ(find_job(jobs, job::kSendInvoice), nullptr);
  EXPECT_THAT(texts_to(jobs, Side::kGroup),
              ElementsAre(HasSubstr("No invoice from table plans, row t9: the table has no such row"),
                          HasSubstr("No invoice from table notes, row n1: row n1 has no price")));
  EXPECT_EQ(store_->dialog_invoices(dialog.id, 10).size(), 1u);
}

TEST_F(EngineTablesTest, PaymentHookReadsTheTables) {
  auto& e = engine({{"PAYMENT_HOOK", "/activate {table:plans:t1:days} {table:plans:t1:colour}"}});
  import(e, "plans", std::string(kPlans));
  auto dialog = open_dialog_of(e, kAnn, kThread);
  e.handle(operator_message(kThread, 30, "/invoice plans t1"), kT0 + 2000);
  take_jobs(*store_);
  auto invoice = store_->dialog_invoices(dialog.id, 1).at(0);
  core::Event paid;
  paid.kind = EventKind::kPaymentReceived;
  paid.update_id = 7200;
  paid.chat_id = kAnn;
  paid.message_id = 7200;
  paid.from = core::Person{.id = kAnn, .first_name = "Ann"};
  paid.payment = core::PaymentFacts{.currency = "XTR",
                                    .total_amount = 100,
                                    .invoice_payload = payments::invoice_payload(invoice.id),
                                    .telegram_charge_id = "ch_1"};
  e.handle(paid, kT0 + 3000);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  EXPECT_THAT(texts, Contains(HasSubstr("PAYMENT_HOOK read {table:plans:t1:colour}")));
  std::string args;
  for (const auto& ev : store_->events_after(0, 100)) {
    if (ev.type == "command") args = std::string(json::parse(ev.payload).at("args").as_string());
  }
  EXPECT_EQ(args, "30 [table plans: no column colour]");
}

}  // namespace
}  // namespace topicdesk::relay
