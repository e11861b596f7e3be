// Adj-RIB-Out: diffing the desired set against what the peer holds, and packing the difference
// into the fewest UPDATEs (RFC 4271 §9.2), checked on the encoded bytes.
#include "bgp/rib/adj_rib_out.h"

#include <algorithm>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "tests/bgp/rib/rib_test_util.h"

namespace svcbgp::bgp {
namespace {

using namespace svcbgp::bgp::testing;

constexpr std::size_t all = 1'000'000;  // no message budget

route_set table(std::size_t n, bool v6, const attributes_ptr& attrs) {
  route_set r;
  r.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    r.emplace(v6 ? v6_host(static_cast<std::uint32_t>(i)) : v4_host(static_cast<std::uint32_t>(i)),
              attrs);
  }
  return r;
}

std::vector<update_message> drain(adj_rib_out& rib, const codec_context& ctx) {
  std::vector<update_message> out;
  for (;;) {
    auto batch = rib.next_updates(ctx, 7);
    if (batch.empty()) {
      return out;
    }
    std::move(batch.begin(), batch.end(), std::back_inserter(out));
  }
}

// Checks that the updates are within the size limit, carry exactly `expected` as announcements
// with `attrs`, and that every message but the last is full: one more prefix would not fit, which
// with equal-size prefixes means the count is the minimum.
void expect_minimal_announcements(const std::vector<update_message>& updates,
                                  const codec_context& ctx, const route_set& expected,
                                  const path_attributes& attrs) {
  std::set<prefix> seen;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const auto& u = updates[i];
    std::size_t size = 0;
    decoded d = round_trip(u, ctx, &size);
    const auto& back = std::get<update_message>(d.msg);
    EXPECT_EQ(back, u) << "message " << i;
    EXPECT_EQ(u.attrs, attrs);
    const auto& carried = u.nlri.empty() ? u.mp_reach : u.nlri;
    EXPECT_TRUE(std::is_sorted(carried.begin(), carried.end()));
    for (const prefix& p : carried) {
      EXPECT_TRUE(seen.insert(p).second) << p.to_string() << " sent twice";
      EXPECT_TRUE(expected.contains(p));
    }
    if (i + 1 < updates.size()) {
      update_message bigger = u;
      auto& list = bigger.nlri.empty() ? bigger.mp_reach : bigger.nlri;
      list.push_back(list.back());
      EXPECT_GT(encode(message{bigger}, ctx).size(), ctx.max_size()) << "message " << i;
    }
  }
  EXPECT_EQ(seen.size(), expected.size());
}

