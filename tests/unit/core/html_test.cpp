#include "core/html.h"

#include <gtest/gtest.h>

namespace topicdesk::core {
namespace {

TEST(HtmlEscape, MarkupAndQuotesBecomeCharacterReferences) {
  EXPECT_EQ(html_escape(R"(<script>alert("x" & 'y')</script>)"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape("Привет, мир"), "Привет, мир") << "UTF-8 passes unchanged";
}

TEST(HtmlEscape, LineBreaksOnlyWhenAsked) {
  EXPECT_EQ(html_escape("a\r\nb"), "a\r\nb");
  EXPECT_EQ(html_escape("a\r\nb", /*line_breaks=*/true), "a<br>b");
}

}  // namespace
}  // namespace topicdesk::core
