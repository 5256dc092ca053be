#include "relay/template_values.h"

#include "core/presentation.h"

namespace topicdesk::relay {

crm::TemplateValues template_values(store::Store& store, core::ConnectionId connection,
                                    const store::Dialog& dialog, std::string_view operator_name,
                                    bool hidden) {
  crm::TemplateValues v;
  auto person = store.user(connection, dialog.user_id).value_or(core::Person{.id = dialog.user_id});
  if (hidden) {  // the topic's copy under HIDE_INFO: the pseudonym stands for the name
    auto mask = [](const std::string& s) { return s.empty() ? std::string() : std::string("•••"); };
    v.first_name = dialog.pseudonym.empty() ? mask(person.first_name) : dialog.pseudonym;
    v.title = v.first_name;
    v.last_name = mask(person.last_name);
    v.username = mask(person.username);
  } else {
    v.first_name = person.first_name;
    v.last_name = person.last_name;
    v.username = person.username;
    v.title = core::display_name(core::UserView{person, dialog.pseudonym, core::HideInfo::kOff});
    if (person.first_name.empty() && person.last_name.empty()) v.title = std::string();
  }
  v.operator_name = std::string(operator_name);
  if (auto link = store.user_link(connection, dialog.user_id))
    v.link = hidden && !link->empty() ? "•••" : *link;
  for (auto& [key, value] : store.user_fields(connection, dialog.user_id))
    v.fields[key] = hidden && !value.empty() ? "•••" : value;
  // Shared tables (docs/tables.md) hold no one's personal data: the same in both copies.
  v.table_row = [&store, connection](const std::string& table, const std::string& row) {
    return store.data_table_row(connection, table, row);
  };
  return v;
}

}  // namespace topicdesk::relay
