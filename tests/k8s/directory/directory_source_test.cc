// The directory source on a real folder: first read, re-read on change (inotify), a broken file
// keeps its objects, a removed file removes them. The io_context runs until the callback fires;
// the time limit only bounds a failure.
#include "k8s/directory/directory_source.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

namespace svcbgp::k8s {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string service_yaml(const std::string& name, const std::string& ip) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
         ", namespace: default}\nspec: {type: LoadBalancer, clusterIP: 10.96.0.1}\n"
         "status: {loadBalancer: {ingress: [{ip: " +
         ip + "}]}}\n";
}

class directory_source_test : public ::testing::Test {
 protected:
  directory_source_test() {
    dir_ = fs::temp_directory_path() /
           ("svcbgp-dir-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~directory_source_test() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    // Write then rename, as editors and ConfigMap updates do: one change, never a half file.
    const auto tmp = dir_ / ("." + name + ".tmp");
    std::ofstream(tmp) << text;
    fs::rename(tmp, dir_ / name);
  }

  // Runs the io_context until the source reports a batch (or 10 s pass: a failure).
  bool wait_batch() {
    const auto before = batches_;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (batches_ == before && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(50ms);
      io_.restart();
    }
    return batches_ > before;
  }

  std::optional<std::string> lb_ip(const std::string& name) {
    const auto* s = cache_.find_service({"default", name});
    if (s == nullptr || s->ingress.empty() || !s->ingress[0].ip) {
      return std::nullopt;
    }
    return s->ingress[0].ip->to_string();
  }

  void start() {
    source_ = std::make_unique<directory_source>(io_, dir_.string(), cache_);
    source_->start([this] { ++batches_; });
  }

  fs::path dir_;
  boost::asio::io_context io_;
  cluster_cache cache_;
  std::unique_ptr<directory_source> source_;
  int batches_ = 0;
};

TEST_F(directory_source_test, reads_the_folder_at_start) {
  write("a.yaml", service_yaml("a", "198.51.100.1"));
  write("notes.txt", "not a manifest");
  start();
  EXPECT_TRUE(source_->synced());
  EXPECT_EQ(batches_, 1);
  EXPECT_EQ(lb_ip("a"), "198.51.100.1");
  EXPECT_EQ(cache_.size(resource::services), 1u);
  EXPECT_TRUE(source_->errors().empty());
}

TEST_F(directory_source_test, a_changed_file_is_read_again) {
  write("a.yaml", service_yaml("a", "198.51.100.1"));
  start();
  cache_.take_changes();
  write("a.yaml", service_yaml("a", "198.51.100.2"));
  ASSERT_TRUE(wait_batch());
  EXPECT_EQ(lb_ip("a"), "198.51.100.2");
  EXPECT_EQ(cache_.take_changes().services.size(), 1u);
}

TEST_F(directory_source_test, a_new_file_adds_and_a_removed_file_removes) {
  write("a.yaml", service_yaml("a", "198.51.100.1"));
  start();
  write("b.yaml", service_yaml("b", "198.51.100.9"));
  ASSERT_TRUE(wait_batch());
  EXPECT_EQ(lb_ip("b"), "198.51.100.9");
  fs::remove(dir_ / "b.yaml");
  ASSERT_TRUE(wait_batch());
  EXPECT_FALSE(lb_ip("b"));
  EXPECT_EQ(lb_ip("a"), "198.51.100.1");
}

TEST_F(directory_source_test, a_broken_file_is_reported_and_keeps_its_objects) {
  write("a.yaml", service_yaml("a", "198.51.100.1"));
  write("b.yaml", service_yaml("b", "198.51.100.2"));
  start();
  // A typo in b.yaml: reported with the file and line; b's service stays, a is untouched.
  write("b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: default\n");
  const auto reads = source_->reads();
  while (source_->reads() == reads) {
    io_.run_for(50ms);
    io_.restart();
  }
  ASSERT_FALSE(source_->errors().empty());
  EXPECT_NE(source_->errors().front().file.find("b.yaml"), std::string::npos);
  EXPECT_GT(source_->errors().front().line, 0);
  EXPECT_EQ(lb_ip("b"), "198.51.100.2");
  EXPECT_EQ(lb_ip("a"), "198.51.100.1");
  // Fixed again: the new content is used.
  write("b.yaml", service_yaml("b", "198.51.100.3"));
  ASSERT_TRUE(wait_batch());
  EXPECT_EQ(lb_ip("b"), "198.51.100.3");
  EXPECT_TRUE(source_->errors().empty());
}

TEST_F(directory_source_test, an_object_defined_twice_keeps_the_first) {
  write("a.yaml", service_yaml("a", "198.51.100.1"));
  write("b.yaml", service_yaml("a", "198.51.100.7"));
  start();
  EXPECT_EQ(lb_ip("a"), "198.51.100.1");
  ASSERT_EQ(source_->errors().size(), 1u);
  EXPECT_NE(source_->errors()[0].message.find("also defined in"), std::string::npos);
}

TEST_F(directory_source_test, a_bad_value_is_reported_and_the_rest_of_the_object_used) {
  write("a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: default}\n"
        "spec: {type: LoadBalancer, clusterIP: 10.96.0.1, externalIPs: [192.0.2.1, 192.0.2.300]}\n"
        "status: {loadBalancer: {ingress: [{ip: 198.51.100.1}]}}\n");
  start();
  EXPECT_EQ(lb_ip("a"), "198.51.100.1");
  ASSERT_EQ(source_->errors().size(), 1u);
  const auto& e = source_->errors()[0];
  EXPECT_NE(e.file.find("a.yaml"), std::string::npos);
  EXPECT_NE(e.message.find("default/a: spec.externalIPs[1]: not an IP: '192.0.2.300'"),
            std::string::npos)
      << e.message;
  ASSERT_NE(cache_.find_service({"default", "a"}), nullptr);
  EXPECT_EQ(cache_.find_service({"default", "a"})->external_ips.size(), 1u);
}

TEST_F(directory_source_test, a_missing_folder_is_a_start_up_error) {
  source_ = std::make_unique<directory_source>(io_, (dir_ / "nope").string(), cache_);
  EXPECT_THROW(source_->start([] {}), std::system_error);
}

}  // namespace
}  // namespace svcbgp::k8s
