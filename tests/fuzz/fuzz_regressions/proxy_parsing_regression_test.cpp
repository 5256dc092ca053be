// Found by proxy_fuzz: Boost.URL 1.81's parse_query reads its input up to a NUL instead of the
// view's end (boostorg/url#757). The proxy handed it the query string of the program's request
// target, which is not NUL-terminated: it read past the heap block, took what followed as more
// parameters, and crashed walking them. Now only the given text is read.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "proxy/bot_api_proxy.h"
#include "proxy/proxy_parsing.h"

namespace topicdesk::proxy {
namespace {
namespace bhttp = boost::beast::http;

TEST(ProxyParsingRegression, OnlyTheGivenQueryTextIsRead) {
  const std::string memory = "chat_id=42&text=hi&message_id=7";
  boost::json::object params;
  add_urlencoded(params, std::string_view(memory).substr(0, memory.find("&message_id")));
  EXPECT_EQ(params.size(), 2u) << boost::json::serialize(params);
  EXPECT_EQ(params.at("chat_id").as_string(), "42");
  EXPECT_EQ(params.at("text").as_string(), "hi") << "not hi&message_id=7 or more";
  EXPECT_FALSE(params.contains("message_id"));
}

TEST(ProxyParsingRegression, QueryOfARequestTargetAndBrokenQueries) {
  http::Request request{bhttp::verb::get, "/botT/getUpdates?offset=5&timeout=2&limit=1+0", 11};
  auto params = call_params(request);
  EXPECT_EQ(params.size(), 3u) << boost::json::serialize(params);
  EXPECT_EQ(int_param(params, "offset"), 5);
  EXPECT_EQ(params.at("limit").as_string(), "1 0");

  boost::json::object nothing;
  add_urlencoded(nothing, std::string_view("a=1\0b=2", 7));  // a NUL is no query character
  add_urlencoded(nothing, "a=%D");                           // a cut percent escape
  EXPECT_TRUE(nothing.empty()) << boost::json::serialize(nothing);
}

}  // namespace
}  // namespace topicdesk::proxy
