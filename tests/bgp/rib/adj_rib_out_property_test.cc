// Property test: whatever sequence of set / announce / withdraw / reset the engine produces, the
// peer that applies every UPDATE (decoded from its encoding) ends up with exactly the desired
// routes of the negotiated families, and never receives an UPDATE for a route that did not change.
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "bgp/rib/adj_rib_in.h"
#include "bgp/rib/adj_rib_out.h"
#include "tests/bgp/rib/rib_test_util.h"

namespace svcbgp::bgp {
namespace {

using namespace svcbgp::bgp::testing;

struct world {
  std::mt19937 rng;
  std::vector<prefix> universe;
  std::vector<attributes_ptr> v4_attrs;
  std::vector<attributes_ptr> v6_attrs;

  explicit world(unsigned seed) : rng(seed) {
    for (std::uint32_t i = 0; i < 60; ++i) {
      universe.push_back(v4_host(i));
      universe.push_back(v6_host(i));
    }
    for (std::uint32_t i = 0; i < 20; ++i) {
      universe.push_back(v4_net(i, 24));
    }
    for (bool v6 : {false, true}) {
      auto& list = v6 ? v6_attrs : v4_attrs;
      list.push_back(make_attrs_ptr(v6, 1));
      list.push_back(make_attrs_ptr(v6, 1));  // equal to the first, another pointer
      list.push_back(make_attrs_ptr(v6, 2));
      // Large enough that only a few prefixes fit beside it in a 4 KB message.
      list.push_back(make_attrs_ptr(v6, 3, 980));
    }
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  }

  attributes_ptr attrs_for(const prefix& p) {
    const auto& list = p.addr.v6 ? v6_attrs : v4_attrs;
    return list[pick(list.size())];
  }

  route_set random_set() {
    route_set r;
    std::size_t density = pick(4);  // 0: empty-ish ... 3: nearly everything
    for (const prefix& p : universe) {
      if (pick(4) < density) {
        r.emplace(p, attrs_for(p));
      }
    }
    return r;
  }

  codec_context random_ctx() {
    switch (pick(4)) {
      case 0:
        return make_ctx({ipv4_unicast});
      case 1:
        return make_ctx({ipv6_unicast});
      case 2:
        return make_ctx({ipv4_unicast, ipv6_unicast}, true);
      default:
        return make_ctx({ipv4_unicast, ipv6_unicast});
    }
  }
};

bool negotiated(const codec_context& ctx, const prefix& p) {
  return std::find(ctx.families.begin(), ctx.families.end(), p.fam()) != ctx.families.end();
}

// Applies the updates to the peer's table, checking that each one changes something.
void deliver(const std::vector<update_message>& updates, const codec_context& ctx,
             adj_rib_in& peer) {
  for (const auto& u : updates) {
    EXPECT_GT(prefix_count(u), 0u) << "empty UPDATE";
    for (const auto* list : {&u.withdrawn, &u.mp_unreach}) {
      for (const prefix& p : *list) {
        EXPECT_TRUE(peer.routes().contains(p)) << "withdraw of unknown " << p.to_string();
        EXPECT_TRUE(negotiated(ctx, p));
      }
    }
    for (const auto* list : {&u.nlri, &u.mp_reach}) {
      for (const prefix& p : *list) {
        auto it = peer.routes().find(p);
        EXPECT_TRUE(it == peer.routes().end() || *it->second.attrs != u.attrs)
            << "UPDATE for unchanged " << p.to_string();
        EXPECT_TRUE(negotiated(ctx, p));
      }
    }
    peer.apply(round_trip(u, ctx));
  }
}

void run(unsigned seed) {
  world w(seed);
  adj_rib_out rib;
  adj_rib_in peer;
  codec_context ctx = w.random_ctx();
  std::size_t steps = 20 + w.pick(60);
  for (std::size_t step = 0; step < steps; ++step) {
    switch (w.pick(7)) {
      case 0:
        rib.set(w.random_set());
        break;
      case 1:
      case 2: {
        const prefix& p = w.universe[w.pick(w.universe.size())];
        rib.announce(p, w.attrs_for(p));
        break;
      }
      case 3:
        rib.withdraw(w.universe[w.pick(w.universe.size())]);
        break;
      case 4:
        // A new session, maybe with other families: the peer starts empty.
        rib.reset();
        peer.clear();
        ctx = w.random_ctx();
        break;
      default:
        deliver(rib.next_updates(ctx, 1 + w.pick(3)), ctx, peer);
        break;
    }
  }
  for (;;) {
    auto updates = rib.next_updates(ctx, 1 + w.pick(3));
    if (updates.empty()) {
      break;
    }
    deliver(updates, ctx, peer);
  }

  std::size_t expected = 0;
  std::size_t other_families = 0;
  for (const auto& [p, attrs] : rib.desired()) {
    if (!negotiated(ctx, p)) {
      ++other_families;
      continue;
    }
    ++expected;
    auto it = peer.routes().find(p);
    ASSERT_NE(it, peer.routes().end()) << "seed " << seed << ": missing " << p.to_string();
    EXPECT_EQ(*it->second.attrs, *attrs) << "seed " << seed << ": " << p.to_string();
    ASSERT_TRUE(rib.sent().contains(p));
    EXPECT_TRUE(same_attributes(rib.sent().at(p), attrs));
  }
  EXPECT_EQ(peer.size(), expected) << "seed " << seed;
  EXPECT_EQ(rib.sent().size(), expected) << "seed " << seed;
  EXPECT_EQ(rib.pending_count(), other_families) << "seed " << seed;
  EXPECT_EQ(rib.sent_count(ipv4_unicast) + rib.sent_count(ipv6_unicast), expected);
}

TEST(adj_rib_out_property, peer_converges_to_desired_over_random_histories) {
  for (unsigned seed = 1; seed <= 300; ++seed) {
    run(seed);
    if (::testing::Test::HasFailure()) {
      FAIL() << "first failing seed " << seed;
    }
  }
}

}  // namespace
}  // namespace svcbgp::bgp
