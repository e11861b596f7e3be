// Prometheus text exposition (format 0.0.4) and the one metric type we must keep state for:
// histograms. Counters and gauges are read from the components at scrape time, so nothing else
// is duplicated here. Pure; the HTTP server serves what render() builds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::daemon {

using labels = std::vector<std::pair<std::string, std::string>>;

class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  const std::vector<std::uint64_t>& buckets() const { return counts_; }  // cumulative on render
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }
  // The value below which `q` (0..1) of observations fall, interpolated within a bucket.
  double quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last = +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Latency buckets from 50 µs to 10 s, for the reconcile and event-to-UPDATE histograms.
std::vector<double> latency_buckets();

class metrics_writer {
 public:
  // Starts a family: "# HELP name help" and "# TYPE name type".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const labels& l, double value);
  void write_histogram(std::string_view name, std::string_view help, const labels& l,
                       const histogram& h);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace svcbgp::daemon
