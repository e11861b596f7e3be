// svcbgpc's renderers against golden files, from the fake daemon's data converted as the admin
// server converts it; JSON output parsed back and compared with the same messages.
#include "src/cli/render.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "src/admin/convert.h"
#include "tests/admin/fake_control.h"
#include "tests/cli/golden.h"

namespace svcbgp::testing {
namespace {

namespace v1 = ::svcbgp::admin::v1;
using namespace std::chrono_literals;

// Far from the fixture's day: "Since" columns print the date, as they do in the end-to-end
// tests (which run today).
const auto later = fixture_time() + 400 * 24h;

// The messages the admin server would send, built with the same conversions.
class data {
 public:
  v1::GetStatusResponse status() {
    v1::GetStatusResponse s;
    admin::to_proto(fake_.status(), &s);
    admin::set_time(s.mutable_server_time(), fixture_time(3'600'123));
    return s;
  }

  v1::ListPeersResponse peers(bool detail, const std::string& only = "") {
    const auto a = admin::collect_peers(fake_, detail, only.empty() ? nullptr : &only);
    v1::ListPeersResponse out;
    for (std::size_t i = 0; i < a.peers.size(); ++i) {
      admin::to_proto(a, i, out.add_peers());
    }
    return out;
  }

  v1::ListRoutesResponse routes(const admin::route_query& q, bool count_only = false) {
    v1::ListRoutesResponse out;
    const auto rs = fake_.routes(q);
    if (!count_only) {
      for (const auto& r : rs) {
        admin::to_proto(r, out.add_routes());
      }
    }
    for (const auto& c : admin::count_routes(rs, q.exported, q.received)) {
      *out.add_counts() = c;
    }
    return out;
  }

  v1::ListServicesResponse services(const std::optional<k8s::object_key>& only = std::nullopt,
                                    const char* ip = nullptr) {
    v1::ListServicesResponse out;
    for (const auto& d : fake_.services(only)) {
      if (ip != nullptr && d.ip.to_string() != ip) {
        continue;
      }
      admin::to_proto(d, out.add_services());
    }
    return out;
  }

  v1::ListBfdSessionsResponse bfd_sessions() {
    v1::ListBfdSessionsResponse out;
    for (const auto& s : fake_.bfd_sessions()) {
      admin::to_proto(s, out.add_sessions());
    }
    return out;
  }

  v1::ReloadConfigResponse reload(bool broken) {
    fake_.config_broken = broken;
    const auto r = fake_.reload(true);
    v1::ReloadConfigResponse out;
    out.set_ok(r.ok);
    for (const auto& e : r.errors) {
      out.add_errors(e);
    }
    for (const auto& c : r.changes) {
      out.add_changes(c);
    }
    out.set_config_path(fake_.status().config_path);
    return out;
  }

