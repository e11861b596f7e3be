#include "bgp/rib/packed_prefixes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace svcbgp::bgp {
namespace {

using ::testing::ElementsAre;

prefix p(std::string_view text) {
  return *prefix::parse(text);
}

std::vector<prefix> all(const packed_prefixes& l) {
  std::vector<prefix> out;
  for (std::size_t i = 0; i < l.size(); ++i) {
    out.push_back(l[i]);
  }
  return out;
}

// Random prefixes of one family and mixed lengths, host bits kept: the packed order must be the
// order of `prefix` whatever the bytes.
std::vector<prefix> random_prefixes(std::mt19937& rng, bool v6, std::size_t n) {
  std::vector<prefix> out;
  for (std::size_t i = 0; i < n; ++i) {
    prefix q;
    q.addr.v6 = v6;
    for (std::size_t b = 0; b < (v6 ? 16u : 4u); ++b) {
      // Few distinct values per byte, so duplicates and equal bytes occur.
      q.addr.bytes[b] = static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() % 256 : 10);
    }
    q.length = static_cast<std::uint8_t>(rng() % ((v6 ? 128 : 32) + 1));
    out.push_back(q);
  }
  return out;
}

TEST(packed_prefixes, gives_back_what_was_pushed) {
  packed_prefixes v4;
  v4.push_back(p("10.1.2.3/32"));
  v4.push_back(p("192.0.2.0/24"));
  EXPECT_EQ(v4.size(), 2u);
  EXPECT_THAT(all(v4), ElementsAre(p("10.1.2.3/32"), p("192.0.2.0/24")));

  packed_prefixes v6;
  v6.reserve(4, true);
  v6.push_back(p("fd00::1/128"));
  v6.push_back(p("2001:db8::/32"));
  EXPECT_THAT(all(v6), ElementsAre(p("fd00::1/128"), p("2001:db8::/32")));

  v6.erase_front(1);
  EXPECT_THAT(all(v6), ElementsAre(p("2001:db8::/32")));
  v6.release();
  EXPECT_TRUE(v6.empty());
  EXPECT_EQ(v6.size(), 0u);
}

TEST(packed_prefixes, sorts_and_merges_in_prefix_order) {
  std::mt19937 rng(7);
  // 3,000: a radix-sorted tail; up to 63 entries: the insertion sort of small changes.
  for (bool v6 : {false, true}) {
    for (auto [n, head] : {std::pair{3000u, 0u},
                           {3000u, 1u},
                           {3000u, 500u},
                           {3000u, 2999u},
                           {3000u, 3000u},
                           {63u, 0u},
                           {63u, 20u},
                           {70u, 10u}}) {
      auto input = random_prefixes(rng, v6, n);
      // The first `head` entries are a sorted run, as a pending list's sorted part is.
      std::sort(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(head));
      packed_prefixes l;
      for (const auto& q : input) {
        l.push_back(q);
      }
      l.sort_tail(head);
      auto expected = input;
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(all(l), expected) << "v6 " << v6 << " n " << n << " head " << head;
    }
  }
}

TEST(packed_prefixes, filter_unique_drops_adjacent_duplicates_and_what_is_not_kept) {
  packed_prefixes l;
  for (auto text :
       {"10.0.0.1/32", "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.3/32", "10.0.0.4/32"}) {
    l.push_back(p(text));
  }
  l.filter_unique([](const prefix& q) { return q != p("10.0.0.2/32"); });
  EXPECT_THAT(all(l), ElementsAre(p("10.0.0.1/32"), p("10.0.0.3/32"), p("10.0.0.4/32")));
}

}  // namespace
}  // namespace svcbgp::bgp
