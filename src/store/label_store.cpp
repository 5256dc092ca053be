#include "store/label_store.h"

namespace topicdesk::store {

const char* to_string(LabelChangeBy by) {
  switch (by) {
    case LabelChangeBy::kOperator:
      return "operator";
    case LabelChangeBy::kApi:
      return "api";
    case LabelChangeBy::kFunnel:
      return "funnel";
  }
  return "operator";
}

LabelChangeBy label_change_by_from(std::string_view text) {
  if (text == "api") return LabelChangeBy::kApi;
  if (text == "funnel") return LabelChangeBy::kFunnel;
  return LabelChangeBy::kOperator;
}

}  // namespace topicdesk::store