TEST(adj_rib_out, packs_10000_ipv4_hosts_into_the_minimum_number_of_updates) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  rib.set(table(10'000, false, attrs));
  auto updates = rib.next_updates(ctx, all);

  std::size_t base = update_base_size(*attrs, ipv4_unicast, ctx);
  std::size_t per_message = (max_message_size - base) / 5;
  EXPECT_EQ(updates.size(), ceil_div(10'000, per_message));
  expect_minimal_announcements(updates, ctx, rib.desired(), *attrs);
  EXPECT_FALSE(rib.has_pending());
  EXPECT_EQ(rib.sent(), rib.desired());
  EXPECT_EQ(rib.sent_count(ipv4_unicast), 10'000u);
}

TEST(adj_rib_out, packs_10000_ipv6_hosts_into_the_minimum_number_of_updates) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(true);
  adj_rib_out rib;
  rib.set(table(10'000, true, attrs));
  auto updates = rib.next_updates(ctx, all);

  std::size_t base = update_base_size(*attrs, ipv6_unicast, ctx);
  std::size_t per_message = (max_message_size - base) / 17;
  EXPECT_EQ(updates.size(), ceil_div(10'000, per_message));
  for (const auto& u : updates) {
    EXPECT_TRUE(u.nlri.empty());
    EXPECT_EQ(u.mp_reach_family, ipv6_unicast);
  }
  expect_minimal_announcements(updates, ctx, rib.desired(), *attrs);
  EXPECT_EQ(rib.sent_count(ipv6_unicast), 10'000u);
  EXPECT_EQ(rib.sent_count(ipv4_unicast), 0u);
}

TEST(adj_rib_out, fills_messages_to_exactly_the_limit) {
  // Attribute sets 4 bytes apart cover every remainder of (4096 - base) / 5, so one of them
  // packs /32s into exactly 4096 bytes.
  bool exact_seen = false;
  for (std::size_t extra = 0; extra < 5; ++extra) {
    auto ctx = make_ctx();
    auto attrs = make_attrs_ptr(false, 0, extra);
    adj_rib_out rib;
    rib.set(table(2000, false, attrs));
    auto updates = rib.next_updates(ctx, all);
    std::size_t base = update_base_size(*attrs, ipv4_unicast, ctx);
    EXPECT_EQ(updates.size(), ceil_div(2000, (max_message_size - base) / 5)) << extra;
    expect_minimal_announcements(updates, ctx, rib.desired(), *attrs);
    if ((max_message_size - base) % 5 == 0) {
      exact_seen = true;
      EXPECT_EQ(encode(message{updates[0]}, ctx).size(), max_message_size);
    }
  }
  EXPECT_TRUE(exact_seen);
}

TEST(adj_rib_out, extended_messages_need_fewer_updates) {
  for (bool v6 : {false, true}) {
    auto ctx = make_ctx({ipv4_unicast, ipv6_unicast}, true);
    auto attrs = make_attrs_ptr(v6);
    adj_rib_out rib;
    rib.set(table(10'000, v6, attrs));
    auto updates = rib.next_updates(ctx, all);
    std::size_t base = update_base_size(*attrs, v6 ? ipv6_unicast : ipv4_unicast, ctx);
    std::size_t per_message = (max_extended_message_size - base) / (v6 ? 17 : 5);
    EXPECT_EQ(updates.size(), ceil_div(10'000, per_message)) << "v6 " << v6;
    auto plain = make_ctx();
    adj_rib_out small;
    small.set(table(10'000, v6, attrs));
    EXPECT_LT(updates.size(), small.next_updates(plain, all).size());
    expect_minimal_announcements(updates, ctx, rib.desired(), *attrs);
  }
}

TEST(adj_rib_out, never_mixes_attribute_groups) {
  auto ctx = make_ctx();
  std::vector<attributes_ptr> groups{make_attrs_ptr(false, 1), make_attrs_ptr(false, 2),
                                     make_attrs_ptr(false, 3)};
  route_set desired;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    desired.emplace(v4_host(i), groups[i % 3]);
  }
  adj_rib_out rib;
  rib.set(desired);
  auto updates = rib.next_updates(ctx, all);

  std::size_t per_message =
      (max_message_size - update_base_size(*groups[0], ipv4_unicast, ctx)) / 5;
  EXPECT_EQ(updates.size(), 3 * ceil_div(1000, per_message));
  std::size_t total = 0;
  for (const auto& u : updates) {
    for (const prefix& p : u.nlri) {
      EXPECT_EQ(u.attrs, *desired.at(p)) << p.to_string();
    }
    total += u.nlri.size();
    round_trip(u, ctx);
  }
  EXPECT_EQ(total, 3000u);
}

TEST(adj_rib_out, equal_attributes_behind_different_pointers_share_updates) {
  auto ctx = make_ctx();
  route_set desired;
  for (std::uint32_t i = 0; i < 100; ++i) {
    desired.emplace(v4_host(i), make_attrs_ptr(false, 7));
  }
  adj_rib_out rib;
  rib.set(desired);
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri.size(), 100u);
  // Same values, so nothing to send when the set comes back with other pointers.
  route_set again;
  for (std::uint32_t i = 0; i < 100; ++i) {
    again.emplace(v4_host(i), make_attrs_ptr(false, 7));
  }
  rib.set(again);
  EXPECT_FALSE(rib.has_pending());
}

TEST(adj_rib_out, changing_one_prefix_communities_sends_one_update_with_that_prefix) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  route_set desired = table(1000, false, attrs);
  rib.set(desired);
  rib.next_updates(ctx, all);

  auto changed = std::make_shared<path_attributes>(*attrs);
  changed->communities.push_back(0xfde80001);
  desired[v4_host(42)] = changed;
  rib.set(desired);
  EXPECT_EQ(rib.pending_count(), 1u);
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri, std::vector<prefix>{v4_host(42)});
  EXPECT_TRUE(updates[0].withdrawn.empty());
  EXPECT_EQ(updates[0].attrs, *changed);
  EXPECT_EQ(*rib.sent().at(v4_host(42)), *changed);
}

TEST(adj_rib_out, identical_set_sends_nothing) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  rib.set(table(500, false, attrs));
  rib.next_updates(ctx, all);
  rib.set(table(500, false, attrs));
  EXPECT_FALSE(rib.has_pending());
  EXPECT_TRUE(rib.next_updates(ctx, all).empty());
}

TEST(adj_rib_out, withdraw_then_reannounce_of_a_sent_route_sends_nothing) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  rib.announce(v4_host(1), attrs);
  ASSERT_EQ(rib.next_updates(ctx, all).size(), 1u);
  rib.withdraw(v4_host(1));
  EXPECT_EQ(rib.pending_count(), 1u);
  rib.announce(v4_host(1), make_attrs_ptr(false));  // equal value, other pointer
  EXPECT_FALSE(rib.has_pending());
  EXPECT_TRUE(rib.next_updates(ctx, all).empty());
}

TEST(adj_rib_out, withdraw_then_reannounce_of_an_unsent_route_sends_one_announce) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false, 1);
  auto b = make_attrs_ptr(false, 2);
  adj_rib_out rib;
  rib.announce(v4_host(1), a);
  rib.withdraw(v4_host(1));
  EXPECT_FALSE(rib.has_pending());
  rib.announce(v4_host(1), b);
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri, std::vector<prefix>{v4_host(1)});
  EXPECT_EQ(updates[0].attrs, *b);
}

TEST(adj_rib_out, a_pending_announce_moves_to_its_new_attribute_group) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false, 1);
  auto b = make_attrs_ptr(false, 2);
  adj_rib_out rib;
  for (std::uint32_t i = 0; i < 10; ++i) {
    rib.announce(v4_host(i), a);
  }
  rib.announce(v4_host(3), b);
  EXPECT_EQ(rib.pending_count(), 10u);
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 2u);
  // Groups go out in first-pending order.
  EXPECT_EQ(updates[0].attrs, *a);
  EXPECT_EQ(updates[0].nlri.size(), 9u);
  EXPECT_EQ(updates[1].attrs, *b);
  EXPECT_EQ(updates[1].nlri, std::vector<prefix>{v4_host(3)});
}

TEST(adj_rib_out, churn_without_draining_sends_only_the_final_state) {
  auto ctx = make_ctx();
  std::vector<attributes_ptr> attrs{make_attrs_ptr(false, 1), make_attrs_ptr(false, 2),
                                    make_attrs_ptr(false, 3)};
  adj_rib_out rib;
  rib.set(table(100, false, attrs[0]));
  rib.next_updates(ctx, all);
  for (std::uint32_t round = 0; round < 2000; ++round) {
    prefix p = v4_host(round % 150);
    if (round % 7 == 0) {
      rib.withdraw(p);
    } else {
      rib.announce(p, attrs[round % 3]);
    }
  }
  EXPECT_LE(rib.pending_count(), 150u);
  auto updates = rib.next_updates(ctx, all);
  route_set peer = table(100, false, attrs[0]);
  for (const auto& u : updates) {
    for (const prefix& p : u.withdrawn) {
      EXPECT_EQ(peer.erase(p), 1u);
    }
    for (const prefix& p : u.nlri) {
      auto it = peer.find(p);
      EXPECT_TRUE(it == peer.end() || *it->second != u.attrs) << p.to_string();
      peer[p] = std::make_shared<const path_attributes>(u.attrs);
    }
  }
  ASSERT_EQ(peer.size(), rib.desired().size());
  for (const auto& [p, a] : rib.desired()) {
    EXPECT_EQ(*peer.at(p), *a);
  }
}

TEST(adj_rib_out, flip_flop_before_sending_sends_nothing) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false, 1);
  auto b = make_attrs_ptr(false, 2);
  adj_rib_out rib;
  rib.set(table(100, false, a));
  rib.next_updates(ctx, all);
  rib.set(table(100, false, b));
  EXPECT_EQ(rib.pending_count(), 100u);
  rib.set(table(100, false, a));
  EXPECT_FALSE(rib.has_pending());
  rib.set({});
  rib.set(table(100, false, a));
  EXPECT_TRUE(rib.next_updates(ctx, all).empty());
}

