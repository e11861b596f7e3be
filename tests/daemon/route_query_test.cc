#include "src/daemon/route_query.h"

#include <gtest/gtest.h>

namespace svcbgp::daemon {
namespace {

bgp::prefix pfx(const char* s) {
  return *bgp::prefix::parse(s);
}

std::vector<peer_tables> two_tors() {
  auto attrs = std::make_shared<bgp::path_attributes>();
  peer_tables a{"tor1", {}, {{pfx("192.0.2.0/24"), attrs}, {pfx("192.0.2.5/32"), attrs}}, {}};
  peer_tables b{"tor2", {}, {{pfx("192.0.2.5/32"), attrs}}, {{pfx("10.0.0.0/8"), {attrs, true}}}};
  return {a, b};
}

std::vector<std::string> shown(const std::vector<admin::route_entry>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) {
    out.push_back(r.peer + " " + r.pfx.to_string() + (r.exported ? " out" : " in") +
                  (r.stale ? " stale" : ""));
  }
  return out;
}

TEST(route_query, for_an_ip_only_the_longest_match_across_peers) {
  admin::route_query q;
  q.for_ip = bgp::ip_address::parse("192.0.2.5");
  EXPECT_EQ(shown(query_routes(two_tors(), q)),
            (std::vector<std::string>{"tor1 192.0.2.5/32 out", "tor2 192.0.2.5/32 out"}));
  q.for_ip = bgp::ip_address::parse("192.0.2.9");
  EXPECT_EQ(shown(query_routes(two_tors(), q)),
            (std::vector<std::string>{"tor1 192.0.2.0/24 out"}));
  q.for_ip = bgp::ip_address::parse("198.51.100.1");
  EXPECT_TRUE(query_routes(two_tors(), q).empty());
}

TEST(route_query, prefix_peer_and_direction_filter) {
  admin::route_query q;
  q.pfx = pfx("192.0.2.5/32");
  q.peer = "tor2";
  EXPECT_EQ(shown(query_routes(two_tors(), q)),
            (std::vector<std::string>{"tor2 192.0.2.5/32 out"}));
  admin::route_query in;
  in.exported = false;
  EXPECT_EQ(shown(query_routes(two_tors(), in)),
            (std::vector<std::string>{"tor2 10.0.0.0/8 in stale"}));
}

}  // namespace
}  // namespace svcbgp::daemon
