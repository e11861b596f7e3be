#include "tests/k8s/model/test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace svcbgp::k8s::test {

std::string fixtures_dir() {
  const char* dir = std::getenv("SVCBGP_FIXTURES");
  return dir == nullptr ? std::string("tests/fixtures/kubernetes") : std::string(dir);
}

std::string read_fixture(std::string_view relative_path) {
  std::string path = fixtures_dir() + "/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read fixture " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::map<std::string, std::string> split_txtar(std::string_view archive) {
  std::map<std::string, std::string> sections;
  std::string* current = nullptr;
  std::size_t pos = 0;
  while (pos < archive.size()) {
    std::size_t eol = archive.find('\n', pos);
    std::size_t next = eol == std::string_view::npos ? archive.size() : eol + 1;
    std::string_view line = archive.substr(pos, next - pos);
    std::string_view bare = line.substr(0, line.find('\n'));
    if (bare.starts_with("-- ") && bare.ends_with(" --") && bare.size() > 6) {
      current = &sections[std::string(bare.substr(3, bare.size() - 6))];
    } else if (current != nullptr) {
      current->append(line);
    }
    pos = next;
  }
  return sections;
}

boost::json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << text;
  return v;
}

ip_addr ip(std::string_view text) {
  auto a = ip_addr::parse(text);
  EXPECT_TRUE(a.has_value()) << "bad IP literal in test: " << text;
  return a.value_or(ip_addr{});
}

}  // namespace svcbgp::k8s::test
