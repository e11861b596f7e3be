#include "bgp/codec/ext_community.h"

#include <gtest/gtest.h>

namespace svcbgp::bgp {
namespace {

// draft-ietf-idr-link-bandwidth §2, bytes as FRR sends `set extcommunity bandwidth 1000` from
// AS 64601: 40 04 fc 59 4c ee 6b 28 (1 Gbit/s = 125,000,000 bytes/s as a float).
TEST(ext_community, link_bandwidth_bytes) {
  EXPECT_EQ(link_bandwidth(64601, 125'000'000.0f, false), 0x4004fc594cee6b28ull);
  EXPECT_EQ(link_bandwidth(64601, 125'000'000.0f, true), 0x0004fc594cee6b28ull);
  // A four-octet AS goes as AS_TRANS (RFC 6793 §9).
  EXPECT_EQ(link_bandwidth(4200000001u, 125'000'000.0f, false) >> 32, 0x40045ba0ull);
  auto v = parse_link_bandwidth(0x4004fc594db2d05eull);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->asn, 64601);
  EXPECT_EQ(v->bytes_per_second, 375'000'000.0f);
  EXPECT_FALSE(v->transitive);
  EXPECT_TRUE(parse_link_bandwidth(0x0004fc594db2d05eull)->transitive);
  EXPECT_FALSE(parse_link_bandwidth(0x0002fde800000064ull).has_value());  // a route target
  EXPECT_FALSE(parse_link_bandwidth(0x0204fde800000064ull).has_value());  // four-octet AS type
}

TEST(ext_community, shown_as_bird_shows_it) {
  EXPECT_EQ(ext_community_to_string(0x0002fde800000064ull), "(rt, 65000, 100)");
  EXPECT_EQ(ext_community_to_string(0x0103c00002010007ull), "(ro, 192.0.2.1, 7)");
  EXPECT_EQ(ext_community_to_string(0x4004fc594cee6b28ull), "(unknown 0x4004, 64601, 1290693416)");
  EXPECT_EQ(ext_community_to_string(0x020200fbf0e70005ull), "(rt, 16511207, 5)");
  EXPECT_EQ(ext_community_to_string(0x0300000100000002ull), "(generic, 0x3000001, 0x2)");
}

}  // namespace
}  // namespace svcbgp::bgp
