#include "src/daemon/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace svcbgp::daemon {
namespace {

std::string format_value(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

// Label values escape backslash, double quote and newline (exposition format).
void append_labels(std::string& out, const labels& l) {
  if (l.empty()) {
    return;
  }
  out.push_back('{');
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out += l[i].first;
    out += "=\"";
    for (const char c : l[i].second) {
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += value;
  ++count_;
}

double histogram::quantile(double q) const {
  if (count_ == 0) {
    return 0;
  }
  const double rank = q * static_cast<double>(count_);
  double seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const double next = seen + static_cast<double>(counts_[i]);
    if (next >= rank && counts_[i] > 0) {
      const double lo = i == 0 ? 0 : bounds_[i - 1];
      const double hi = i < bounds_.size() ? bounds_[i] : bounds_.back();
      return lo + (hi - lo) * ((rank - seen) / static_cast<double>(counts_[i]));
    }
    seen = next;
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

std::vector<double> latency_buckets() {
  // Fine steps just above the default batch_delay (10 ms), where P1 is judged.
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001,  0.0025, 0.005, 0.0075, 0.01,
          0.01025, 0.0105, 0.01075, 0.011,  0.0115, 0.012,  0.013, 0.015,  0.02,
          0.025,   0.05,   0.1,     0.25,   0.5,    1,      2.5,   5,      10};
}

void metrics_writer::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void metrics_writer::sample(std::string_view name, const labels& l, double value) {
  out_ += name;
  append_labels(out_, l);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void metrics_writer::write_histogram(std::string_view name, std::string_view help, const labels& l,
                                     const histogram& h) {
  family(name, "histogram", help);
  std::uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < h.buckets().size(); ++i) {
    cumulative += h.buckets()[i];
    labels with_le = l;
    with_le.emplace_back("le", i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf");
    sample(bucket, with_le, static_cast<double>(cumulative));
  }
  sample(std::string(name) + "_sum", l, h.sum());
  sample(std::string(name) + "_count", l, static_cast<double>(h.count()));
}

}  // namespace svcbgp::daemon
