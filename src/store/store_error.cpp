#include "store/store_error.h"

namespace topicdesk::store {

const char* to_string(StoreError::Kind kind) {
  switch (kind) {
    case StoreError::Kind::kBusy:
      return "busy";
    case StoreError::Kind::kStorage:
      return "storage";
    case StoreError::Kind::kFatal:
      return "fatal";
    case StoreError::Kind::kOther:
      break;
  }
  return "other";
}

}  // namespace topicdesk::store
