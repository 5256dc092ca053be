// Account connections in the engine: /new, /story, MONITOR_PRIVATE, MONITOR_GROUPS and
// MONITOR_CHANNELS with GROUPS_KEYWORDS and IGNORE_CHATS, the account's own posts in the backend
// group and its owner writing there.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/event_json.h"
#include "relay/accounts.h"
#include "relay/engine.h"
#include "relay_test_util.h"

namespace topicdesk::relay {
namespace {
using namespace testing;

constexpr core::ChatId kForum = -1001234567890;  // a real-looking supergroup id (topic links)
constexpr core::UserId kAccount = 4242;          // the signed-in personal account
constexpr core::ChatId kClub = -1009876543210;   // a group the account is a member of

core::Event general(std::string text, core::MessageId id = 1) {
  auto e = operator_message(0, id, std::move(text), kForum);
  return e;
}

core::Event resolved(std::string query, core::Person who) {
  core::Event e;
  e.kind = EventKind::kUserResolved;
  e.update_id = resolve_update_id(1);
  e.chat_id = kForum;
  e.text = std::move(query);
  e.from = std::move(who);
  return e;
}

core::Event group_message(core::UserId sender, core::MessageId id, std::string text,
                          core::ChatId chat = kClub) {
  auto e = user_message(sender, id, std::move(text));
  e.chat_id = chat;
  e.chat_title = "Book club";
  if (sender == kBob) e.from = core::Person{.id = kBob, .first_name = "Bob", .username = "bobby"};
  return e;
}

class EngineAccountsTest : public EngineFixture {
 protected:
  EngineAccountsTest() : EngineFixture(&account_context) {}
  static ConnectionContext account_context(store::Store& store) {
    auto context = make_context(store, "sales", 500, kForum);
    context.account_id = kAccount;
    context.account = true;
    return context;
  }
};

TEST(NewTarget, ParsesUsernamesPhonesAndInstances) {
  auto a = parse_new_target("en", "@alice");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->username, "alice");
  EXPECT_EQ(a->instance, 0);
  EXPECT_EQ(a->query(), "@alice");
  auto b = parse_new_target("en", " i3   Alice_B ");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->instance, 3);
  EXPECT_EQ(b->username, "Alice_B");
  auto c = parse_new_target("en", "i12 +49 (170) 123-45-67");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->instance, 12);
  EXPECT_EQ(c->phone, "+491701234567");
  EXPECT_EQ(c->query(), "+491701234567");
  EXPECT_EQ(parse_new_target("en", "https://t.me/alice")->username, "alice");
}

TEST(NewTarget, RejectsWhatIsNoUserWithAReason) {
  EXPECT_EQ(parse_new_target("en", "").error().message, account_notice::usage("en"));
  EXPECT_EQ(parse_new_target("en", "i3").error().message, account_notice::usage("en"));
  EXPECT_EQ(parse_new_target("en", "alice bob").error().message, account_notice::usage("en"));
  EXPECT_NE(parse_new_target("en", "@a!ice").error().message.find("not a Telegram username"),
            std::string::npos);
  EXPECT_NE(parse_new_target("en", "+12").error().message.find("5 to 15 digits"), std::string::npos);
  EXPECT_NE(parse_new_target("en", "+49abc").error().message.find("digits only"), std::string::npos);
}

TEST(TopicLink, PointsIntoTheSupergroup) {
  EXPECT_EQ(topic_link(-1001234567890, 77), "https://t.me/c/1234567890/77");
  EXPECT_EQ(topic_link(-4567, 77), "");  // a basic group has no such links
  EXPECT_EQ(topic_link(-1001234567890, 0), "");
}

TEST_F(EngineAccountsTest, NewAsksTheAccountToResolve) {
  engine().handle(general("/new @alice"), kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), std::vector<std::string>{std::string(job::kResolveUser)});
  EXPECT_EQ(jobs[0].payload.text, "@alice");
  EXPECT_EQ(jobs[0].payload.to, Side::kUser);  // through the account's session
  EXPECT_EQ(jobs[0].payload.dialog, 0);
}