TEST(adj_rib_out, withdrawals_are_packed_minimally_and_come_first) {
  for (bool v6 : {false, true}) {
    auto ctx = make_ctx();
    auto attrs = make_attrs_ptr(v6);
    adj_rib_out rib;
    rib.set(table(10'000, v6, attrs));
    drain(rib, ctx);
    // Withdraw all 10,000 and announce one new route: withdrawals go out first.
    route_set next;
    prefix fresh = v6 ? v6_host(20'000) : v4_host(20'000);
    next.emplace(fresh, attrs);
    rib.set(next);
    auto updates = rib.next_updates(ctx, all);
    ASSERT_FALSE(updates.empty());
    family f = v6 ? ipv6_unicast : ipv4_unicast;
    std::size_t per_message = (max_message_size - withdraw_base_size(f)) / (v6 ? 17 : 5);
    std::size_t expected_withdraws = ceil_div(10'000, per_message);
    ASSERT_EQ(updates.size(), expected_withdraws + 1) << "v6 " << v6;
    std::set<prefix> withdrawn;
    for (std::size_t i = 0; i < expected_withdraws; ++i) {
      const auto& u = updates[i];
      const auto& list = v6 ? u.mp_unreach : u.withdrawn;
      EXPECT_TRUE(u.nlri.empty());
      EXPECT_TRUE(u.mp_reach.empty());
      withdrawn.insert(list.begin(), list.end());
      decoded d = round_trip(u, ctx);
      EXPECT_EQ(std::get<update_message>(d.msg), u);
      if (i + 1 < expected_withdraws) {
        update_message bigger = u;
        auto& l = v6 ? bigger.mp_unreach : bigger.withdrawn;
        l.push_back(l.back());
        EXPECT_GT(encode(message{bigger}, ctx).size(), ctx.max_size());
      }
    }
    EXPECT_EQ(withdrawn.size(), 10'000u);
    const auto& last = updates.back();
    EXPECT_EQ(v6 ? last.mp_reach : last.nlri, std::vector<prefix>{fresh});
    EXPECT_EQ(rib.sent().size(), 1u);
  }
}

TEST(adj_rib_out, families_not_negotiated_stay_pending) {
  auto v4_only = make_ctx({ipv4_unicast});
  adj_rib_out rib;
  rib.announce(v4_host(1), make_attrs_ptr(false));
  rib.announce(v6_host(1), make_attrs_ptr(true));
  auto updates = rib.next_updates(v4_only, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri, std::vector<prefix>{v4_host(1)});
  EXPECT_TRUE(rib.has_pending());
  EXPECT_EQ(rib.pending_count(), 1u);
  EXPECT_TRUE(rib.next_updates(v4_only, all).empty());
  EXPECT_FALSE(rib.sent().contains(v6_host(1)));

  // A later session that negotiates IPv6 sends it.
  auto updates6 = rib.next_updates(make_ctx(), all);
  ASSERT_EQ(updates6.size(), 1u);
  EXPECT_EQ(updates6[0].mp_reach, std::vector<prefix>{v6_host(1)});
  EXPECT_FALSE(rib.has_pending());
}

TEST(adj_rib_out, reset_resends_everything_and_drops_pending_withdrawals) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  rib.set(table(100, false, attrs));
  rib.next_updates(ctx, all);
  rib.withdraw(v4_host(0));
  rib.reset();
  EXPECT_TRUE(rib.sent().empty());
  EXPECT_EQ(rib.pending_count(), 99u);
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0].withdrawn.empty());
  EXPECT_EQ(updates[0].nlri.size(), 99u);
  EXPECT_EQ(rib.sent(), rib.desired());
}

TEST(adj_rib_out, message_budget_is_respected_and_resumes) {
  auto ctx = make_ctx();
  auto attrs = make_attrs_ptr(false);
  adj_rib_out rib;
  rib.set(table(10'000, false, attrs));
  std::vector<update_message> all_updates;
  for (;;) {
    auto batch = rib.next_updates(ctx, 2);
    ASSERT_LE(batch.size(), 2u);
    if (batch.empty()) {
      break;
    }
    all_updates.insert(all_updates.end(), batch.begin(), batch.end());
  }
  std::size_t per_message = (max_message_size - update_base_size(*attrs, ipv4_unicast, ctx)) / 5;
  EXPECT_EQ(all_updates.size(), ceil_div(10'000, per_message));
  expect_minimal_announcements(all_updates, ctx, rib.desired(), *attrs);
  EXPECT_TRUE(rib.next_updates(ctx, 0).empty());
}

TEST(adj_rib_out, output_does_not_depend_on_insertion_order) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false, 1);
  adj_rib_out forward;
  adj_rib_out backward;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    forward.announce(v4_net(i, 24), a);
    backward.announce(v4_net(1999 - i, 24), a);
  }
  EXPECT_EQ(forward.next_updates(ctx, all), backward.next_updates(ctx, all));
}

// A relist's worth of changes (the bulk path sizes its lists first) sends what announcing and
// withdrawing each changed prefix would: the changed routes, the rest untouched.
TEST(adj_rib_out, update_sends_what_per_prefix_changes_would) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false, 1);
  auto b = make_attrs_ptr(false, 2);
  for (std::size_t n : {10u, 5000u}) {
    route_set before = table(n, false, a);
    route_set after = table(2 * n, false, a);
    std::vector<prefix> changed;
    for (std::uint32_t i = 0; i < 2 * n; ++i) {
      if (i % 3 == 0) {
        after[v4_host(i)] = b;
      }
      if (i % 7 == 0) {
        after.erase(v4_host(i));
      }
      changed.push_back(v4_host(i));
    }
    adj_rib_out bulk;
    adj_rib_out each;
    bulk.set(before);
    each.set(before);
    drain(bulk, ctx);
    drain(each, ctx);
    bulk.update(after, changed);
    for (const auto& p : changed) {
      auto it = after.find(p);
      if (it == after.end()) {
        each.withdraw(p);
      } else {
        each.announce(p, it->second);
      }
    }
    EXPECT_EQ(bulk.pending_count(), each.pending_count()) << n;
    EXPECT_EQ(bulk.next_updates(ctx, all), each.next_updates(ctx, all)) << n;
    EXPECT_EQ(bulk.sent(), after) << n;
  }
}

