// Each setting declared once (shared/spec/kubernetes-native.md, "One schema, two sources"): its
// key, type, range, default and one line of doc. The file parser (config.cc) reads and checks
// values by these declarations and applies their defaults, and the CRDs under
// configs/deploy/crds/ are generated from them (tests/config/schema_test.cc keeps the checked-in
// manifests equal to what this produces), so a range or a default is never written twice.
//
// Pure data and text: no YAML library, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::config::schema {

enum class type {
  string,   // at most `max` bytes when max > 0
  integer,  // min..max, minus `excluded`
  boolean,
  ip,                 // an IPv4 or IPv6 address
  ip_or_auto,         // an address, or "auto"
  ipv4_or_auto,       // an IPv4 address, or "auto"
  choice,             // one of `choices`
  choices,            // a list of `choices`, at least `min_items`
  labels,             // label: value (the CRD: a LabelSelector's matchLabels)
  cidrs,              // a list of address/length, no host bits
  communities,        // a list of RFC 1997 communities: ASN:VALUE or a well-known name
  large_communities,  // a list of RFC 8092 large communities: A:B:C
  object,             // `fields`
  object_list,        // a list of objects made of `fields`
};

// Where a setting exists: both sources, or only one (the file reads a password from a file, a
// BGPPeer names a Secret; the file names a peer, a BGPPeer has metadata.name).
enum class source { both, file, crd };

struct setting {
  std::string_view key;      // the file's snake_case key; the CRD's is its camelCase
  std::string_view crd_key;  // when camelCase is not Kubernetes' spelling: "localASN"
  type t = type::string;
  std::string_view doc;  // one line
  std::uint64_t min = 0, max = 0;
  std::vector<std::uint64_t> excluded;
  std::string_view why;  // the rule behind the range: "RFC 4271 §4.2"
  std::vector<std::string_view> choices;
  std::size_t min_items = 0;
  std::string_view default_value;  // YAML text; empty: none (absent means unset)
  bool required = false;
  source where = source::both;
  std::vector<setting> fields;
};

// The settings of one `peers[]` entry, and of a BGPPeer's spec.
const std::vector<setting>& peer_settings();
// `advertise:`, and a BGPAdvertisement's spec.
const std::vector<setting>& advertise_settings();
// The whole config file.
const std::vector<setting>& daemon_settings();

// "hold_time" -> "holdTime".
std::string camel(std::string_view key);
// The setting's name in a CRD: crd_key, or the camelCase of key.
std::string crd_name(const setting& s);
// "0..65535", "0 or 3..65535": what an integer setting accepts, as errors say it.
std::string range_text(const setting& s);

// docs/config-reference.md: every setting of the file, its type and range, default and doc.
std::string reference_markdown();

// A CustomResourceDefinition whose spec is made of `spec` (source::crd and source::both).
struct printer_column {
  std::string_view name, type, json_path;
};
struct crd {
  std::string_view kind, plural, singular, short_name;
  std::string_view comment;  // the manifest's opening comment, one line per element
  std::vector<printer_column> columns;
  const std::vector<setting>* spec = nullptr;
  // false where objects merge (the most specific BGPNodeConfig wins field by field): a default
  // filled in by the API server would override a less specific object; the description says it.
  bool defaults = true;
};
const crd& bgp_peer_crd();
const crd& bgp_advertisement_crd();
const crd& bgp_node_config_crd();
// Every CRD generated here, each in configs/deploy/crds/PLURAL.yaml.
std::vector<const crd*> generated_crds();
std::string to_yaml(const crd& c);

}  // namespace svcbgp::config::schema
