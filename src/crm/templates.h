// Message templates, the rules that do not need the store: what a name may be, how a replied-to
// message becomes a part (the album it belongs to, the URL buttons it keeps), how parts read
// and write as JSON (the Topics API), and the texts /t and /template show post.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "i18n/catalog.h"
#include "store/template_store.h"

namespace topicdesk::crm {

inline constexpr std::size_t kMaxTemplateName = 32;
inline constexpr std::size_t kMaxTemplateParts = 5;
inline constexpr std::size_t kMaxAlbumItems = 10;  // Telegram's sendMediaGroup takes 2–10

// A Latin letter first, then Latin letters, digits, '-' and '_', at most 32 characters; the
// error says which rule the name breaks, in `language` (the chat's LANGUAGE; English for the APIs).
core::Status check_template_name(std::string_view name, std::string_view language = i18n::kFallbackLanguage);

// A Bot API reply_markup reduced to its inline keyboard's URL buttons (callback, switch-inline,
// login and other buttons would act for the bot's program, not the desk): compact JSON, or
// empty when none is left.
std::string url_buttons_only(std::string_view reply_markup_json);

// The part a replied-to message makes. `album` holds the items of its album the desk saw in
// the backend group (store::TemplateStore::album_items; empty when it is not an album's). The
// error says why the message cannot be a part (a poll, an album the desk did not see whole …), in
// `language`.
core::Result<store::TemplatePart> part_from_message(const core::ReplyContent& message,
                                                    const std::vector<store::AlbumItem>& album,
                                                    std::string_view language = i18n::kFallbackLanguage);

// The Topics API's parts: [{"kind":"text","text":"…","entities":[…],"reply_markup":{…}},
// {"kind":"photo","file_id":"…","caption":"…","caption_entities":[…]},
// {"kind":"album","items":[{"kind":"photo","file_id":"…","caption":"…"}, …]}].
boost::json::value parts_to_json(const std::vector<store::TemplatePart>& parts);
// Checked as the commands check them (kinds, file ids, counts, keyboard); the error names the
// part and the field.
core::Result<std::vector<store::TemplatePart>> parts_from_json(const boost::json::value& value);

// The Bot API call that sends a (rendered) part, without chat_id and message_thread_id:
// sendMessage, send<Photo|Video|…> by file id with the caption, or sendMediaGroup. `marker`,
// when not empty, is added under a part that can carry buttons as one more button (the topic's
// copy says it was a template); an album cannot carry one.
inline constexpr std::string_view kTemplateMarkerCallback = "td:template";
struct PartCall {
  std::string method;
  boost::json::object params;
};
PartCall part_call(const store::TemplatePart& part, std::string_view marker = {});

// What a part is, in a few words, in `language`: "text", "photo with a caption", "album of 3".
std::string describe_part(const store::TemplatePart& part,
                          std::string_view language = i18n::kFallbackLanguage);
// /t without a name: every template with its parts, or how to save one.
std::string template_list_text(std::string_view lang, const std::vector<store::Template>& templates);
// The header /template show posts before the parts themselves.
std::string template_show_text(std::string_view lang, const store::Template& t,
                               const std::vector<std::string>& variables);

}  // namespace topicdesk::crm