TEST(adj_rib_out, mixed_prefix_lengths_fit_the_limit) {
  auto ctx = make_ctx();
  auto a = make_attrs_ptr(false);
  adj_rib_out rib;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    rib.announce(v4_net(i, static_cast<std::uint8_t>(16 + i % 17)), a);
  }
  std::size_t total = 0;
  for (const auto& u : rib.next_updates(ctx, all)) {
    round_trip(u, ctx);
    total += u.nlri.size();
  }
  EXPECT_EQ(total, rib.desired().size());
}

TEST(adj_rib_out, route_too_large_for_any_message_stays_pending) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  rib.announce(v4_host(1), make_attrs_ptr(false, 0, 1100));  // 4.4 KB of communities
  rib.announce(v4_host(2), make_attrs_ptr(false));
  auto updates = rib.next_updates(ctx, all);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri, std::vector<prefix>{v4_host(2)});
  EXPECT_EQ(rib.pending_count(), 1u);
  // With extended messages it fits.
  auto big = rib.next_updates(make_ctx({ipv4_unicast}, true), all);
  ASSERT_EQ(big.size(), 1u);
  round_trip(big[0], make_ctx({ipv4_unicast}, true));
}

TEST(adj_rib_out, end_of_rib_ipv4_is_an_empty_update_of_23_bytes) {
  auto ctx = make_ctx();
  auto u = adj_rib_out::end_of_rib(ipv4_unicast);
  auto bytes = encode(message{u}, ctx);
  ASSERT_EQ(bytes.size(), 23u);  // RFC 4724 §2: header + two zero lengths
  EXPECT_EQ(bytes[18], 2);       // UPDATE
  EXPECT_EQ(bytes[19], 0);
  EXPECT_EQ(bytes[20], 0);
  EXPECT_EQ(bytes[21], 0);
  EXPECT_EQ(bytes[22], 0);
  decoded d = round_trip(u, ctx);
  EXPECT_EQ(std::get<update_message>(d.msg).end_of_rib_family(), ipv4_unicast);
}

