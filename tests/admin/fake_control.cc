#include "tests/admin/fake_control.h"

#include <algorithm>

#include "bgp/codec/ext_community.h"

namespace svcbgp::testing {

namespace {

bgp::ip_address ip(const char* text) {
  return *bgp::ip_address::parse(text);
}
bgp::prefix pfx(const char* text) {
  return *bgp::prefix::parse(text);
}

bgp::attributes_ptr exported_attrs(bool v6) {
  bgp::path_attributes a;
  a.origin = bgp::origin_type::igp;
  a.path = bgp::as_path{{{bgp::as_path_segment::kind::as_sequence, {64512}}}};
  if (v6) {
    a.mp_next_hop = ip("fd99:1::2");
  } else {
    a.next_hop = ip("10.0.0.2");
  }
  a.communities = {(65000u << 16) | 100u};
  a.large_communities = {{64512, 1, 2}};
  a.extended_communities = {bgp::link_bandwidth(64512, 125'000'000.0f, false)};  // weighted ECMP
  return std::make_shared<const bgp::path_attributes>(std::move(a));
}

bgp::attributes_ptr received_attrs() {
  bgp::path_attributes a;
  a.origin = bgp::origin_type::igp;
  a.path = bgp::as_path{{{bgp::as_path_segment::kind::as_sequence, {65000, 65100}}}};
  a.next_hop = ip("10.0.0.1");
  a.med = 0;
  return std::make_shared<const bgp::path_attributes>(std::move(a));
}

bgp::peer_status make_peer(const char* name, const char* address, std::uint32_t asn) {
  bgp::peer_status p;
  p.config.name = name;
  p.config.address = ip(address);
  p.config.asn = asn;
  p.config.families = {bgp::ipv4_unicast, bgp::ipv6_unicast};
  return p;
}

engine::decision make_decision(const char* ns, const char* name, engine::ip_kind kind,
                               const char* address, bool announced, engine::reason why,
                               const char* as, k8s::traffic_policy policy, std::uint32_t ready,
                               std::uint32_t local_ready, std::uint32_t local_draining) {
  engine::decision d;
  d.service = {ns, name};
  d.kind = kind;
  d.ip = ip(address);
  d.announced = announced;
  d.why = why;
  if (as != nullptr) {
    d.announced_as = pfx(as);
  }
  d.policy = policy;
  d.ready_endpoints = ready;
  d.local_ready = local_ready;
  d.local_draining = local_draining;
  return d;
}

}  // namespace

std::chrono::system_clock::time_point fixture_time(std::int64_t ms) {
  // 2024-01-31T10:00:00Z
  return std::chrono::system_clock::time_point(std::chrono::seconds(1706695200)) +
         std::chrono::milliseconds(ms);
}

fake_control::fake_control() {
  // tor1: eBGP, Established, both families.
  auto tor1 = make_peer("tor1", "10.0.0.1", 65000);
  tor1.state = bgp::fsm::state::established;
  tor1.since = fixture_time(1500);
  tor1.local_address = ip("10.0.0.2");
  bgp::fsm::negotiated n;
  n.peer_open.my_as = 65000;
  n.peer_open.hold_time = 90;
  n.peer_open.bgp_identifier = 0x0a000001;
  n.peer_open.caps.multiprotocol = {bgp::ipv4_unicast, bgp::ipv6_unicast};
  n.peer_open.caps.route_refresh = true;
  n.peer_open.caps.enhanced_route_refresh = true;
  n.peer_open.caps.four_octet_as = 65000;
  bgp::graceful_restart_cap gr;
  gr.restart_time = 120;
  gr.families = {{bgp::ipv4_unicast, false}, {bgp::ipv6_unicast, false}};
  n.peer_open.caps.graceful_restart = gr;
  n.peer_as = 65000;
  n.peer_identifier = 0x0a000001;
  n.hold_time = std::chrono::seconds(90);
  n.keepalive_time = std::chrono::seconds(30);
  n.four_octet_as = true;
  n.route_refresh = true;
  n.families = {bgp::ipv4_unicast, bgp::ipv6_unicast};
  n.peer_graceful_restart = gr;
  tor1.session = n;
  tor1.hold_timer_left = std::chrono::milliseconds(66'677);
  tor1.keepalive_timer_left = std::chrono::milliseconds(7'050);
  tor1.sent = {1, 4, 0, 120, 0};
  tor1.received = {1, 3, 0, 121, 1};
  tor1.routes_exported = 3;
  tor1.routes_sent = 3;
  tor1.routes_received = 2;
  tor1.routes_received_stale = 1;
  tor1.end_of_rib_sent = true;
  tor1.end_of_rib_received = true;

  // tor2: iBGP, Active after the peer shut the session down.
  auto tor2 = make_peer("tor2", "10.0.0.5", 64512);
  tor2.config.families = {bgp::ipv4_unicast};
  tor2.state = bgp::fsm::state::active;
  tor2.since = fixture_time(61'250);
  tor2.last_error = "Received: Cease/Administrative Shutdown: \"maintenance\"";
  tor2.sent = {2, 1, 0, 10, 0};
  tor2.received = {2, 0, 1, 10, 0};

  // tor3: disabled by the operator.
  auto tor3 = make_peer("tor3", "fd99:3::1", 65003);
  tor3.config.enabled = false;
  tor3.config.port = 1179;
  tor3.since = fixture_time(120'000);

  peers_ = {tor1, tor2, tor3};

  const auto since = tor1.since;
  routes_ = {
      {pfx("10.96.0.0/12"), "tor1", true, exported_attrs(false), false, since},
      {pfx("198.51.100.10/32"), "tor1", true, exported_attrs(false), false, since},
      {pfx("fd00:10:96::/112"), "tor1", true, exported_attrs(true), false, since},
      {pfx("0.0.0.0/0"), "tor1", false, received_attrs(), false, since},
      {pfx("10.1.0.0/16"), "tor1", false, received_attrs(), true, since},
  };

  using k = engine::ip_kind;
  using r = engine::reason;
  decisions_ = {
      make_decision("default", "kubernetes", k::cluster_ip, "10.96.0.1", true,
                    r::announced_aggregate, "10.96.0.0/12", k8s::traffic_policy::cluster, 3, 1, 0),
      make_decision("shop", "db", k::external_ip, "192.0.2.5", false, r::no_local_endpoints,
                    nullptr, k8s::traffic_policy::local, 1, 0, 0),
      make_decision("shop", "web", k::cluster_ip, "10.96.12.7", true, r::announced_aggregate,
                    "10.96.0.0/12", k8s::traffic_policy::local, 3, 2, 1),
      make_decision("shop", "web", k::load_balancer_ip, "198.51.100.10", true, r::announced,
                    "198.51.100.10/32", k8s::traffic_policy::local, 3, 2, 1),
  };
  decisions_.back().weight = 2;  // weighted ECMP: its 2 ready local endpoints
}

void fake_control::check_thread() {
  const auto want = io_thread.load();
  if (want != std::thread::id{} && want != std::this_thread::get_id()) {
    ++wrong_thread_calls;
  }
}

admin::daemon_status fake_control::status() {
  check_thread();
  admin::daemon_status s;
  s.version = "0.1.0";
  s.node_name = "node-a";
  s.router_id = "10.0.0.2";
  s.local_asn = 64512;
  s.started = fixture_time();
  s.last_reconfigured = fixture_time(250);
  s.config_path = "/etc/svcbgp/svcbgp.yaml";
  s.sources = {
      {"services", true, "watching", "81234", 42, 0, 17, std::nullopt},
      {"endpointslices", true, "watching", "81240", 57, 1, 230, std::nullopt},
      {"nodes", true, "watching", "81001", 1, 0, 3, std::nullopt},
  };
  s.ready = true;
  s.graceful_restart = true;
  s.restart_time = 120;
  return s;
}

std::vector<bgp::peer_status> fake_control::peers() {
  check_thread();
  std::lock_guard lock(mutex_);
  return peers_;
}

bool fake_control::enable_peer(const std::string& name) {
  check_thread();
  std::lock_guard lock(mutex_);
  for (auto& p : peers_) {
    if (p.config.name == name) {
      p.config.enabled = true;
      calls_.push_back({"enable", name, "", false, false});
      return true;
    }
  }
  return false;
}

bool fake_control::disable_peer(const std::string& name, const std::string& message) {
  check_thread();
  std::lock_guard lock(mutex_);
  for (auto& p : peers_) {
    if (p.config.name == name) {
      p.config.enabled = false;
      calls_.push_back({"disable", name, message, false, false});
      return true;
    }
  }
  return false;
}

bool fake_control::reset_peer(const std::string& name, bool hard, bool in) {
  check_thread();
  std::lock_guard lock(mutex_);
  for (auto& p : peers_) {
    if (p.config.name == name) {
      calls_.push_back({"reset", name, "", hard, in});
      return true;
    }
  }
  return false;
}

std::vector<admin::route_entry> fake_control::routes(const admin::route_query& q) {
  check_thread();
  std::lock_guard lock(mutex_);
  std::vector<admin::route_entry> out;
  std::uint8_t longest = 0;
  if (q.for_ip) {
    for (const auto& r : routes_) {
      if (r.pfx.contains(*q.for_ip)) {
        longest = std::max(longest, r.pfx.length);
      }
    }
  }
  for (const auto& r : routes_) {
    if ((r.exported && !q.exported) || (!r.exported && !q.received)) {
      continue;
    }
    if (q.peer && r.peer != *q.peer) {
      continue;
    }
    if (q.pfx && r.pfx != *q.pfx) {
      continue;
    }
    if (q.for_ip && (!r.pfx.contains(*q.for_ip) || r.pfx.length != longest)) {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

// tor1's BFD is Up at 300 ms x 3; tor2's went Down when its detection time passed.
std::vector<admin::bfd_session_info> fake_control::bfd_sessions() {
  check_thread();
  admin::bfd_session_info up;
  up.peer = "tor1";
  up.address = ip("10.0.0.1");
  up.state = "Up";
  up.remote_state = "Up";
  up.diagnostic = "No Diagnostic";
  up.since = fixture_time(1200);
  up.transmit_interval = std::chrono::milliseconds(300);
  up.detect_time = std::chrono::milliseconds(900);
  up.local_discriminator = 0x1001;
  up.remote_discriminator = 7;
  admin::bfd_session_info down;
  down.peer = "tor2";
  down.address = ip("fd99:1::1");
  down.state = "Down";
  down.remote_state = "Down";
  down.diagnostic = "Control Detection Time Expired";
  down.since = fixture_time(61'000);
  down.transmit_interval = std::chrono::seconds(1);
  down.local_discriminator = 0x1002;
  return {up, down};
}

std::vector<engine::decision> fake_control::services(const std::optional<k8s::object_key>& only) {
  check_thread();
  std::vector<engine::decision> out;
  for (const auto& d : decisions_) {
    if (!only || d.service == *only) {
      out.push_back(d);
    }
  }
  return out;
}

admin::reload_result fake_control::reload(bool check_only) {
  check_thread();
  admin::reload_result r;
  if (config_broken) {
    r.ok = false;
    r.errors = {"peers[1].asn: must be 1..4294967295", "advertise.local_pref: not a number"};
    return r;
  }
  r.changes = {"peer tor4 added", "peer tor1 reset (hold_time changed)"};
  if (!check_only) {
    std::lock_guard lock(mutex_);
    calls_.push_back({"reload", "", "", false, false});
  }
  return r;
}

void fake_control::shutdown() {
  check_thread();
  shutdown_called = true;
}

std::shared_ptr<void> fake_control::subscribe(std::function<void(const admin::daemon_event&)> cb) {
  check_thread();
  std::lock_guard lock(mutex_);
  const int id = next_subscriber_++;
  subscribers_[id] = std::move(cb);
  // The handle's deleter unsubscribes (on the thread that drops it: the io thread).
  return std::shared_ptr<void>(new int(id), [this](void* p) {
    auto* idp = static_cast<int*>(p);
    check_thread();
    std::lock_guard l(mutex_);
    subscribers_.erase(*idp);
    delete idp;
  });
}

void fake_control::emit(const admin::daemon_event& e) {
  check_thread();
  std::vector<std::function<void(const admin::daemon_event&)>> cbs;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, cb] : subscribers_) {
      cbs.push_back(cb);
    }
  }
  for (const auto& cb : cbs) {
    cb(e);
  }
}

std::size_t fake_control::subscribers() {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::vector<fake_control::call> fake_control::calls() {
  std::lock_guard lock(mutex_);
  return calls_;
}

}  // namespace svcbgp::testing
