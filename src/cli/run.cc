#include "src/cli/run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "src/cli/render.h"

namespace svcbgp::cli {

std::optional<std::string> socket_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return "no such file (is svcbgpd running?)";
    }
    if (errno == EACCES) {
      return "permission denied (the socket is mode 0600: run svcbgpc as root)";
    }
    return std::strerror(errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return "not a socket";
  }
  if (::access(path.c_str(), R_OK | W_OK) != 0) {
    if (errno == EACCES) {
      return "permission denied (the socket is mode 0600: run svcbgpc as root)";
    }
    return std::strerror(errno);
  }
  return std::nullopt;
}

namespace {

// Prints a failed call and returns its exit code.
int failed(const call_error& e, const run_options& o, std::ostream& err) {
  if (e.unreachable()) {
    err << "svcbgpc: cannot connect to svcbgpd at " << o.socket << ": " << e.message << '\n';
    return exit_unreachable;
  }
  err << "svcbgpc: " << printable(e.message) << '\n';
  return exit_failed;
}

template <typename T>
int print(const result<T>& r, const run_options& o, std::ostream& out, std::ostream& err,
          const auto& text) {
  if (!r) {
    return failed(r.error(), o, err);
  }
  out << (o.json ? to_json(*r) : text(*r));
  return exit_ok;
}

const auto now = [] { return std::chrono::system_clock::now(); };

int show_route(const command& c, admin_client& client, const run_options& o, std::ostream& out,
               std::ostream& err) {
  v1::ListRoutesRequest req;
  if (!c.for_ip.empty()) {
    // `for PREFIX`: the longest match of its address.
    req.set_for_ip(c.for_ip.substr(0, c.for_ip.find('/')));
  }
  req.set_prefix(c.prefix);
  if (!c.export_peer.empty()) {
    req.set_peer(c.export_peer);
    req.set_direction(v1::ROUTE_DIRECTION_EXPORTED);
  } else if (!c.protocol_peer.empty()) {
    req.set_peer(c.protocol_peer);
    req.set_direction(v1::ROUTE_DIRECTION_RECEIVED);
  }
  req.set_count_only(c.count);
  auto routes = client.list_routes(req);
  if (!routes) {
    return failed(routes.error(), o, err);
  }
  if (c.for_ip.empty()) {
    out << (o.json    ? to_json(*routes)
            : c.count ? render_route_count(*routes)
                      : render_routes(*routes, c.detail, !c.prefix.empty(), now()));
    return exit_ok;
  }
  // `for IP` also says which service the IP belongs to.
  v1::ListServicesRequest sreq;
  sreq.set_ip(req.for_ip());
  auto services = client.list_services(sreq);
  if (!services) {
    return failed(services.error(), o, err);
  }
  if (o.json) {
    std::string routes_json = to_json(*routes);
    std::string services_json = to_json(*services);
    out << "{\n\"routes\": " << routes_json << ",\n\"services\": " << services_json << "}\n";
    return exit_ok;
  }
  out << (c.count ? render_route_count(*routes) : render_routes(*routes, c.detail, true, now()));
  out << render_ip_owner(*services, req.for_ip());
  return exit_ok;
}

}  // namespace

int execute(const command& c, admin_client& client, const run_options& o, std::ostream& out,
            std::ostream& err) {
  switch (c.what) {
    case verb::help:
      out << help_text();
      return exit_ok;
    case verb::quit:
      return exit_ok;
    case verb::show_status:
      return print(client.get_status(), o, out, err,
                   [](const auto& r) { return render_status(r); });
    case verb::show_protocols:
      if (!c.name.empty()) {
        return print(client.get_peer(c.name), o, out, err, [&](const v1::GetPeerResponse& r) {
          v1::ListPeersResponse one;
          *one.add_peers() = r.peer();
          return render_protocols(one, c.detail, now());
        });
      }
      return print(client.list_peers(c.detail), o, out, err,
                   [&](const auto& r) { return render_protocols(r, c.detail, now()); });
    case verb::show_route:
      return show_route(c, client, o, out, err);
    case verb::show_bfd_sessions:
      return print(client.list_bfd_sessions(), o, out, err,
                   [&](const auto& r) { return render_bfd_sessions(r, now()); });
    case verb::show_services: {
      v1::ListServicesRequest req;
      if (!c.name.empty()) {
        const auto slash = c.name.find('/');
        req.set_namespace_(c.name.substr(0, slash));
        req.set_name(c.name.substr(slash + 1));
      }
      return print(client.list_services(req), o, out, err,
                   [](const auto& r) { return render_services(r); });
    }
    case verb::enable: {
      v1::EnablePeerRequest req;
      req.set_name(c.name);
      req.set_all(c.all_peers);
      return print(client.enable_peer(req), o, out, err,
                   [](const auto& r) { return render_peer_action(r.peers(), "enabled"); });
    }
    case verb::disable: {
      v1::DisablePeerRequest req;
      req.set_name(c.name);
      req.set_all(c.all_peers);
      req.set_message(c.message);
      return print(client.disable_peer(req), o, out, err,
                   [](const auto& r) { return render_peer_action(r.peers(), "disabled"); });
    }
    case verb::restart: {
      v1::ResetPeerRequest req;
      req.set_name(c.name);
      req.set_all(c.all_peers);
      req.set_kind(v1::RESET_KIND_HARD);
      return print(client.reset_peer(req), o, out, err,
                   [](const auto& r) { return render_peer_action(r.peers(), "restarted"); });
    }
    case verb::reload: {
      v1::ResetPeerRequest req;
      req.set_name(c.name);
      req.set_all(c.all_peers);
      if (c.direction != reload_direction::out) {
        req.set_kind(v1::RESET_KIND_SOFT_IN);
        auto r = client.reset_peer(req);
        if (!r || c.direction == reload_direction::in) {
          return print(r, o, out, err,
                       [](const auto& x) { return render_peer_action(x.peers(), "reloading"); });
        }
      }
      req.set_kind(v1::RESET_KIND_SOFT_OUT);
      return print(client.reset_peer(req), o, out, err,
                   [](const auto& r) { return render_peer_action(r.peers(), "reloading"); });
    }
    case verb::configure: {
      auto r = client.reload_config(c.check);
      const int code =
          print(r, o, out, err, [&](const auto& x) { return render_reload(x, c.check); });
      return code == exit_ok && !r->ok() ? exit_failed : code;
    }
    case verb::down:
      return print(client.shutdown(), o, out, err,
                   [](const auto&) { return std::string("Shutdown requested\n"); });
  }
  return exit_usage;
}

}  // namespace svcbgp::cli
