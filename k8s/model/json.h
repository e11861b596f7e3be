// JSON (as the API server sends it) -> the typed model. Pure: no I/O, no logging.
//
// Unknown fields are ignored; absent optional fields take their API defaults. A value of the wrong
// type where the model needs it, or missing metadata.name, is an error naming the field's path
// ("spec.ports[0]..."), so the caller can log it with the object's namespace/name and skip it.
#pragma once

#include <boost/json/fwd.hpp>
#include <expected>
#include <string>

#include "k8s/model/objects.h"

namespace svcbgp::k8s {

struct parse_error {
  std::string path;     // "metadata.name", "spec.clusterIPs[1]"
  std::string message;  // "missing", "expected a string"
  std::string to_string() const { return path + ": " + message; }
};

std::expected<service, parse_error> service_from_json(const boost::json::value& v);
std::expected<endpoint_slice, parse_error> endpoint_slice_from_json(const boost::json::value& v);
std::expected<node, parse_error> node_from_json(const boost::json::value& v);

}  // namespace svcbgp::k8s
