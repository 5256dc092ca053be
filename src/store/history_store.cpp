#include "store/history_store.h"

namespace topicdesk::store {

namespace {
constexpr HistoryAuthor kAuthors[] = {
    HistoryAuthor::kUser, HistoryAuthor::kOperator, HistoryAuthor::kComment, HistoryAuthor::kIntercepted,
    HistoryAuthor::kApi,  HistoryAuthor::kDesk,     HistoryAuthor::kNotice,
};
}  // namespace

std::string_view to_string(HistoryAuthor author) {
  switch (author) {
    case HistoryAuthor::kUser:
      return "user";
    case HistoryAuthor::kOperator:
      return "operator";
    case HistoryAuthor::kComment:
      return "comment";
    case HistoryAuthor::kIntercepted:
      return "intercepted";
    case HistoryAuthor::kApi:
      return "api";
    case HistoryAuthor::kDesk:
      return "desk";
    case HistoryAuthor::kNotice:
      return "notice";
  }
  return "unknown";
}

std::optional<HistoryAuthor> history_author_from(std::string_view text) {
  for (auto author : kAuthors) {
    if (text == to_string(author)) return author;
  }
  return std::nullopt;
}

bool written_in_group(HistoryAuthor author) {
  return author == HistoryAuthor::kOperator || author == HistoryAuthor::kComment ||
         author == HistoryAuthor::kNotice;
}

}  // namespace topicdesk::store
