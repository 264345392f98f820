#include "common/text.hpp"

#include <gtest/gtest.h>

using namespace aciswarm;

TEST(Text, AsciiLowerTouchesOnlyAsciiLetters) {
    EXPECT_EQ(ascii_lower("Max-Age=5, PUBLIC"), "max-age=5, public");
    EXPECT_EQ(ascii_lower("\xc3\x89T\xc3\x89"), "\xc3\x89t\xc3\x89");  // UTF-8 bytes unchanged
    EXPECT_EQ(ascii_lower(""), "");
}

TEST(Text, TrimRemovesOnlyTheGivenBlanksAtBothEnds) {
    EXPECT_EQ(trim("  max-age=5\t", http_whitespace), "max-age=5");
    EXPECT_EQ(trim("\n a b \r\n", html_whitespace), "a b");
    EXPECT_EQ(trim("\n a \n", http_whitespace), "\n a \n");  // LF is not HTTP white space
    EXPECT_EQ(trim(" \t ", http_whitespace), "");
    EXPECT_EQ(trim("", html_whitespace), "");
    EXPECT_EQ(trim("x", html_whitespace), "x");
}

TEST(Text, HtmlEscapeEscapesEveryMarkupCharacter) {
    EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&</a>)"),
              "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    EXPECT_EQ(html_escape("plain ünïcode"), "plain ünïcode");
}