TEST(adj_rib_out, end_of_rib_ipv6_is_only_an_empty_mp_unreach) {
  auto ctx = make_ctx();
  auto u = adj_rib_out::end_of_rib(ipv6_unicast);
  auto bytes = encode(message{u}, ctx);
  ASSERT_GE(bytes.size(), 29u);
  EXPECT_EQ(bytes[18], 2);
  EXPECT_EQ(bytes[19], 0);  // no withdrawn routes
  EXPECT_EQ(bytes[20], 0);
  std::size_t attr_len = (bytes[21] << 8) | bytes[22];
  ASSERT_EQ(bytes.size(), 23 + attr_len);
  // One attribute: MP_UNREACH_NLRI with AFI 2, SAFI 1 and nothing else.
  std::uint8_t flags = bytes[23];
  EXPECT_EQ(bytes[24], attr_type::mp_unreach_nlri);
  std::size_t hdr = (flags & attr_flag::extended_length) ? 4 : 3;
  std::size_t value_len = hdr == 4 ? ((bytes[25] << 8) | bytes[26]) : bytes[25];
  EXPECT_EQ(value_len, 3u);
  EXPECT_EQ(attr_len, hdr + 3);
  std::vector<std::uint8_t> value(bytes.begin() + 23 + hdr, bytes.end());
  EXPECT_EQ(value, (std::vector<std::uint8_t>{0, 2, 1}));
  decoded d = round_trip(u, ctx);
  EXPECT_EQ(std::get<update_message>(d.msg).end_of_rib_family(), ipv6_unicast);
}

