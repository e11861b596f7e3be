#include "src/daemon/config_file_source.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

namespace svcbgp::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void write(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

class config_file_source_test : public ::testing::Test {
 protected:
  config_file_source_test() {
    dir_ = fs::temp_directory_path() /
           ("svcbgp-cfs-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~config_file_source_test() override { fs::remove_all(dir_); }

  // Runs the io_context until `calls_` reaches `n`, or `limit` passes (a failure bound).
  bool run_until_calls(int n, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (calls_ < n && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(20ms);
    }
    return calls_ >= n;
  }

  boost::asio::io_context io_;
  fs::path dir_;
  int calls_ = 0;
  static inline int counter_ = 0;
};

TEST_F(config_file_source_test, a_new_text_calls_back_and_a_text_already_seen_never_does) {
  const auto file = dir_ / "svcbgpd.yaml";
  write(file, "local_asn: 64512\n");
  config_file_source src(
      io_, file.string(), [&] { ++calls_; }, 10ms);
  src.start();
  write(file, "local_asn: 64513\n");
  ASSERT_TRUE(run_until_calls(1));
  src.mark_seen();  // the daemon loaded (or rejected) it
  // The same bytes written again, and another file in the folder changing: nothing new to load.
  write(file, "local_asn: 64513\n");
  write(dir_ / "other", "x");
  EXPECT_FALSE(run_until_calls(2, 300ms));
  write(file, "local_asn: 64514\n");
  EXPECT_TRUE(run_until_calls(2));
  EXPECT_EQ(read_config_text(file.string()), "local_asn: 64514\n");
}

TEST_F(config_file_source_test, a_configmap_volume_swap_is_seen) {
  // The kubelet's layout: the file is a link into `..data`, a link to a timestamped folder that
  // is replaced whole (renaming a new `..data` link over the old one).
  fs::create_directories(dir_ / "..2026_01");
  write(dir_ / "..2026_01" / "svcbgpd.yaml", "local_asn: 64512\n");
  fs::create_directory_symlink("..2026_01", dir_ / "..data");
  fs::create_symlink("..data/svcbgpd.yaml", dir_ / "svcbgpd.yaml");
  config_file_source src(
      io_, (dir_ / "svcbgpd.yaml").string(), [&] { ++calls_; }, 10ms);
  src.start();
  fs::create_directories(dir_ / "..2026_02");
  write(dir_ / "..2026_02" / "svcbgpd.yaml", "local_asn: 64999\n");
  fs::create_directory_symlink("..2026_02", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  ASSERT_TRUE(run_until_calls(1));
  EXPECT_EQ(read_config_text((dir_ / "svcbgpd.yaml").string()), "local_asn: 64999\n");
}

TEST_F(config_file_source_test, a_folder_that_cannot_be_watched_throws) {
  config_file_source src(io_, (dir_ / "missing" / "svcbgpd.yaml").string(), [] {});
  EXPECT_THROW(src.start(), std::system_error);
}

}  // namespace
}  // namespace svcbgp::daemon
