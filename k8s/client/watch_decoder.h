// Sans-I/O decoder of a Kubernetes watch stream body: newline-delimited JSON, one
// {"type": ..., "object": {...}} per line. The caller feeds the already de-chunked body in pieces
// of any size (an event may span pieces, a piece may hold many events) and gets complete events
// back, in order, each either an event or a decode error (errors as values).
//
// A malformed line (not JSON, unknown type, no object) is reported, counted and skipped; the
// stream goes on. A line longer than the limit (16 MiB by default) is reported once and skipped up
// to the next newline without buffering it.
//
// Concurrency: none; one decoder per watch stream, owned by the reflector's strand.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::k8s::client {

enum class event_type : std::uint8_t { added, modified, deleted, bookmark, error };
std::string_view to_string(event_type t);  // "ADDED", "MODIFIED", ...
std::optional<event_type> event_type_from_string(std::string_view s);

struct watch_event {
  event_type type = event_type::added;
  boost::json::value object;  // the object (a Status for ERROR)
};

struct watch_decode_error {
  enum class kind : std::uint8_t { malformed, too_large };
  kind what = kind::malformed;
  std::string message;  // "line 3: expected a JSON object", "line 7: longer than 16777216 bytes"
};

using watch_decode_result = std::expected<watch_event, watch_decode_error>;

class watch_decoder {
 public:
  static constexpr std::size_t default_max_line = 16u << 20;

  explicit watch_decoder(std::size_t max_line = default_max_line) : max_line_(max_line) {}

  // Appends one result per complete line in `bytes` to `out` (blank lines are ignored).
  void feed(std::string_view bytes, std::vector<watch_decode_result>& out);
  std::vector<watch_decode_result> feed(std::string_view bytes) {
    std::vector<watch_decode_result> out;
    feed(bytes, out);
    return out;
  }
  // End of stream: a last line without its newline is decoded too.
  std::optional<watch_decode_result> finish();

  std::uint64_t events() const { return events_; }
  std::uint64_t malformed() const { return malformed_; }
  std::uint64_t too_large() const { return too_large_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::optional<watch_decode_result> decode_line(std::string_view line);

  std::size_t max_line_;
  std::string buffer_;     // the incomplete line so far
  bool skipping_ = false;  // inside an over-long line, dropping bytes up to the next newline
  std::uint64_t line_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t too_large_ = 0;
};

}  // namespace svcbgp::k8s::client