 private:
  fake_control fake_;
};

admin::route_query only_peer(const char* peer, bool exported) {
  admin::route_query q;
  q.peer = peer;
  q.exported = exported;
  q.received = !exported;
  return q;
}

// The text of every golden command, rendered from `d`.
std::string render(const std::string& name, data& d) {
  if (name == "status") {
    return cli::render_status(d.status());
  }
  if (name == "protocols") {
    return cli::render_protocols(d.peers(false), false, later);
  }
  if (name == "protocols_all") {
    return cli::render_protocols(d.peers(true), true, later);
  }
  if (name == "protocols_all_tor1") {
    return cli::render_protocols(d.peers(true, "tor1"), true, later);
  }
  if (name == "route") {
    return cli::render_routes(d.routes({}), false, false, later);
  }
  if (name == "route_all") {
    return cli::render_routes(d.routes({}), true, false, later);
  }
  if (name == "route_count") {
    return cli::render_route_count(d.routes({}, true));
  }
  if (name == "route_for") {
    admin::route_query q;
    q.for_ip = bgp::ip_address::parse("10.96.0.1");
    return cli::render_routes(d.routes(q), false, true, later) +
           cli::render_ip_owner(d.services(std::nullopt, "10.96.0.1"), "10.96.0.1");
  }
  if (name == "route_protocol_tor1_all") {
    return cli::render_routes(d.routes(only_peer("tor1", false)), true, false, later);
  }
  if (name == "route_export_tor1_count") {
    return cli::render_route_count(d.routes(only_peer("tor1", true), true));
  }
  if (name == "services") {
    return cli::render_services(d.services());
  }
  if (name == "services_shop_web") {
    return cli::render_services(d.services(k8s::object_key{"shop", "web"}));
  }
  if (name == "bfd_sessions") {
    return cli::render_bfd_sessions(d.bfd_sessions(), later);
  }
  if (name == "configure_check") {
    return cli::render_reload(d.reload(false), true);
  }
  ADD_FAILURE() << "no renderer for " << name;
  return {};
}

class golden_test : public ::testing::TestWithParam<golden_case> {};

TEST_P(golden_test, matches_the_golden_file) {
  data d;
  expect_golden(GetParam().name, render(GetParam().name, d));
}

INSTANTIATE_TEST_SUITE_P(commands, golden_test, ::testing::ValuesIn(golden_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(render, a_tenants_escape_sequence_never_reaches_the_terminal) {
  // Issue 13: an annotation value with an escape sequence came out raw in `show services`.
  v1::ListServicesResponse r;
  auto* d = r.add_services();
  d->set_namespace_("team-a");
  d->set_name("web");
  d->set_kind("LoadBalancerIP");
  d->set_ip("198.51.100.7");
  d->set_traffic_policy("Cluster");
  d->set_reason("bad_annotation");
  d->set_detail("svcbgp.io/communities: '\x1b[31mred\x1b[0m' is not a community");
  const auto out = cli::render_services(r);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_NE(out.find("'\\x1b[31mred\\x1b[0m'"), std::string::npos) << out;
}

TEST(render, configure_check_with_errors) {
  data d;
  expect_golden("configure_check_broken", cli::render_reload(d.reload(true), true));
}

// BIRD 2's TM_ISO_SHORT_MS: "%T.%3f" while less than 20 hours old, "%F" after, whatever the
// calendar day (a session up since 23:00 still shows its time at 08:00).
TEST(render, since_is_a_time_within_20_hours_and_a_date_after) {
  google::protobuf::Timestamp ts;
  admin::set_time(&ts, fixture_time(1500));
  EXPECT_EQ(cli::format_since(ts, fixture_time(3h / 1ms)), "10:00:01.500");
  EXPECT_EQ(cli::format_since(ts, fixture_time(1500) + 20h - 1ms), "10:00:01.500");
  EXPECT_EQ(cli::format_since(ts, fixture_time(1500) + 20h), "2024-01-31");
  EXPECT_EQ(cli::format_since(ts, later), "2024-01-31");
  EXPECT_EQ(cli::format_time(ts), "2024-01-31 10:00:01.500");
}

TEST(render, protocols_line_has_birds_columns) {
  data d;
  const auto text = cli::render_protocols(d.peers(false), false, fixture_time(3h / 1ms));
  // BIRD 2: "%-10s %-10s %-10s %-5s  %-12s  %s"; Info is the FSM state, padded to 14.
  EXPECT_NE(text.find("tor1       BGP        ---        up     10:00:01.500  Established\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tor2       BGP        ---        start  10:01:01.250  Active        "
                      "Received: Cease/Administrative Shutdown: \"maintenance\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tor3       BGP        ---        down   10:02:00.000\n"), std::string::npos)
      << text;
}

TEST(render, a_held_peer_is_down_and_says_why) {
  data d;
  auto peers = d.peers(false);
  auto* p = peers.mutable_peers(0);
  p->set_held("node not selected: its labels do not match node_selector rack=r1");
  p->set_state(v1::SESSION_STATE_IDLE);
  p->set_state_name("Idle");
  const auto text = cli::render_protocols(peers, false, fixture_time(3h / 1ms));
  EXPECT_NE(text.find("tor1       BGP        ---        down   10:00:01.500  Held: node not "
                      "selected: its labels do not match node_selector rack=r1\n"),
            std::string::npos)
      << text;
  const auto all = cli::render_protocols(peers, true, fixture_time(3h / 1ms));
  EXPECT_NE(all.find("  BGP state:          Down\n    Held:             node not selected"),
            std::string::npos)
      << all;
}

// --json prints the same data: parsing the JSON back gives the very message rendered as text.
template <typename M>
void expect_json_round_trip(const M& m) {
  const auto json = cli::to_json(m);
  M back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok()) << json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(m, back)) << json;
}

TEST(render, json_carries_the_same_data) {
  data d;
  expect_json_round_trip(d.status());
  expect_json_round_trip(d.peers(true));
  expect_json_round_trip(d.routes({}));
  expect_json_round_trip(d.routes({}, true));
  expect_json_round_trip(d.services());
  expect_json_round_trip(d.reload(true));
  const auto json = cli::to_json(d.peers(false));
  EXPECT_NE(json.find("\"state_name\": \"Established\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"routes_received_stale\": \"1\""), std::string::npos) << json;
}

}  // namespace
}  // namespace svcbgp::testing
