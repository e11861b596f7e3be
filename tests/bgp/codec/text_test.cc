// printable(): what tenants' and peers' text becomes before a terminal, a log or a proto3 string.
#include "bgp/codec/text.h"

#include <gtest/gtest.h>

#include "bgp/codec/message.h"

namespace svcbgp::bgp {
namespace {

TEST(printable, escapes_control_characters_and_bad_utf8) {
  EXPECT_EQ(printable("plain text\tand tab, caf\xc3\xa9, \xe2\x82\xac"),
            "plain text\tand tab, caf\xc3\xa9, \xe2\x82\xac");
  EXPECT_EQ(printable("\x1b[2J\x1b]0;owned\x07"), "\\x1b[2J\\x1b]0;owned\\x07");
  EXPECT_EQ(printable("a\nb\rc\x7f"), "a\\x0ab\\x0dc\\x7f");
  EXPECT_EQ(printable("c1 \xc2\x9b x"), "c1 \\xc2\\x9b x");          // CSI as C1
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");                    // not UTF-8
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
}

TEST(printable, quote_escapes_quotes_and_backslashes) {
  EXPECT_EQ(printable("say \"hi\" \\o/"), "say \"hi\" \\o/");
  EXPECT_EQ(printable("say \"hi\" \\o/", true), "say \\x22hi\\x22 \\x5co/");
}

TEST(notification_text, a_peers_shutdown_message_that_is_not_utf8_comes_out_valid) {
  // Issue 13: RFC 8203 text that is not UTF-8 went raw into proto3 strings and JSON logs.
  notification_message n{6, 2, {5, 'o', 0xff, 0x1b, '"', 'k'}};
  EXPECT_EQ(n.to_string(), "Cease/Administrative Shutdown: \"o\\xff\\x1b\\x22k\"");
}

TEST(notification_text, cease_with_message_cuts_at_a_character_boundary) {
  // 254 'a' then a two-octet character: 256 octets, cut to 254 rather than half a character.
  std::string text(254, 'a');
  text += "\xc3\xa4";
  auto n = notification_message::cease_with_message(2, text);
  ASSERT_EQ(n.data.size(), 255u);
  EXPECT_EQ(n.data[0], 254);
  EXPECT_EQ(n.shutdown_message(), std::string(254, 'a'));
  EXPECT_TRUE(notification_message::cease_with_message(4, "").data.empty());
  EXPECT_EQ(notification_message::cease_with_message(4, "bye").data,
            (std::vector<std::uint8_t>{3, 'b', 'y', 'e'}));
}

TEST(columns, as_wide_as_the_widest_cell_and_no_trailing_blanks) {
  EXPECT_EQ(
      columns({{"NAME", "STATE", "INFO"}, {"tor1", "Established", ""}, {"t", "Active", "x"}}, 2),
      "NAME  STATE        INFO\n"
      "tor1  Established\n"
      "t     Active       x\n");
  EXPECT_EQ(columns({{"A", "B"}, {"long", "b"}}, 3), "A      B\nlong   b\n");
  EXPECT_EQ(columns({}, 2), "");
}

}  // namespace
}  // namespace svcbgp::bgp
