// Rendering a template for one user: every variable, fallbacks, a missing variable refusing
// the whole template, entities moved in UTF-16 units, Telegram's length limits.
#include "crm/template_render.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace topicdesk::crm {
namespace {
namespace json = boost::json;
using store::Template;
using store::TemplatePart;
using store::TemplatePartKind;

TemplateValues everyone() {
  TemplateValues v;
  v.first_name = "Ann";
  v.last_name = "Lee";
  v.title = "Ann Lee";
  v.username = "annlee";
  v.operator_name = "Olga";
  v.link = "crm-42";
  v.fields = {{"plan", "gold"}};
  return v;
}

RenderedText render(std::string_view text, const TemplateValues& values, std::string_view entities = "",
                    std::vector<std::string>* missing_out = nullptr) {
  std::vector<std::string> missing;
  auto r = render_text(text, entities, values, kMaxTextUnits, "the text", missing);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (missing_out != nullptr) *missing_out = missing;
  return r.ok() ? *r : RenderedText{};
}

Template one_text(std::string text, std::string entities = "") {
  Template t;
  t.name = "hello";
  TemplatePart part;
  part.text = std::move(text);
  part.entities_json = std::move(entities);
  t.parts.push_back(std::move(part));
  return t;
}

TEST(TemplateRender, EveryVariableIsFilledIn) {
  auto r = render(
      "{first_name} {last_name} / {title} / @{username} / {operator} / {link} / {field:plan} / {field:PLAN}",
      everyone());
  EXPECT_EQ(r.text, "Ann Lee / Ann Lee / @annlee / Olga / crm-42 / gold / gold");
}

TEST(TemplateRender, AFallbackStandsInForAMissingValueOnly) {
  TemplateValues none;
  none.first_name = "";  // empty is no value
  EXPECT_EQ(render("Hi {first_name|there}, {last_name|}!", none).text, "Hi there, !");
  EXPECT_EQ(render("Hi {first_name|there}", everyone()).text, "Hi Ann");
  EXPECT_EQ(render("{field:tier|basic} {operator|our team}", none).text, "basic our team");
}

TEST(TemplateRender, BracesThatAreNoVariableStayText) {
  EXPECT_EQ(render(R"({"a": 1} {foo} {first_name {x}})", TemplateValues{}).text,
            R"({"a": 1} {foo} {first_name {x}})");
}

TEST(TemplateRender, AMissingVariableWithoutFallbackRefusesTheTemplateNamingEachOnce) {
  TemplateValues v;
  v.first_name = "Ann";
  Template t = one_text("{operator}, {first_name}, {field:plan} and {operator} again");
  auto r = render_template(t, v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("{operator}, {field:plan}"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("{operator}, {field:plan}, {operator}"), std::string::npos);
  EXPECT_NE(r.error().message.find("{operator|…}"), std::string::npos);
}

TEST(TemplateRender, EntitiesAfterAVariableMoveByItsChangeInUtf16Units) {
  // "Hi {first_name}! Sale" with "Sale" bold (offset 17); the name is "😀Zoë" (😀 is 2 units).
  TemplateValues v;
  v.first_name = "😀Zoë";
  auto r = render("Hi {first_name}! Sale", v, R"([{"type":"bold","offset":17,"length":4}])");
  EXPECT_EQ(r.text, "Hi 😀Zoë! Sale");
  auto entities = json::parse(r.entities_json).as_array();
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(entities[0].at("offset").as_int64(), 10);  // "Hi " 3 + 😀 2 + "Zoë" 3 + "! " 2
  EXPECT_EQ(entities[0].at("length").as_int64(), 4);
  EXPECT_EQ(entities[0].at("type").as_string(), "bold");
}

TEST(TemplateRender, AnEntityAroundOrInsideAVariableCoversItsWholeValue) {
  TemplateValues v;
  v.first_name = "Alexandra";
  // bold over "{first_name}" exactly (offset 3, 12 units); italic starting inside it.
  auto r = render("Hi {first_name} ok", v,
                  R"([{"type":"bold","offset":3,"length":12},{"type":"italic","offset":5,"length":13},)"
                  R"({"type":"text_link","offset":0,"length":2,"url":"https://x.example"}])");
  EXPECT_EQ(r.text, "Hi Alexandra ok");
  auto e = json::parse(r.entities_json).as_array();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].at("offset").as_int64(), 3);
  EXPECT_EQ(e[0].at("length").as_int64(), 9);
  EXPECT_EQ(e[1].at("offset").as_int64(), 3);                  // from inside the variable: its value's start
  EXPECT_EQ(e[1].at("length").as_int64(), 12);                 // to the end of "ok"
  EXPECT_EQ(e[2].at("url").as_string(), "https://x.example");  // other fields are kept
  EXPECT_EQ(e[2].at("length").as_int64(), 2);
}

TEST(TemplateRender, AnEntityOverAVariableThatBecomesEmptyIsDropped) {
  TemplateValues v;
  auto r = render("a {last_name|} b", v, R"([{"type":"bold","offset":2,"length":12}])");
  EXPECT_EQ(r.text, "a  b");
  EXPECT_EQ(r.entities_json, "");
}

TEST(TemplateRender, TextsAndCaptionsOverTelegramsLimitsAreRefusedNamingThePart) {
  TemplateValues v;
  v.first_name = std::string(100, 'x');
  Template t = one_text(std::string(4000, 'a') + "{first_name}");
  auto r = render_template(t, v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("part 1's text is 4100 characters"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("4096"), std::string::npos);

  Template photo;
  TemplatePart part;
  part.kind = TemplatePartKind::kPhoto;
  part.file_id = "f";
  part.text = std::string(1000, 'a') + "{first_name}";
  photo.parts = {TemplatePart{.text = "ok"}, part};
  auto c = render_template(photo, v);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("part 2's caption"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("1024"), std::string::npos);
  // counted in UTF-16 units: 2048 emoji of 2 units are 4096, fine; one more is not
  std::string emoji;
  for (int i = 0; i < 2048; ++i) emoji += "😀";
  EXPECT_TRUE(render_template(one_text(emoji), v).ok());
  EXPECT_FALSE(render_template(one_text(emoji + "{first_name|x}"), TemplateValues{}).ok());
}

TEST(TemplateRender, AlbumCaptionsAreRenderedItemByItem) {
  Template t;
  TemplatePart album;
  album.kind = TemplatePartKind::kAlbum;
  album.album = {
      {TemplatePartKind::kPhoto, "p1", "For {first_name}", R"([{"type":"bold","offset":4,"length":12}])"},
      {TemplatePartKind::kPhoto, "p2", "", ""}};
  t.parts = {album};
  auto r = render_template(t, everyone());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].album[0].caption, "For Ann");
  EXPECT_EQ(json::parse((*r)[0].album[0].caption_entities_json).as_array()[0].at("length").as_int64(), 3);
  EXPECT_EQ((*r)[0].album[1].file_id, "p2");
}

TEST(TemplateRender, TheVariablesATemplateUsesAreListedAsWritten) {
  Template t = one_text("{first_name|there} {operator} {first_name|there} {nope}");
  EXPECT_EQ(template_variables(t), (std::vector<std::string>{"{first_name|there}", "{operator}"}));
}

}  // namespace
}  // namespace topicdesk::crm
