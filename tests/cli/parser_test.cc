#include "src/cli/parser.h"

#include <gtest/gtest.h>

#include <sstream>

namespace svcbgp::cli {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

command ok(const std::string& line) {
  auto r = parse(words(line));
  EXPECT_TRUE(r.has_value()) << line << ": " << (r ? "" : r.error().message);
  return r ? *r : command{};
}

command ok_words(const std::vector<std::string>& w) {
  auto r = parse(w);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : command{};
}

parse_error bad(const std::string& line) {
  auto r = parse(words(line));
  EXPECT_FALSE(r.has_value()) << line;
  return r ? parse_error{} : r.error();
}

TEST(parser, full_keywords) {
  EXPECT_EQ(ok("show status").what, verb::show_status);
  EXPECT_EQ(ok("show protocols").what, verb::show_protocols);
  EXPECT_EQ(ok("show route").what, verb::show_route);
  EXPECT_EQ(ok("show services").what, verb::show_services);
  EXPECT_EQ(ok("down").what, verb::down);
  EXPECT_EQ(ok("configure").what, verb::configure);
}

TEST(parser, unique_prefixes_abbreviate_like_birdc) {
  EXPECT_EQ(ok("s p").what, verb::show_protocols);
  EXPECT_EQ(ok("sh pro").what, verb::show_protocols);
  EXPECT_EQ(ok("s r").what, verb::show_route);
  EXPECT_EQ(ok("s st").what, verb::show_status);
  EXPECT_EQ(ok("s se").what, verb::show_services);
  EXPECT_EQ(ok("show bfd sessions").what, verb::show_bfd_sessions);
  EXPECT_EQ(ok("s b s").what, verb::show_bfd_sessions);
  EXPECT_NE(bad("show bfd").message.find("incomplete"), std::string::npos);
  const auto c = ok("s p a tor1");
  EXPECT_TRUE(c.detail);
  EXPECT_EQ(c.name, "tor1");
  EXPECT_TRUE(ok("c c").check);
  EXPECT_EQ(ok("e tor1").what, verb::enable);
  EXPECT_EQ(ok("rel o all").direction, reload_direction::out);
}

TEST(parser, ambiguous_prefixes_list_the_candidates) {
  auto e = bad("s s");
  EXPECT_EQ(e.candidates, (std::vector<std::string>{"status", "services"}));
  EXPECT_NE(e.message.find("ambiguous \"s\" after \"show\""), std::string::npos) << e.message;
  e = bad("re tor1");
  EXPECT_EQ(e.candidates, (std::vector<std::string>{"restart", "reload"}));
  e = bad("d");
  EXPECT_EQ(e.candidates, (std::vector<std::string>{"disable", "down"}));
}

TEST(parser, unknown_and_incomplete_commands) {
  auto e = bad("frobnicate");
  EXPECT_NE(e.message.find("unknown command \"frobnicate\""), std::string::npos) << e.message;
  EXPECT_EQ(e.candidates.front(), "show");
  e = bad("show");
  EXPECT_NE(e.message.find("incomplete command"), std::string::npos) << e.message;
  EXPECT_EQ(e.candidates.size(), 5u);  // status protocols route services bfd
  e = bad("show protocols tor1 extra");
  EXPECT_NE(e.message.find("unexpected \"extra\""), std::string::npos) << e.message;
  e = bad("enable");
  EXPECT_NE(e.message.find("incomplete"), std::string::npos);
  EXPECT_FALSE(parse({}).has_value());
}

TEST(parser, show_route_modifiers_in_any_order) {
  auto c = ok("show route for 10.96.0.1 export tor1 count all");
  EXPECT_EQ(c.for_ip, "10.96.0.1");
  EXPECT_EQ(c.export_peer, "tor1");
  EXPECT_TRUE(c.count);
  EXPECT_TRUE(c.detail);
  c = ok("s r all protocol tor2 10.96.0.0/12");
  EXPECT_EQ(c.prefix, "10.96.0.0/12");
  EXPECT_EQ(c.protocol_peer, "tor2");
  EXPECT_TRUE(c.detail);
  c = ok("show route fd00:10:96::/112");
  EXPECT_EQ(c.prefix, "fd00:10:96::/112");
  EXPECT_NE(bad("show route for 10.96.0.300").message.find("not an IP"), std::string::npos);
  EXPECT_NE(bad("show route 10.96.0.0/40").message.find("not an IP"), std::string::npos);
  bad("show route export tor1 protocol tor2");
  bad("show route for 10.0.0.1 10.0.0.0/8");
  bad("show route for");
}

TEST(parser, peer_commands) {
  auto c = ok("disable tor1 maintenance");
  EXPECT_EQ(c.what, verb::disable);
  EXPECT_EQ(c.name, "tor1");
  EXPECT_EQ(c.message, "maintenance");
  c = ok("disable all");
  EXPECT_TRUE(c.all_peers);
  c = ok("restart all");
  EXPECT_TRUE(c.all_peers);
  c = ok("reload tor1");
  EXPECT_EQ(c.direction, reload_direction::both);
  c = ok("reload in tor1");
  EXPECT_EQ(c.direction, reload_direction::in);
  EXPECT_EQ(c.name, "tor1");
}

TEST(parser, services_take_namespace_slash_name) {
  EXPECT_EQ(ok("show services default/kubernetes").name, "default/kubernetes");
  EXPECT_NE(bad("show services kubernetes").message.find("NAMESPACE/NAME"), std::string::npos);
}

TEST(parser, split_words_honours_quotes) {
  auto w = split_words(R"(disable tor1 "planned maintenance \"B\"")");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(*w, (std::vector<std::string>{"disable", "tor1", "planned maintenance \"B\""}));
  EXPECT_EQ(ok_words(*w).message, "planned maintenance \"B\"");
  EXPECT_FALSE(split_words("disable tor1 \"open").has_value());
  EXPECT_TRUE(split_words("   ")->empty());
}

TEST(parser, completion) {
  const std::vector<std::string> peers{"tor1", "tor2"};
  EXPECT_EQ(complete({}, "re", peers), (std::vector<std::string>{"reload", "restart"}));
  EXPECT_EQ(complete({"show"}, "p", peers), (std::vector<std::string>{"protocols"}));
  EXPECT_EQ(complete({"s", "p"}, "", peers), (std::vector<std::string>{"all", "tor1", "tor2"}));
  EXPECT_EQ(complete({"enable"}, "t", peers), (std::vector<std::string>{"tor1", "tor2"}));
  EXPECT_TRUE(complete({"down"}, "", peers).empty());
}

}  // namespace
}  // namespace svcbgp::cli
