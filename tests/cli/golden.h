// Golden files for svcbgpc output: tests/cli/golden/NAME.txt, compared exactly. Run a test with
// SVCBGP_UPDATE_GOLDEN=1 to (re)write them, then review the diff.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace svcbgp::testing {

inline std::string golden_path(const std::string& name) {
  const char* dir = std::getenv("GOLDEN_DIR");
  return std::string(dir != nullptr ? dir : "tests/cli/golden") + "/" + name + ".txt";
}

inline std::string read_golden(const std::string& name) {
  std::ifstream in(golden_path(name));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void expect_golden(const std::string& name, const std::string& actual) {
  if (const char* u = std::getenv("SVCBGP_UPDATE_GOLDEN"); u != nullptr && *u == '1') {
    std::ofstream(golden_path(name)) << actual;
    return;
  }
  EXPECT_EQ(actual, read_golden(name)) << "golden file " << golden_path(name);
}

// The commands with a golden file, shared by the renderer tests and the end-to-end tests.
struct golden_case {
  const char* name;
  const char* command;
};
inline constexpr golden_case golden_cases[] = {
    {"status", "show status"},
    {"protocols", "show protocols"},
    {"protocols_all", "show protocols all"},
    {"protocols_all_tor1", "show protocols all tor1"},
    {"route", "show route"},
    {"route_all", "show route all"},
    {"route_count", "show route count"},
    {"route_for", "show route for 10.96.0.1"},
    {"route_protocol_tor1_all", "show route protocol tor1 all"},
    {"route_export_tor1_count", "show route export tor1 count"},
    {"services", "show services"},
    {"services_shop_web", "show services shop/web"},
    {"bfd_sessions", "show bfd sessions"},
    {"configure_check", "configure check"},
};

}  // namespace svcbgp::testing