TEST_F(EngineAccountsTest, NewWithABadTargetExplainsUsage) {
  engine().handle(general("/new"), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::usage("en")});
}

TEST_F(EngineAccountsTest, NewOnABotConnectionSaysBotsCannotWriteFirst) {
  context_.account = false;
  context_.account_id = 0;
  engine().handle(general("/new @alice"), kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0], account_notice::not_an_account("en", context_.id, "sales"));
}

TEST_F(EngineAccountsTest, InSharedGroupTheInstanceChoosesTheConnection) {
  auto other = make_context(*store_, "shop", 501, kForum);  // a bot connection in the same group
  Engine shop(*store_, other);
  Engine& sales = engine();
  // Without i<ID>: only the connection answering in General (the first) asks which one.
  sales.handle(general("/new @alice"), kT0);
  shop.handle(general("/new @alice"), kT0);
  auto texts = texts_to(take_jobs(*store_), Side::kGroup);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("i" + std::to_string(context_.id) + " sales"), std::string::npos);
  EXPECT_NE(texts[0].find("i" + std::to_string(other.id) + " shop"), std::string::npos);
  // With it: only the named one acts.
  std::string command = "/new i" + std::to_string(context_.id) + " @alice";
  sales.handle(general(command), kT0);
  shop.handle(general(command), kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), std::vector<std::string>{std::string(job::kResolveUser)});
  EXPECT_EQ(jobs[0].job.connection_id, context_.id);
  // An instance nobody has: one answer.
  sales.handle(general("/new i99 @alice"), kT0);
  shop.handle(general("/new i99 @alice"), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::no_such_connection("en", 99)});
}

TEST_F(EngineAccountsTest, ResolvedUserGetsADialogTopicAndALinkInGeneral) {
  engine({{"WELCOME", "Hi {title}!"}})
      .handle(resolved("@alice", core::Person{.id = kAnn, .first_name = "Alice", .username = "alice"}), kT0);
  auto dialog = store_->dialog_by_user(context_.id, kAnn);
  ASSERT_TRUE(dialog);
  EXPECT_EQ(dialog->status, DialogStatus::kUserAnswered);
  EXPECT_EQ(store_->user(context_.id, kAnn)->username, "alice");
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"create_topic", std::string(job::kAnnounceTopic)}));
  EXPECT_EQ(jobs[0].job.queue_key, jobs[1].job.queue_key);  // the link waits for the topic
  EXPECT_EQ(jobs[1].payload.text, account_notice::topic_opened("en", "Alice (@alice)"));
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());  // no WELCOME: the user did not write
}

TEST_F(EngineAccountsTest, ResolvedUserWithADialogGetsTheExistingTopic) {
  Engine& e = engine();
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  take_jobs(*store_);
  e.handle(resolved("@ann_lee", core::Person{.id = kAnn, .first_name = "Ann"}), kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), std::vector<std::string>{std::string(job::kAnnounceTopic)});
  EXPECT_NE(jobs[0].payload.text.find("already has a topic"), std::string::npos);
}

TEST_F(EngineAccountsTest, NobodyFoundIsSaidInGeneral) {
  engine().handle(resolved("+4917000000", core::Person{}), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::not_found("en", "+4917000000", "sales")});
  EXPECT_FALSE(store_->dialog_by_user(context_.id, 0));
}

TEST_F(EngineAccountsTest, TheAccountsOwnPostsInTheGroupAreNotOperatorMessages) {
  Engine& e = engine();
  auto dialog = open_dialog_of(e, kAnn, kThread);
  auto copy = operator_message(kThread, 9000, "hello", kForum);
  copy.from = core::Person{.id = kAccount, .first_name = "Sales"};
  e.handle(copy, kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(operator_message(kThread, 9001, "How can I help?", kForum), kT0);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"copy_to_user", "set_topic_title"}));
}

