// The one place an HTTP edge turns a core::ErrorCode into a status code. Every area that
// answers HTTP (the Topics API, the webhook ingress, the Bot API proxy) asks status_for()
// instead of choosing a number itself; each keeps its own body shape.
#pragma once
#include "core/result.h"

namespace topicdesk::http {

// invalid 400, unauthorized 401, forbidden 403, not found 404, conflict 409, too large 413,
// rate limited 429, internal 500, unavailable 503.
unsigned status_for(core::ErrorCode code);
inline unsigned status_for(const core::Error& error) { return status_for(error.code); }

}  // namespace topicdesk::http
