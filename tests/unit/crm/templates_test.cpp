// Template rules without the store: names, replied-to messages becoming parts (albums, URL
// buttons), the Topics API's JSON parts, the Bot API calls that send a part.
#include "crm/templates.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace topicdesk::crm {
namespace {
namespace json = boost::json;
using store::TemplatePartKind;

TEST(Templates, NamesStartWithALatinLetterAndHoldLettersDigitsDashesAndUnderscores) {
  EXPECT_TRUE(check_template_name("hello").ok());
  EXPECT_TRUE(check_template_name("Refund_v2-final").ok());
  EXPECT_TRUE(check_template_name(std::string(32, 'a')).ok());
  EXPECT_FALSE(check_template_name("").ok());
  EXPECT_FALSE(check_template_name(std::string(33, 'a')).ok());
  EXPECT_NE(check_template_name("2fast").error().message.find("starts with a Latin letter"),
            std::string::npos);
  EXPECT_NE(check_template_name("héllo").error().message.find("only Latin letters"), std::string::npos);
  EXPECT_FALSE(check_template_name("a b").ok());
}

TEST(Templates, OnlyUrlButtonsAreKept) {
  std::string markup = json::serialize(json::parse(R"({"inline_keyboard":[
      [{"text":"Site","url":"https://example.com"},{"text":"Press","callback_data":"x"}],
      [{"text":"Only callback","callback_data":"y"}]]})"));
  EXPECT_EQ(url_buttons_only(markup),
            R"({"inline_keyboard":[[{"text":"Site","url":"https://example.com"}]]})");
  EXPECT_EQ(url_buttons_only(R"({"inline_keyboard":[[{"text":"b","callback_data":"x"}]]})"), "");
  EXPECT_EQ(url_buttons_only("not json"), "");
}

TEST(Templates, AFormattedTextWithButtonsBecomesATextPart) {
  core::ReplyContent m{.message_id = 5,
                       .content = core::ContentKind::kText,
                       .text = "Hello",
                       .entities_json = R"([{"type":"bold","offset":0,"length":5}])",
                       .reply_markup_json = R"({"inline_keyboard":[[{"text":"Go","url":"https://e.x"}]]})"};
  auto part = part_from_message(m, {});
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->kind, TemplatePartKind::kText);
  EXPECT_EQ(part->text, "Hello");
  EXPECT_EQ(part->entities_json, m.entities_json);
  EXPECT_EQ(part->reply_markup_json, R"({"inline_keyboard":[[{"text":"Go","url":"https://e.x"}]]})");
}

TEST(Templates, AMediaPartKeepsItsFileAndCaptionAndStickersKeepNoText) {
  auto photo = part_from_message(
      {.message_id = 5, .content = core::ContentKind::kPhoto, .text = "cap", .file_id = "F"}, {});
  ASSERT_TRUE(photo.ok());
  EXPECT_EQ(photo->kind, TemplatePartKind::kPhoto);
  EXPECT_EQ(photo->file_id, "F");
  EXPECT_EQ(photo->text, "cap");
  auto sticker =
      part_from_message({.message_id = 5, .content = core::ContentKind::kSticker, .file_id = "S"}, {});
  ASSERT_TRUE(sticker.ok());
  EXPECT_EQ(sticker->text, "");
  EXPECT_FALSE(part_from_message({.message_id = 5, .content = core::ContentKind::kPhoto}, {}).ok());
  auto poll = part_from_message({.message_id = 5, .content = core::ContentKind::kPoll}, {});
  ASSERT_FALSE(poll.ok());
  EXPECT_NE(poll.error().message.find("only texts, photos"), std::string::npos);
}

TEST(Templates, AReplyToOneAlbumItemTakesTheWholeAlbumTheDeskSaw) {
  auto item = [](core::MessageId id, std::string caption) {
    return store::AlbumItem{
        .media_group_id = "g",
        .message_id = id,
        .media = {TemplatePartKind::kPhoto, "f" + std::to_string(id), std::move(caption), ""}};
  };
  core::ReplyContent reply{
      .message_id = 11, .content = core::ContentKind::kPhoto, .file_id = "f11", .media_group_id = "g"};
  auto part = part_from_message(reply, {item(10, "first"), item(11, "")});
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->kind, TemplatePartKind::kAlbum);
  ASSERT_EQ(part->album.size(), 2u);
  EXPECT_EQ(part->album[0].caption, "first");
  auto unseen = part_from_message(reply, {item(10, "")});
  ASSERT_FALSE(unseen.ok());
  EXPECT_NE(unseen.error().message.find("did not see this album whole"), std::string::npos);
}

TEST(Templates, PartsReadFromJsonAreCheckedNamingThePartAndField) {
  auto ok = parts_from_json(json::parse(R"([
      {"kind":"text","text":"Hi {first_name|there}","entities":[{"type":"bold","offset":0,"length":2}],
       "reply_markup":{"inline_keyboard":[[{"text":"Site","url":"https://e.x"}]]}},
      {"kind":"photo","file_id":"F","caption":"c"},
      {"kind":"album","items":[{"kind":"photo","file_id":"a"},{"kind":"video","file_id":"b","caption":"x"}]}])"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[2].album[1].caption, "x");
  // and back to the same JSON shape
  auto back = parts_to_json(*ok);
  EXPECT_EQ(back.as_array()[0].at("text").as_string(), "Hi {first_name|there}");
  EXPECT_EQ(back.as_array()[1].at("file_id").as_string(), "F");
  EXPECT_EQ(back.as_array()[2].at("items").as_array().size(), 2u);

  auto error = [](std::string_view text) {
    auto r = parts_from_json(json::parse(text));
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_EQ(error(R"([])"), "a template has at least one part");
  EXPECT_EQ(error(R"([{"kind":"text","text":"1"},{"kind":"text","text":"2"},{"kind":"text","text":"3"},
                     {"kind":"text","text":"4"},{"kind":"text","text":"5"},{"kind":"text","text":"6"}])"),
            "a template has at most 5 parts");
  EXPECT_NE(error(R"([{"kind":"poll"}])").find("parts[0].kind must be one of"), std::string::npos);
  EXPECT_EQ(error(R"([{"kind":"photo"}])"), "parts[0].file_id must be a file id the bot received");
  EXPECT_EQ(error(R"([{"kind":"text","text":""}])"), "parts[0].text must be a non-empty string");
  EXPECT_EQ(error(R"([{"kind":"album","items":[{"kind":"photo","file_id":"a"}]}])"),
            "parts[0].items must be an array of 2 to 10 items");
  EXPECT_EQ(
      error(
          R"([{"kind":"text","text":"x","reply_markup":{"inline_keyboard":[[{"text":"b","callback_data":"c"}]]}}])"),
      "parts[0].reply_markup: only an inline keyboard of URL buttons is kept");
  EXPECT_EQ(error(R"([{"kind":"sticker","file_id":"s","caption":"no"}])"),
            "parts[0]: a sticker has no caption");
}

TEST(Templates, APartIsSentByTheMethodOfItsKindWithTheMarkerButtonUnderIt) {
  store::TemplatePart text{
      .text = "Hi",
      .entities_json = R"([{"type":"bold","offset":0,"length":2}])",
      .reply_markup_json = R"({"inline_keyboard":[[{"text":"Go","url":"https://e.x"}]]})"};
  auto call = part_call(text, "📋 hello · Olga");
  EXPECT_EQ(call.method, "sendMessage");
  EXPECT_EQ(call.params.at("text").as_string(), "Hi");
  EXPECT_EQ(call.params.at("entities").as_array().size(), 1u);
  auto keyboard = call.params.at("reply_markup").at("inline_keyboard").as_array();
  ASSERT_EQ(keyboard.size(), 2u);
  EXPECT_EQ(keyboard[1].as_array()[0].at("text").as_string(), "📋 hello · Olga");
  EXPECT_FALSE(part_call(text).params.at("reply_markup").at("inline_keyboard").as_array().size() != 1);

  store::TemplatePart photo{.kind = TemplatePartKind::kVideoNote, .file_id = "V"};
  auto note = part_call(photo);
  EXPECT_EQ(note.method, "sendVideoNote");
  EXPECT_EQ(note.params.at("video_note").as_string(), "V");
  EXPECT_FALSE(note.params.contains("reply_markup"));

  store::TemplatePart album{
      .kind = TemplatePartKind::kAlbum,
      .album = {{TemplatePartKind::kPhoto, "a", "cap", ""}, {TemplatePartKind::kVideo, "b", "", ""}}};
  auto group = part_call(album, "marker");
  EXPECT_EQ(group.method, "sendMediaGroup");
  EXPECT_EQ(group.params.at("media").as_array()[0].at("media").as_string(), "a");
  EXPECT_EQ(group.params.at("media").as_array()[0].at("caption").as_string(), "cap");
  EXPECT_EQ(group.params.at("media").as_array()[1].at("type").as_string(), "video");
  EXPECT_FALSE(group.params.contains("reply_markup"));  // an album carries no buttons
}

TEST(TemplateParts, AreDescribedInTheOperatorsLanguage) {
  const store::TemplatePart photo{.kind = TemplatePartKind::kPhoto, .text = "caption", .file_id = "F"};
  EXPECT_EQ(describe_part(photo), "photo with a caption");
  EXPECT_EQ(describe_part(photo, "ru"), "фото с подписью");
  store::TemplatePart album{.kind = TemplatePartKind::kAlbum};
  album.album.resize(3);
  EXPECT_EQ(describe_part(album, "de"), "Album mit 3");
  core::ReplyContent poll{.message_id = 5, .content = core::ContentKind::kPoll};
  auto refused = part_from_message(poll, {}, "ru");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().message.starts_with("сохранить как шаблон можно только"))
      << refused.error().message;
}

}  // namespace
}  // namespace topicdesk::crm
