// Test harness: a fake daemon (fake_control.h) on a real io_context thread, and the admin server
// on a real unix socket in a fresh temporary directory.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "src/admin/server.h"
#include "tests/admin/fake_control.h"

namespace svcbgp::testing {

class admin_harness {
 public:
  explicit admin_harness(admin::server_options opts = {}) {
    char tmpl[] = "/tmp/svcbgp-admin-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    socket_ = dir_ + "/svcbgpd.sock";
    thread_ = std::thread([this] { io_.run(); });
    fake_.io_thread = thread_.get_id();
    opts.unix_socket = socket_;
    server_ = std::make_unique<admin::server>(io_, fake_, opts);
  }

  ~admin_harness() {
    server_->stop();
    server_.reset();
    sync();
    work_.reset();
    io_.stop();
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start() { server_->start(); }

  // Runs f on the io thread and waits for it; everything posted before has run when it returns.
  template <typename F>
  void on_io(F f) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
  void sync() {
    on_io([] {});
  }

  fake_control& fake() { return fake_; }
  admin::server& server() { return *server_; }
  boost::asio::io_context& io() { return io_; }
  const std::string& socket() const { return socket_; }
  const std::string& dir() const { return dir_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  fake_control fake_;
  std::string dir_;
  std::string socket_;
  std::thread thread_;
  std::unique_ptr<admin::server> server_;
};

// Certificates for the TCP admin port, made with openssl in `dir`: ca.pem (signs the others),
// server.pem/.key (CN and SAN localhost), client.pem/.key (signed by the CA), rogue.pem/.key
// (self-signed: a client certificate the server must refuse). False when openssl fails.
inline bool make_test_pki(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string d = dir + "/";
  const std::string cmd =
      "set -e; cd " + d + "; exec 2>/dev/null; " + "openssl req -x509" + ec +
      " -days 1 -subj /CN=svcbgp-test-ca -keyout ca.key -out ca.pem; " + "openssl req" + ec +
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost " +
      "-keyout server.key -out server.csr; " +
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 " +
      "-copy_extensions copy -out server.pem; " + "openssl req" + ec +
      " -subj /CN=svcbgpc -keyout client.key -out client.csr; " +
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 " +
      "-out client.pem; " + "openssl req -x509" + ec +
      " -days 1 -subj /CN=rogue -keyout rogue.key -out rogue.pem";
  return std::system(("sh -c '" + cmd + "'").c_str()) == 0;
}

inline admin::server_options tls_options(const std::string& dir) {
  admin::server_options o;
  o.tcp_listen = "127.0.0.1:0";
  o.tls_cert_file = dir + "/server.pem";
  o.tls_key_file = dir + "/server.key";
  o.tls_client_ca_file = dir + "/ca.pem";
  return o;
}

}  // namespace svcbgp::testing
