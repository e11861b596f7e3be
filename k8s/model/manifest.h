// Manifests -> the typed model: the pure half of the `directory` source
// (shared/spec/kubernetes.md).
//
// A file holds YAML or JSON, one or many documents separated by `---`, each an object or a List
// (List, ServiceList, EndpointSliceList, NodeList) of objects. YAML is converted to the JSON the
// API server would send and read by the same *_from_json functions as API objects, so both
// sources agree on every default. Services, EndpointSlices and Nodes are kept; other kinds
// (Deployments next to their Services) are skipped silently; a document or object that cannot be
// read is reported with its file and line and skipped, and the rest of the file is still used.
//
// Pure: the caller reads the files (k8s/client). Namespaced objects without a namespace get
// "default", as kubectl would give them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "k8s/model/objects.h"

namespace svcbgp::k8s {

struct manifest_error {
  std::string file;
  int line = 0;  // 1-based; the line where the document or List item starts
  std::string message;
  bool value_ignored = false;  // a bad value inside an object that was used (not skipped)
  std::string to_string() const { return file + ":" + std::to_string(line) + ": " + message; }
};

struct manifest_objects {
  std::vector<service> services;
  std::vector<endpoint_slice> slices;
  std::vector<node> nodes;
  std::vector<manifest_error> errors;
};

// One file's text. An object defined twice in the file is an error; the first one is kept.
manifest_objects parse_manifests(std::string_view text, std::string_view file_name);

// Every file of a directory as (path, content), in the order given (sort them for stable
// results). An object defined in two files is an error naming both; the first one is kept.
manifest_objects parse_directory_files(
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace svcbgp::k8s
