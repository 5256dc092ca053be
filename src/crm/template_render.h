// Filling in a template's variables for one dialog: pure, no store. A variable is `{name}` or
// `{name|fallback}`; names are first_name, last_name, title, username, operator, link,
// field:KEY (a custom field of /set) and table:NAME:ROW:COLUMN (a cell of a shared table,
// docs/tables.md, read through TemplateValues::table_row; a miss is named with what the table
// lacks: "{table:plans:t9:price} [table plans: no row t9]"). A variable without a value uses its fallback
// (which may be empty: `{last_name|}`); without a fallback the whole template is refused, naming every such
// variable, so a user never gets a message with a blank where a name should be. Braces that do not hold a
// known variable (`{foo}`, JSON) are text and stay as they are.
//
// Formatting survives: entity offsets and lengths (UTF-16 code units, as Telegram counts)
// move with the text a variable grows or shrinks; an entity that starts or ends inside a
// variable covers its whole value. The rendered text must fit Telegram's limits (4096 for a
// message, 1024 for a caption) or the template is refused with the part and the length.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/table_store.h"
#include "store/template_store.h"

namespace topicdesk::crm {

inline constexpr std::size_t kMaxTextUnits = 4096;
inline constexpr std::size_t kMaxCaptionUnits = 1024;

// What the variables stand for in one send. nullopt or empty: no value (the fallback is used).
struct TemplateValues {
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> title;           // the user's name as the desk shows it (a group's title)
  std::optional<std::string> username;        // without '@'
  std::optional<std::string> operator_name;   // {operator}: the sending operator's first name
  std::optional<std::string> link;            // the linked account of /link
  std::map<std::string, std::string> fields;  // /set, keys lowercase
  // {table:NAME:ROW:COLUMN}: the table's columns and that row (store::TableStore::data_table_row);
  // nullopt: no such table. Unset: no tables are read (every reference misses).
  std::function<std::optional<store::DataTable>(const std::string& table, const std::string& row)> table_row;
  std::string language = "en";  // of the markers that name what a table lacks (operators read them)
};

struct RenderedText {
  std::string text;
  std::string entities_json;  // empty: none
};

// One text or caption. `what` names it in a refusal ("part 2's caption"); `max_units` its limit.
// Missing variables are added to `missing` (each once, as written: "{first_name}") and the
// text is then not meaningful; a text over the limit is an Error.
core::Result<RenderedText> render_text(std::string_view text, std::string_view entities_json,
                                       const TemplateValues& values, std::size_t max_units,
                                       std::string_view what, std::vector<std::string>& missing);

// Every part of `t` rendered; the Error names the missing variables or the part too long.
core::Result<std::vector<store::TemplatePart>> render_template(const store::Template& t,
                                                               const TemplateValues& values);

// The variables a template uses, each once, as written ("{first_name|there}"), in order.
std::vector<std::string> template_variables(const store::Template& t);

}  // namespace topicdesk::crm
