#include "k8s/model/ip.h"

#include <gtest/gtest.h>

namespace svcbgp::k8s {
namespace {

TEST(IpAddr, ParsesDottedQuadIntoFirstFourBytes) {
  auto a = ip_addr::parse("10.96.0.1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->bytes[0], 10);
  EXPECT_EQ(a->bytes[1], 96);
  EXPECT_EQ(a->bytes[2], 0);
  EXPECT_EQ(a->bytes[3], 1);
  for (std::size_t i = 4; i < 16; ++i) {
    EXPECT_EQ(a->bytes[i], 0);
  }
  EXPECT_EQ(a->to_string(), "10.96.0.1");
}

TEST(IpAddr, ParsesIpv6) {
  auto a = ip_addr::parse("fd00:10:96::b050");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->v6);
  EXPECT_EQ(a->bytes[0], 0xfd);
  EXPECT_EQ(a->bytes[15], 0x50);
}

TEST(IpAddr, PrintsIpv6InRfc5952Form) {
  EXPECT_EQ(ip_addr::parse("2001:DB8:0:0:0:0:0:1")->to_string(), "2001:db8::1");
  EXPECT_EQ(ip_addr::parse("2001:db8:0:0:1:0:0:1")->to_string(), "2001:db8::1:0:0:1");
  EXPECT_EQ(ip_addr::parse("2001:db8:0:1:1:1:1:1")->to_string(), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(ip_addr::parse("::")->to_string(), "::");
  EXPECT_EQ(ip_addr::parse("::ffff:10.0.0.1")->to_string(), "::ffff:10.0.0.1");
}

TEST(IpAddr, RejectsWhatIsNotAnAddress) {
  for (const char* bad :
       {"", "addressesValue", "10.0.0", "10.0.0.256", "10.0.0.1/32", " 10.0.0.1", "10.0.0.1 ",
        "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:8:9", "None", "2001:db8::1::2"}) {
    EXPECT_FALSE(ip_addr::parse(bad)) << bad;
  }
  EXPECT_FALSE(ip_addr::parse(std::string_view("10.0.0.1\0x", 10)));
  EXPECT_FALSE(ip_addr::parse(std::string(100, '1')));
}

TEST(IpAddr, OrdersV4BeforeV6AndByBytes) {
  EXPECT_LT(*ip_addr::parse("10.0.0.1"), *ip_addr::parse("10.0.0.2"));
  EXPECT_LT(*ip_addr::parse("255.255.255.255"), *ip_addr::parse("::1"));
  EXPECT_EQ(*ip_addr::parse("::1"), *ip_addr::parse("0::0:1"));
}

}  // namespace
}  // namespace svcbgp::k8s