TEST_F(EngineAccountsTest, TheOwnersMessageInATopicGoesToTheUserMarkedAsTheOwners) {
  Engine& e = engine();
  auto dialog = open_dialog_of(e, kAnn, kThread);
  auto owners = operator_message(kThread, 9000, "It's me, Sam", kForum);
  owners.from = core::Person{.id = kAccount, .first_name = "Sam"};
  owners.by_account_owner = true;  // reported by the account's own session
  e.handle(owners, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_NE(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_EQ(find_job(jobs, job::kCopyToUser)->payload.message_id, 9000);
  EXPECT_EQ(texts_to(jobs, Side::kGroup),
            std::vector<std::string>{core::notice::account_owner_answered("en")});
  EXPECT_EQ(store_->dialog(dialog.id)->status, DialogStatus::kSupportAnswered);
}

core::Event story_posted(core::MessageId story, std::string text) {
  core::Event e;
  e.kind = EventKind::kStoryPosted;
  e.update_id = story_update_id(1);
  e.chat_id = kForum;
  e.message_id = story;
  e.text = std::move(text);
  return e;
}

TEST_F(EngineAccountsTest, StoryIsPostedForTheUsersWhoHadADialog) {
  Engine& e = engine({{"MONITOR_GROUPS", "true"}});
  e.handle(general("/story"), kT0);  // no reply: the usage
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::story_usage("en")});
  auto reply = general("/story Our new shop", 5);
  reply.reply_to_message_id = 4;
  e.handle(reply, kT0);  // nobody to show it to yet
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::story_no_viewers("en", "sales")});
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  e.handle(user_message(kBob, 2, "hi"), kT0);
  e.handle(group_message(kAnn, 10, "a group is no viewer"), kT0);
  take_jobs(*store_);
  e.handle(reply, kT0);
  auto jobs = take_jobs(*store_);
  const auto* story = find_job(jobs, job::kPostStory);
  ASSERT_NE(story, nullptr);
  EXPECT_EQ(story->payload.message_id, 4);
  EXPECT_EQ(story->payload.text, "Our new shop");
  auto viewers = story->payload.user_ids;
  std::sort(viewers.begin(), viewers.end());
  EXPECT_EQ(viewers, (std::vector<core::UserId>{std::min(kAnn, kBob), std::max(kAnn, kBob)}));
  e.handle(story_posted(77, "2"), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::story_posted("en", "sales", 2)});
  e.handle(story_posted(0, "Bad Request: the message has no photo or video to post as a story"), kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::story_failed(
                "en", "sales", "Bad Request: the message has no photo or video to post as a story")});
}

TEST_F(EngineAccountsTest, StoryOnABotConnectionSaysWhyNot) {
  context_.account = false;
  context_.account_id = 0;
  auto reply = general("/story", 5);
  reply.reply_to_message_id = 4;
  engine().handle(reply, kT0);
  EXPECT_EQ(texts_to(take_jobs(*store_), Side::kGroup),
            std::vector<std::string>{account_notice::story_not_an_account("en", context_.id, "sales")});
}

TEST(InstanceRequest, ParsesInstanceAndCaption) {
  EXPECT_EQ(parse_instance_request("").rest, "");
  auto a = parse_instance_request("  Our new shop  ");
  EXPECT_EQ(a.instance, 0);
  EXPECT_EQ(a.rest, "Our new shop");
  auto b = parse_instance_request("i3 Our new shop");
  EXPECT_EQ(b.instance, 3);
  EXPECT_EQ(b.rest, "Our new shop");
  EXPECT_EQ(parse_instance_request("i3").rest, "");
  EXPECT_EQ(parse_instance_request("ideas welcome").rest, "ideas welcome");
}