TEST(adj_rib_out, counts_follow_the_tables) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  rib.announce(v4_host(1), make_attrs_ptr(false));
  rib.announce(v6_host(1), make_attrs_ptr(true));
  rib.announce(v6_host(2), make_attrs_ptr(true));
  EXPECT_EQ(rib.pending_count(), 3u);
  EXPECT_EQ(rib.desired().size(), 3u);
  rib.next_updates(ctx, all);
  EXPECT_EQ(rib.sent_count(ipv4_unicast), 1u);
  EXPECT_EQ(rib.sent_count(ipv6_unicast), 2u);
  rib.withdraw(v6_host(2));
  rib.withdraw(v6_host(3));  // never announced: nothing to do
  EXPECT_EQ(rib.pending_count(), 1u);
  rib.next_updates(ctx, all);
  EXPECT_EQ(rib.sent_count(ipv6_unicast), 1u);
}

TEST(adj_rib_out, is_movable) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  rib.announce(v4_host(1), make_attrs_ptr(false));
  adj_rib_out moved = std::move(rib);
  EXPECT_EQ(moved.next_updates(ctx, all).size(), 1u);
  adj_rib_out other;
  other = std::move(moved);
  EXPECT_EQ(other.sent().size(), 1u);
}

TEST(adj_rib_out, a_large_group_goes_out_in_prefix_order_whatever_the_lengths) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  auto attrs = make_attrs_ptr(false);
  std::mt19937 rng(7);
  std::set<prefix> want;
  for (int i = 0; i < 3000; ++i) {
    const auto len = static_cast<std::uint8_t>(8 + rng() % 25);
    const prefix p = prefix{ip_address::v4(static_cast<std::uint32_t>(rng())), 32}.truncated(len);
    want.insert(p);
    rib.announce(p, attrs);
  }
  std::vector<prefix> order;
  for (const auto& u : drain(rib, ctx)) {
    order.insert(order.end(), u.nlri.begin(), u.nlri.end());
  }
  EXPECT_EQ(order, std::vector<prefix>(want.begin(), want.end()));
}

