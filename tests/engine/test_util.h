// Helpers shared by the selection tests: comparing two selectors' results, and reading sections
// of the txtar archives in tests/fixtures/kubernetes/.
#pragma once

#include <optional>
#include <string>

#include "src/engine/selection.h"

namespace svcbgp::engine::testing {

// "" when both selectors give the same decisions and the same routes (attribute values, not
// pointers) to every configured peer; otherwise the first difference, readable.
std::string compare_selectors(const selector& a, const selector& b);

// Text of one route, for messages: "10.0.0.1/32 comm=[65000:1] large=[] lp=100 med=- path=[]".
std::string describe_route(const bgp::prefix& p, const bgp::path_attributes& a);

// The section `name` of a txtar archive (lines "-- name --" start sections).
std::optional<std::string> txtar_section(const std::string& archive_text, const std::string& name);

std::optional<std::string> read_text_file(const std::string& path);

}  // namespace svcbgp::engine::testing
