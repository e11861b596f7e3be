#include "src/daemon/bfd_links.h"

namespace svcbgp::daemon {
namespace {

bgp::bfd::parameters parameters_of(const config::bfd_config& c) {
  bgp::bfd::parameters p;
  p.desired_min_tx = std::chrono::milliseconds(c.min_tx_ms);
  p.required_min_rx = std::chrono::milliseconds(c.min_rx_ms);
  p.detect_mult = static_cast<std::uint8_t>(c.multiplier);
  return p;
}

bgp::bfd_session_spec spec_of(const config::peer& p) {
  bgp::bfd_session_spec s;
  s.peer = p.bgp.address;
  s.local = p.bgp.source_address;
  s.multihop = p.bgp.ebgp_multihop > 1;  // RFC 5883 beyond the first hop
  s.params = parameters_of(p.bfd);
  return s;
}

}  // namespace

std::optional<std::string> bfd_hold(const config::bfd_config& c, bool ever_up, bgp::bfd::state s,
                                    bgp::bfd::diag d) {
  if (!c.enabled || s == bgp::bfd::state::up || (!c.strict && !ever_up)) {
    return std::nullopt;
  }
  std::string why = "BFD " + std::string(bgp::bfd::to_string(s));
  if (d != bgp::bfd::diag::none) {
    why += " (" + std::string(bgp::bfd::to_string(d)) + ")";
  }
  if (!ever_up) {
    why += ": waiting for BFD to come Up (bfd.strict)";
  }
  return why;
}

bfd_links::bfd_links(boost::asio::io_context& io, on_change cb,
                     std::function<void(std::string_view)> log)
    : io_(io), cb_(std::move(cb)), log_(std::move(log)) {}

bfd_links::~bfd_links() = default;

void bfd_links::sync(const std::vector<config::peer>& peers) {
  std::map<std::string, const config::peer*> wanted;
  for (const auto& p : peers) {
    if (p.bfd.enabled) {
      wanted[p.bgp.name] = &p;
    }
  }
  for (auto it = links_.begin(); it != links_.end();) {
    auto w = wanted.find(it->first);
    const bool same_path = w != wanted.end() && w->second->bgp.address == it->second.spec.peer &&
                           spec_of(*w->second).multihop == it->second.spec.multihop &&
                           w->second->bgp.source_address == it->second.spec.local;
    if (!same_path) {
      if (service_ && it->second.discriminator != 0) {
        service_->remove(it->second.discriminator);
      }
      it = links_.erase(it);
    } else {
      ++it;
    }
  }
  if (wanted.empty()) {
    return;
  }
  if (!service_ && unavailable_.empty()) {
    service_ = std::make_unique<bgp::bfd_service>(
        io_, bgp::bfd_service_options{.log = [log = log_](std::string_view m) {
          if (log) {
            log(m);
          }
        }});
    if (auto r = service_->start(); !r) {
      unavailable_ = r.error();
      service_.reset();
      if (log_) {
        log_(unavailable_);
      }
    }
  }
  for (const auto& [name, p] : wanted) {
    auto it = links_.find(name);
    if (it != links_.end()) {
      if (!(it->second.cfg == p->bfd)) {
        it->second.cfg = p->bfd;
        if (service_) {
          service_->set_parameters(it->second.discriminator, parameters_of(p->bfd));
        }
      }
      continue;
    }
    link l{p->bfd, spec_of(*p), 0, false, std::chrono::system_clock::now()};
    if (service_) {
      auto d = service_->add(l.spec, [this, name](const bgp::bfd::state_changed& c) {
        auto it = links_.find(name);
        if (it != links_.end()) {
          it->second.since = std::chrono::system_clock::now();
          it->second.ever_up = it->second.ever_up || c.to == bgp::bfd::state::up;
        }
        if (cb_) {
          cb_(name, c);
        }
      });
      if (d) {
        l.discriminator = *d;
      } else if (log_) {
        log_(d.error());
      }
    }
    links_.emplace(name, std::move(l));
  }
}

std::optional<std::string> bfd_links::hold(const config::peer& p) const {
  if (!p.bfd.enabled) {
    return std::nullopt;
  }
  auto it = links_.find(p.bgp.name);
  if (it == links_.end() || !service_ || it->second.discriminator == 0) {
    if (!p.bfd.strict) {
      return std::nullopt;
    }
    return "BFD unavailable: " + (unavailable_.empty() ? std::string("no session") : unavailable_);
  }
  const auto st = service_->status(it->second.discriminator);
  if (!st) {
    return std::nullopt;
  }
  return bfd_hold(p.bfd, it->second.ever_up, st->local, st->local_diag);
}

std::vector<bfd_link_status> bfd_links::sessions() const {
  std::vector<bfd_link_status> out;
  for (const auto& [name, l] : links_) {
    bfd_link_status s;
    s.peer = name;
    s.address = l.spec.peer;
    s.multihop = l.spec.multihop;
    s.ever_up = l.ever_up;
    s.since = l.since;
    if (service_ && l.discriminator != 0) {
      if (auto st = service_->status(l.discriminator)) {
        s.session = *st;
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void bfd_links::admin_down_all() {
  if (!service_) {
    return;
  }
  for (const auto& [name, l] : links_) {
    if (l.discriminator != 0) {
      service_->set_admin_down(l.discriminator, true);
    }
  }
}

bgp::bfd_counters bfd_links::counters() const {
  return service_ ? service_->counters() : bgp::bfd_counters{};
}

}  // namespace svcbgp::daemon