// An exporter that sets the IPv4 next hop to `nh` and cannot send IPv6 (no IPv6 next hop).
adj_rib_out::exporter next_hop_v4_only(std::uint32_t nh, int* calls = nullptr) {
  return [nh, calls](const path_attributes& a, family f) -> attributes_ptr {
    if (calls != nullptr) {
      ++*calls;
    }
    if (f != ipv4_unicast) {
      return nullptr;
    }
    auto out = a;
    out.next_hop = ip_address::v4(nh);
    return std::make_shared<const path_attributes>(std::move(out));
  };
}

TEST(adj_rib_out, sends_what_the_exporter_makes_of_each_route_once_per_set) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  int calls = 0;
  rib.set_exporter(next_hop_v4_only(0xc0000263u, &calls));  // 192.0.2.99
  auto engine = make_attrs_ptr(false);
  rib.set(table(1000, false, engine));
  rib.announce(v6_host(1), make_attrs_ptr(true));
  EXPECT_EQ(calls, 2);  // one per (set, family), not one per prefix
  EXPECT_EQ(rib.desired_count(), 1000u);
  EXPECT_EQ(rib.unexportable_count(), 1u);
  auto updates = drain(rib, ctx);
  auto expected = make_attrs(false);
  expected.next_hop = ip_address::v4(0xc0000263u);
  expect_minimal_announcements(updates, ctx, rib.desired(), expected);
  EXPECT_EQ(rib.sent_count(ipv4_unicast), 1000u);
  EXPECT_EQ(rib.sent_count(ipv6_unicast), 0u);
}

TEST(adj_rib_out, a_new_exporter_resends_only_what_changed_on_the_wire) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  rib.set_exporter(next_hop_v4_only(0xc0000263u));
  rib.set(table(10, false, make_attrs_ptr(false)));
  drain(rib, ctx);
  // Same output: nothing to send.
  rib.set_exporter(next_hop_v4_only(0xc0000263u));
  EXPECT_FALSE(rib.has_pending());
  // A new next hop: every route again, with it.
  rib.set_exporter(next_hop_v4_only(0xc0000264u));
  EXPECT_EQ(rib.pending_count(), 10u);
  auto updates = drain(rib, ctx);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].attrs.next_hop, ip_address::v4(0xc0000264u));
  // An exporter that can send nothing withdraws everything.
  rib.set_exporter([](const path_attributes&, family) { return attributes_ptr{}; });
  updates = drain(rib, ctx);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].withdrawn.size(), 10u);
  EXPECT_EQ(rib.sent_count(), 0u);
  EXPECT_EQ(rib.unexportable_count(), 10u);
  EXPECT_EQ(rib.desired_count(), 0u);
}

TEST(adj_rib_out, reset_with_an_exporter_resends_everything_with_it) {
  auto ctx = make_ctx();
  adj_rib_out rib;
  rib.set_exporter(next_hop_v4_only(0xc0000263u));
  rib.set(table(5, false, make_attrs_ptr(false)));
  drain(rib, ctx);
  rib.reset(next_hop_v4_only(0xc0000263u));  // a new session: the peer holds nothing
  EXPECT_EQ(rib.sent_count(), 0u);
  EXPECT_EQ(rib.pending_count(), 5u);
  auto updates = drain(rib, ctx);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].nlri.size(), 5u);
  EXPECT_EQ(rib.sent(), rib.desired());
}

}  // namespace
}  // namespace svcbgp::bgp
