// The Store contract, TemplateStore: templates by name without regard to case, their ordered
// parts kept whole, replaced whole and deleted; album items seen lately, expired by age.
// Every backend must pass it unchanged (store_backends.h).
#include <gtest/gtest.h>

#include "store_backends.h"

namespace topicdesk::store {
namespace {

using test_support::StoreContract;

class TemplateStoreContract : public StoreContract {
 protected:
  Template make(const std::string& name, UnixMillis at) {
    Template t;
    t.connection_id = conn_;
    t.name = name;
    t.saved_by = 900;
    t.saved_by_name = "Alice";
    t.updated_at = at;
    TemplatePart text;
    text.text = "Hello {first_name|there} 👋";
    text.entities_json = R"([{"type":"bold","offset":0,"length":5}])";
    text.reply_markup_json = R"({"inline_keyboard":[[{"text":"Site","url":"https://example.com"}]]})";
    TemplatePart photo;
    photo.kind = TemplatePartKind::kPhoto;
    photo.file_id = "AgAD-photo";
    photo.text = "caption";
    TemplatePart album;
    album.kind = TemplatePartKind::kAlbum;
    album.album = {{TemplatePartKind::kPhoto, "p1", "first", R"([{"type":"italic","offset":0,"length":5}])"},
                   {TemplatePartKind::kVideo, "v2", "", ""}};
    t.parts = {text, photo, album};
    return t;
  }
};

TEST_P(TemplateStoreContract, ATemplateIsFoundByNameInAnyCaseWithItsPartsInOrder) {
  store_->save_template(make("Greeting", 100));
  if (GetParam().persistent) reopen();
  auto t = store_->template_by_name(conn_, "gREETING");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "Greeting");
  EXPECT_EQ(t->saved_by, 900);
  EXPECT_EQ(t->saved_by_name, "Alice");
  EXPECT_EQ(t->created_at, 100);
  EXPECT_EQ(t->updated_at, 100);
  ASSERT_EQ(t->parts.size(), 3u);
  EXPECT_EQ(t->parts[0].kind, TemplatePartKind::kText);
  EXPECT_EQ(t->parts[0].text, "Hello {first_name|there} 👋");
  EXPECT_EQ(t->parts[0].entities_json, R"([{"type":"bold","offset":0,"length":5}])");
  EXPECT_NE(t->parts[0].reply_markup_json.find("https://example.com"), std::string::npos);
  EXPECT_EQ(t->parts[1].kind, TemplatePartKind::kPhoto);
  EXPECT_EQ(t->parts[1].file_id, "AgAD-photo");
  EXPECT_EQ(t->parts[1].text, "caption");
  ASSERT_EQ(t->parts[2].album.size(), 2u);
  EXPECT_EQ(t->parts[2].album[0].file_id, "p1");
  EXPECT_EQ(t->parts[2].album[0].caption, "first");
  EXPECT_EQ(t->parts[2].album[0].caption_entities_json, R"([{"type":"italic","offset":0,"length":5}])");
  EXPECT_EQ(t->parts[2].album[1].kind, TemplatePartKind::kVideo);
  EXPECT_FALSE(store_->template_by_name(conn_, "other"));
  auto other = store_->ensure_connection("sales", 222, test_support::kGroup);
  EXPECT_FALSE(store_->template_by_name(other, "greeting"));  // templates are per connection
}

TEST_P(TemplateStoreContract, SavingTheSameNameReplacesTheTemplateWhole) {
  auto first = store_->save_template(make("greeting", 100));
  Template again = make("GREETING", 200);
  again.parts.resize(1);
  again.parts[0].text = "Hi";
  again.saved_by = 901;
  auto saved = store_->save_template(again);
  EXPECT_EQ(saved.id, first.id);
  EXPECT_EQ(saved.created_at, 100);
  auto t = store_->template_by_name(conn_, "greeting");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "GREETING");
  EXPECT_EQ(t->saved_by, 901);
  EXPECT_EQ(t->created_at, 100);
  EXPECT_EQ(t->updated_at, 200);
  ASSERT_EQ(t->parts.size(), 1u);
  EXPECT_EQ(t->parts[0].text, "Hi");
  EXPECT_EQ(store_->templates(conn_).size(), 1u);
}

TEST_P(TemplateStoreContract, TheListIsOrderedByNameAndADeletedTemplateIsGone) {
  store_->save_template(make("zeta", 1));
  store_->save_template(make("Alpha", 2));
  store_->save_template(make("beta", 3));
  auto list = store_->templates(conn_);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "Alpha");
  EXPECT_EQ(list[1].name, "beta");
  EXPECT_EQ(list[2].name, "zeta");
  EXPECT_EQ(list[0].parts.size(), 3u);
  EXPECT_TRUE(store_->delete_template(conn_, "BETA"));
  EXPECT_FALSE(store_->delete_template(conn_, "beta"));
  EXPECT_FALSE(store_->template_by_name(conn_, "beta"));
  EXPECT_EQ(store_->templates(conn_).size(), 2u);
  store_->save_template(make("beta", 4));  // the name is free again, with fresh parts
  EXPECT_EQ(store_->template_by_name(conn_, "beta")->parts.size(), 3u);
}

TEST_P(TemplateStoreContract, AlbumItemsAreKeptByAlbumInMessageOrderAndExpireByAge) {
  auto item = [&](const std::string& group, MessageId id, UnixMillis at) {
    return AlbumItem{.connection_id = conn_,
                     .media_group_id = group,
                     .message_id = id,
                     .media = {TemplatePartKind::kPhoto, "f" + std::to_string(id), "c", ""},
                     .seen_at = at};
  };
  store_->add_album_item(item("g1", 12, 100));
  store_->add_album_item(item("g1", 11, 100));
  store_->add_album_item(item("g2", 20, 300));
  auto replaced = item("g1", 12, 110);
  replaced.media.caption = "edited";
  store_->add_album_item(replaced);
  auto g1 = store_->album_items(conn_, "g1");
  ASSERT_EQ(g1.size(), 2u);
  EXPECT_EQ(g1[0].message_id, 11);
  EXPECT_EQ(g1[0].media.file_id, "f11");
  EXPECT_EQ(g1[1].media.caption, "edited");
  EXPECT_EQ(store_->expire_album_items(200, 100), 2);
  EXPECT_TRUE(store_->album_items(conn_, "g1").empty());
  EXPECT_EQ(store_->album_items(conn_, "g2").size(), 1u);
}

TD_STORE_CONTRACT_SUITE(TemplateStoreContract);

}  // namespace
}  // namespace topicdesk::store
