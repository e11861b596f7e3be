// svcbgpd's configuration file (shared/spec/interfaces.md), loaded and validated.
//
// Pure: text in, a config or every problem out. Each problem names its key path
// ("peers[1].asn: must be 1..4294967295"), so `svcbgpd --check` and `svcbgpc configure check` can
// print them all at once. Unknown keys are errors (a typo must never silently fall back to a
// default). `${NAME}` in a value is replaced by the environment variable NAME.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/session/config.h"
#include "src/engine/config.h"

namespace svcbgp::config {

struct config_error {
  std::string path;  // "peers[1].asn"; "" for the whole file
  std::string message;
  int line = 0;  // 1-based line in the file, 0 when unknown
  std::string to_string() const;
};

enum class shutdown_mode : std::uint8_t { graceful_restart, withdraw };
enum class k8s_source : std::uint8_t { in_cluster, kubeconfig, directory };
enum class log_format : std::uint8_t { text, json };

inline constexpr std::uint32_t default_max_prefixes = 1000;
inline constexpr std::size_t default_max_received_bytes = 4u << 20;

// RFC 5882: BFD toward a peer; its Down takes the BGP session down at once (Cease/BFD Down).
struct bfd_config {
  bool enabled = false;
  std::uint32_t min_rx_ms = 300;  // FRR's defaults
  std::uint32_t min_tx_ms = 300;
  std::uint32_t multiplier = 3;
  // true: BGP waits for BFD Up, always; false: only once the peer has shown it runs BFD.
  bool strict = true;
  friend bool operator==(const bfd_config&, const bfd_config&) = default;
};

struct peer {
  bgp::peer_config bgp;  // name, address, asn, timers, security, families, ...
  bool source_address_auto = true;
  std::string password_file;  // read at start and on reload; bgp.password holds the content
  engine::label_selector node_selector;
  std::set<engine::ip_kind> advertise{engine::ip_kind::cluster_ip, engine::ip_kind::external_ip,
                                      engine::ip_kind::load_balancer_ip};
  bfd_config bfd;
  friend bool operator==(const peer&, const peer&) = default;
};

struct daemon_config {
  std::string node_name;
  std::optional<bgp::ip_address> router_id;  // nullopt = auto
  std::uint32_t local_asn = 0;
  std::optional<bgp::ip_address> listen_address;  // nullopt = "::"
  std::uint16_t listen_port = 0;  // active only: a node's own BGP daemon may hold 179
  bool graceful_restart = true;
  std::uint16_t restart_time = 120;
  shutdown_mode shutdown = shutdown_mode::graceful_restart;
  // The Cease's shutdown communication (RFC 9003) on SIGTERM with `shutdown: withdraw`.
  std::string shutdown_message = "svcbgpd shutting down";
  engine::label_selector node_selector;
  std::vector<peer> peers;
  engine::advertise_config advertise;
  k8s_source source = k8s_source::in_cluster;
  // kubernetes.config: crds: what this file does not hold comes from svcbgp.io objects
  // (resources.h), and the Secrets of this namespace.
  bool config_from_crds = false;
  std::string config_namespace;
  std::string kubeconfig = "~/.kube/config";
  std::string directory = "/etc/svcbgp/cluster";
  std::string admin_socket = "/run/svcbgp/svcbgpd.sock";
  std::string admin_listen;    // host:port, TLS required; "" = off
  std::string admin_tls_cert;  // PEM files for admin_listen
  std::string admin_tls_key;
  std::string admin_tls_client_ca;  // PEM CA that signs the clients' certificates
  std::string http_listen = "0.0.0.0:9179";
  std::string log_level = "info";
  log_format log_fmt = log_format::text;
  // Valid, but probably not what was meant (printed by --check, logged at start and reload).
  std::vector<config_error> warnings;

  // The engine's view: node, selector, advertise, peers.
  engine::engine_config engine() const;
  bgp::speaker_config speaker(std::uint32_t router_id_host_order) const;
};

// A key of a Secret in svcbgp's namespace (BGPPeer passwordSecretRef); nullopt when either is
// missing.
using secret_lookup =
    std::function<std::optional<std::string>(const std::string& secret, const std::string& key)>;

// How the loader reaches the outside: environment and files (password_file). Tests replace them.
struct environment {
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<std::optional<std::string>(const std::string&)> read_file;
  std::string hostname;
  static environment process();  // the real ones
  static environment none();     // no variables, no files (objects from the API server)
};

std::expected<daemon_config, std::vector<config_error>> parse(std::string_view yaml_text,
                                                              const environment& env);
std::expected<daemon_config, std::vector<config_error>> load_file(const std::string& path,
                                                                  const environment& env);

}  // namespace svcbgp::config
