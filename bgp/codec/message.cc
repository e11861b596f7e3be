// Message helpers: End-of-RIB detection, NOTIFICATION text, type names.
#include "bgp/codec/message.h"

#include <algorithm>

#include "bgp/codec/error.h"
#include "bgp/codec/text.h"

namespace svcbgp::bgp {

namespace {

bool has_no_attributes(const path_attributes& a) {
  return a == path_attributes{};
}

}  // namespace

// RFC 4724 §2: IPv4 End-of-RIB is an UPDATE with no withdrawn routes, attributes or NLRI; for
// other families it carries only an MP_UNREACH_NLRI with no withdrawn routes.
bool update_message::is_end_of_rib() const {
  return end_of_rib_family().has_value();
}

std::optional<family> update_message::end_of_rib_family() const {
  if (!withdrawn.empty() || !nlri.empty() || mp_reach_family || !mp_reach.empty() ||
      !mp_unreach.empty() || !has_no_attributes(attrs)) {
    return std::nullopt;
  }
  if (mp_unreach_family) {
    return *mp_unreach_family;
  }
  return ipv4_unicast;
}

// RFC 8203 §2 / RFC 9003: the first data octet is the length of the UTF-8 message that follows.
std::optional<std::string> notification_message::shutdown_message() const {
  if (code != notif::cease ||
      (subcode != notif::cease_admin_shutdown && subcode != notif::cease_admin_reset)) {
    return std::nullopt;
  }
  if (data.empty()) {
    return std::nullopt;
  }
  std::size_t length = data[0];
  if (length > data.size() - 1) {
    return std::nullopt;  // the length octet runs past the data: garbage, not a message
  }
  return std::string(data.begin() + 1, data.begin() + 1 + static_cast<std::ptrdiff_t>(length));
}

notification_message notification_message::cease_with_message(std::uint8_t subcode,
                                                              std::string_view text) {
  notification_message n{notif::cease, subcode, {}};
  if (text.empty()) {
    return n;
  }
  std::size_t len = std::min<std::size_t>(text.size(), 255);
  while (len > 0 && len < text.size() && (static_cast<unsigned char>(text[len]) & 0xc0) == 0x80) {
    --len;
  }
  n.data.reserve(len + 1);
  n.data.push_back(static_cast<std::uint8_t>(len));
  n.data.insert(n.data.end(), text.begin(), text.begin() + static_cast<std::ptrdiff_t>(len));
  return n;
}

std::string notification_message::to_string() const {
  std::string out(notification_code_name(code));
  out.push_back('/');
  out += notification_subcode_name(code, subcode);
  if (auto msg = shutdown_message()) {
    out += ": \"";
    // The peer's text is untrusted: it reaches logs, terminals and proto3 strings.
    out += printable(*msg, true);
    out.push_back('"');
  } else if (!data.empty()) {
    constexpr char hex[] = "0123456789abcdef";
    out += " (data ";
    for (auto b : data) {
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xf]);
    }
    out.push_back(')');
  }
  return out;
}

message_type type_of(const message& m) {
  switch (m.index()) {
    case 0:
      return message_type::open;
    case 1:
      return message_type::update;
    case 2:
      return message_type::notification;
    case 3:
      return message_type::keepalive;
    default:
      return message_type::route_refresh;
  }
}

std::string_view to_string(message_type t) {
  switch (t) {
    case message_type::open:
      return "OPEN";
    case message_type::update:
      return "UPDATE";
    case message_type::notification:
      return "NOTIFICATION";
    case message_type::keepalive:
      return "KEEPALIVE";
    case message_type::route_refresh:
      return "ROUTE-REFRESH";
  }
  return "UNKNOWN";
}

}  // namespace svcbgp::bgp
