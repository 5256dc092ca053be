#include "core/commands.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

TEST(Commands, BuiltinsAreRecognized) {
  struct Case {
    const char* text;
    CommandKind kind;
  };
  for (auto [text, kind] :
       {Case{"/info", CommandKind::kInfo}, Case{"/close", CommandKind::kClose},
        Case{"/hold", CommandKind::kHold}, Case{"/wait", CommandKind::kWait}, Case{"/ban", CommandKind::kBan},
        Case{"/unban", CommandKind::kUnban}, Case{"/help", CommandKind::kHelp},
        Case{"/stats", CommandKind::kStats}, Case{"/CLOSE", CommandKind::kClose}}) {
    auto command = parse_command(text, "desk_bot");
    ASSERT_TRUE(command.has_value()) << text;
    EXPECT_EQ(command->kind, kind) << text;
    EXPECT_TRUE(command->args.empty());
  }
}

TEST(Commands, ArgumentsAreTrimmed) {
  auto command = parse_command("/ban   spam and abuse  ", "desk_bot");
  ASSERT_TRUE(command);
  EXPECT_EQ(command->kind, CommandKind::kBan);
  EXPECT_EQ(command->args, "spam and abuse");
}

TEST(Commands, BotSuffixMustBeOurs) {
  EXPECT_EQ(parse_command("/close@Desk_Bot", "desk_bot")->kind, CommandKind::kClose);
  EXPECT_EQ(parse_command("/close@desk_bot now", "@desk_bot")->args, "now");
  EXPECT_FALSE(parse_command("/close@other_bot", "desk_bot").has_value());
  EXPECT_TRUE(parse_command("/close@other_bot", "").has_value());
}

TEST(Commands, UnknownCommandsAreCustom) {
  auto command = parse_command("/refund 42 EUR", "desk_bot");
  ASSERT_TRUE(command);
  EXPECT_EQ(command->kind, CommandKind::kCustom);
  EXPECT_EQ(command->name, "refund");
  EXPECT_EQ(command->args, "42 EUR");
}

TEST(Commands, TextThatIsNotACommand) {
  for (const char* text : {"hello", "/", "/ comment", "/path/to/file", "/50%", "", " /info", "//info"}) {
    EXPECT_FALSE(parse_command(text, "desk_bot").has_value()) << text;
  }
}

TEST(Commands, CommentsStartWithSlashSpace) {
  EXPECT_TRUE(is_comment("/ check the warehouse first"));
  EXPECT_TRUE(is_comment("/\tnote"));
  EXPECT_FALSE(is_comment("/info"));
  EXPECT_FALSE(is_comment("/"));
  EXPECT_FALSE(is_comment("text / with slash"));
}

}  // namespace
}  // namespace topicdesk::core