TEST_F(EngineAccountsTest, ChannelPostsNeedMonitorChannelsAndCarryNoSenderLine) {
  auto post = group_message(kAnn, 10, "Big sale");
  post.channel_post = true;
  post.from = core::Person{.id = kClub, .first_name = "Book club"};
  engine({{"MONITOR_GROUPS", "true"}}).handle(post, kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  Engine& e = engine({{"MONITOR_CHANNELS", "true"}, {"GROUPS_KEYWORDS", "sale"}});
  auto unmatched = post;
  unmatched.message_id = 9;
  unmatched.text = "Nice weather";
  e.handle(unmatched, kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(post, kT0);
  EXPECT_EQ(kinds(take_jobs(*store_)), (std::vector<std::string>{"create_topic", "copy_to_topic"}));
  EXPECT_EQ(store_->user(context_.id, kClub)->first_name, "Book club");
}

TEST_F(EngineAccountsTest, LeaveClosedChannelKeepsAChannelsTopicClosedButNotAGroups) {
  Engine& e =
      engine({{"MONITOR_CHANNELS", "true"}, {"MONITOR_GROUPS", "true"}, {"LEAVE_CLOSED", R"(["channel"])"}});
  auto post = group_message(kAnn, 10, "Big sale");
  post.channel_post = true;
  post.from = core::Person{.id = kClub, .first_name = "Book club"};
  e.handle(post, kT0);
  take_jobs(*store_);
  EXPECT_EQ(store_->dialog_by_user(context_.id, post.chat_id)->status, DialogStatus::kClosed);

  auto talk = group_message(kAnn, 11, "hello club");
  talk.chat_id = post.chat_id - 1;  // another chat: a group
  e.handle(talk, kT0);
  EXPECT_EQ(store_->dialog_by_user(context_.id, talk.chat_id)->status, DialogStatus::kUserAnswered);
}

TEST_F(EngineAccountsTest, MonitorPrivateOffRelaysOnlyDialogsOpenedWithNew) {
  Engine& e = engine({{"MONITOR_PRIVATE", "false"}});
  e.handle(user_message(kAnn, 1, "hello"), kT0);
  EXPECT_FALSE(store_->dialog_by_user(context_.id, kAnn));
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(resolved("@ann_lee", core::Person{.id = kAnn, .first_name = "Ann"}), kT0);
  take_jobs(*store_);
  e.handle(user_message(kAnn, 2, "thanks for writing"), kT0);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

TEST_F(EngineAccountsTest, MonitoredGroupIsOneDialogNamedAfterTheGroup) {
  Engine& e = engine({{"MONITOR_GROUPS", "true"}, {"WELCOME", "Hi"}});
  e.handle(group_message(kAnn, 10, "anyone here?"), kT0);
  auto dialog = store_->dialog_by_user(context_.id, kClub);
  ASSERT_TRUE(dialog);
  EXPECT_EQ(store_->user(context_.id, kClub)->first_name, "Book club");
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), (std::vector<std::string>{"create_topic", "send_text", "copy_to_topic"}));
  EXPECT_EQ(jobs[1].payload.text, "👤 Ann Lee (@ann_lee):");
  EXPECT_EQ(jobs[2].payload.message_id, 10);
  EXPECT_TRUE(texts_to(jobs, Side::kUser).empty());  // no WELCOME into a group

  e.handle(group_message(kAnn, 11, "hello?"), kT0);  // same sender: no new name line
  EXPECT_EQ(kinds(take_jobs(*store_)), std::vector<std::string>{"copy_to_topic"});
  e.handle(group_message(kBob, 12, "hi Ann"), kT0);
  auto bob = take_jobs(*store_);
  ASSERT_EQ(kinds(bob), (std::vector<std::string>{"send_text", "copy_to_topic"}));
  EXPECT_EQ(bob[0].payload.text, "👤 Bob (@bobby):");
  EXPECT_EQ(store_->dialog_by_user(context_.id, kClub)->id, dialog->id);
}

TEST_F(EngineAccountsTest, OperatorsAnswerIntoTheGroupAndClosingTellsTheGroupNothing) {
  Engine& e = engine({{"MONITOR_GROUPS", "true"}});
  e.handle(group_message(kAnn, 10, "anyone here?"), kT0);
  auto dialog = *store_->dialog_by_user(context_.id, kClub);
  dialog.thread_id = kThread;
  store_->update_dialog(dialog);
  take_jobs(*store_);
  e.handle(operator_message(kThread, 9001, "We are!", kForum), kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_NE(find_job(jobs, job::kCopyToUser), nullptr);
  EXPECT_EQ(find_job(jobs, job::kCopyToUser)->payload.dialog, dialog.id);  // dialog.user_id is the group
  e.handle(operator_message(kThread, 9002, "/close", kForum), kT0);
  EXPECT_TRUE(texts_to(take_jobs(*store_), Side::kUser).empty());
  EXPECT_EQ(store_->dialog(dialog.id)->status, DialogStatus::kClosed);
}

TEST_F(EngineAccountsTest, GroupsKeywordsAndIgnoreChatsFilterGroupMessages) {
  Engine& e = engine({{"MONITOR_GROUPS", "true"},
                      {"GROUPS_KEYWORDS", "support, [\"refund\", \"~joke\"]"},
                      {"IGNORE_CHATS", std::to_string(kBob) + ", -1005555"}});
  e.handle(group_message(kAnn, 10, "what a nice day"), kT0);
  e.handle(group_message(kAnn, 11, "refund joke"), kT0);
  e.handle(group_message(kBob, 12, "support please"), kT0);            // ignored sender
  e.handle(group_message(kAnn, 13, "support please", -1005555), kT0);  // ignored group
  EXPECT_TRUE(take_jobs(*store_).empty());
  e.handle(group_message(kAnn, 14, "I need a REFUND"), kT0);
  EXPECT_NE(find_job(take_jobs(*store_), job::kCopyToTopic), nullptr);
}

TEST_F(EngineAccountsTest, GroupsAreIgnoredWithoutMonitorGroupsAndTheBackendGroupNeverIsAFrontend) {
  Engine& e = engine();
  e.handle(group_message(kAnn, 10, "anyone here?"), kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  Engine& monitoring = engine({{"MONITOR_GROUPS", "true"}});
  auto in_backend = group_message(kAnn, 11, "hi", kForum);
  in_backend.kind = EventKind::kUserMessage;
  monitoring.handle(in_backend, kT0);
  EXPECT_TRUE(take_jobs(*store_).empty());
  EXPECT_FALSE(store_->dialog_by_user(context_.id, kForum));
}

TEST_F(EngineAccountsTest, GroupEditsFollowTheirCopies) {
  Engine& e = engine({{"MONITOR_GROUPS", "true"}});
  e.handle(group_message(kAnn, 10, "anyone here?"), kT0);
  take_jobs(*store_);
  auto edit = group_message(kAnn, 10, "anyone here at all?");
  edit.kind = EventKind::kUserEdit;
  e.handle(edit, kT0);
  auto jobs = take_jobs(*store_);
  ASSERT_EQ(kinds(jobs), std::vector<std::string>{"edit_text"});
  EXPECT_EQ(jobs[0].payload.text, "anyone here at all?");
}

TEST(EventJson, ResolvedEventsAndGroupTitlesRoundTrip) {
  auto e = resolved("@alice", core::Person{.id = kAnn, .first_name = "Alice"});
  e.chat_title = "Book club";
  auto back = core::event_from_json(core::event_to_json(e));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, EventKind::kUserResolved);
  EXPECT_EQ(back->chat_title, "Book club");
  EXPECT_EQ(back->from.id, kAnn);
  EXPECT_EQ(back->update_id, resolve_update_id(1));
}

}  // namespace
}  // namespace topicdesk::relay
