#include "k8s/client/watch_decoder.h"

#include <boost/json/parse.hpp>

namespace svcbgp::k8s::client {

std::string_view to_string(event_type t) {
  switch (t) {
    case event_type::added:
      return "ADDED";
    case event_type::modified:
      return "MODIFIED";
    case event_type::deleted:
      return "DELETED";
    case event_type::bookmark:
      return "BOOKMARK";
    case event_type::error:
      return "ERROR";
  }
  return "?";
}

std::optional<event_type> event_type_from_string(std::string_view s) {
  for (auto t : {event_type::added, event_type::modified, event_type::deleted, event_type::bookmark,
                 event_type::error}) {
    if (to_string(t) == s) {
      return t;
    }
  }
  return std::nullopt;
}

namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

void watch_decoder::feed(std::string_view bytes, std::vector<watch_decode_result>& out) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (skipping_) {
        return;
      }
      if (buffer_.size() + bytes.size() > max_line_) {
        ++line_;
        ++too_large_;
        out.push_back(
            std::unexpected(watch_decode_error{watch_decode_error::kind::too_large,
                                               "line " + std::to_string(line_) + ": longer than " +
                                                   std::to_string(max_line_) + " bytes, skipped"}));
        buffer_.clear();
        buffer_.shrink_to_fit();
        skipping_ = true;
        return;
      }
      buffer_.append(bytes);
      return;
    }
    auto piece = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    if (skipping_) {
      skipping_ = false;
      continue;
    }
    if (buffer_.size() + piece.size() > max_line_) {
      ++line_;
      ++too_large_;
      out.push_back(std::unexpected(watch_decode_error{
          watch_decode_error::kind::too_large, "line " + std::to_string(line_) + ": longer than " +
                                                   std::to_string(max_line_) + " bytes, skipped"}));
      buffer_.clear();
      continue;
    }
    std::optional<watch_decode_result> r;
    if (buffer_.empty()) {
      r = decode_line(piece);
    } else {
      buffer_.append(piece);
      r = decode_line(buffer_);
      buffer_.clear();
    }
    if (r) {
      out.push_back(std::move(*r));
    }
  }
}

std::optional<watch_decode_result> watch_decoder::finish() {
  if (skipping_) {
    skipping_ = false;
    return std::nullopt;
  }
  std::string rest;
  rest.swap(buffer_);
  return decode_line(rest);
}

std::optional<watch_decode_result> watch_decoder::decode_line(std::string_view line) {
  if (blank(line)) {
    return std::nullopt;
  }
  ++line_;
  auto fail = [&](std::string why) -> watch_decode_result {
    ++malformed_;
    return std::unexpected(watch_decode_error{watch_decode_error::kind::malformed,
                                              "line " + std::to_string(line_) + ": " + why});
  };
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) {
    return fail("not JSON: " + ec.message());
  }
  auto* obj = v.if_object();
  if (obj == nullptr) {
    return fail("expected a JSON object");
  }
  auto* type = obj->if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return fail("missing \"type\"");
  }
  auto t = event_type_from_string(type->get_string());
  if (!t) {
    return fail("unknown event type \"" + std::string(type->get_string()) + "\"");
  }
  auto* object = obj->if_contains("object");
  if (object == nullptr || !object->is_object()) {
    return fail("missing \"object\"");
  }
  ++events_;
  return watch_event{*t, std::move(*object)};
}

}  // namespace svcbgp::k8s::client
