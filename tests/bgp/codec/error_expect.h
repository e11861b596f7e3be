// Assertions for decode errors: the session-reset path (NOTIFICATION code, subcode, data, offset)
// and the RFC 7606 recovery path (the action, with the message still decoded).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

#include "tests/bgp/codec/test_util.h"

namespace svcbgp::bgp::test {

// Decoding `b` must fail with an error whose action is session_reset. Returns the error.
inline std::optional<decode_error> expect_reset(const bytes& b, const codec_context& ctx) {
  auto d = decode_one(b, ctx);
  if (d.has_value()) {
    ADD_FAILURE() << "decoded, expected a session reset: " << testing::PrintToString(d->msg);
    return std::nullopt;
  }
  EXPECT_EQ(action_for(d.error()), error_action::session_reset)
      << testing::PrintToString(d.error());
  return d.error();
}

// The NOTIFICATION RFC 4271 §6 prescribes for `e`.
inline void expect_notification(const decode_error& e, std::uint8_t code, std::uint8_t subcode,
                                std::string_view data_hex) {
  auto n = to_notification(e);
  EXPECT_EQ(int(n.code), int(code)) << testing::PrintToString(e);
  EXPECT_EQ(int(n.subcode), int(subcode)) << testing::PrintToString(e);
  EXPECT_EQ(to_hex(n.data), to_hex(hex(data_hex))) << testing::PrintToString(e);
}

// Decoding `b` must succeed (RFC 7606), having recovered an error of kind `k` whose action is
// `a`; `treat_as_withdraw` must be set exactly when some recovered error asks for it.
inline std::optional<decoded> expect_recovered(const bytes& b, const codec_context& ctx,
                                               error_kind k, error_action a) {
  auto d = decode_one(b, ctx);
  if (!d.has_value()) {
    ADD_FAILURE() << "expected RFC 7606 recovery, got a reset: "
                  << testing::PrintToString(d.error());
    return std::nullopt;
  }
  const decode_error* found = nullptr;
  bool any_withdraw = false;
  for (const auto& e : d->recovered) {
    EXPECT_NE(action_for(e), error_action::session_reset)
        << "a recovered error must not ask for a reset: " << testing::PrintToString(e);
    if (e.kind == k && found == nullptr) {
      found = &e;
    }
    any_withdraw = any_withdraw || action_for(e) == error_action::treat_as_withdraw;
  }
  if (found == nullptr) {
    ADD_FAILURE() << "no recovered error of kind " << int(k) << " among " << d->recovered.size()
                  << (d->recovered.empty() ? std::string()
                                           : ": " + testing::PrintToString(d->recovered.front()));
    return std::move(*d);
  }
  EXPECT_EQ(action_for(*found), a) << testing::PrintToString(*found);
  EXPECT_EQ(d->treat_as_withdraw, any_withdraw);
  return std::move(*d);
}

inline const decode_error* find_recovered(const decoded& d, error_kind k) {
  for (const auto& e : d.recovered) {
    if (e.kind == k) {
      return &e;
    }
  }
  return nullptr;
}

inline const update_message& as_update(const decoded& d) {
  static const update_message empty;
  if (!std::holds_alternative<update_message>(d.msg)) {
    ADD_FAILURE() << "not an UPDATE: " << testing::PrintToString(d.msg);
    return empty;
  }
  return std::get<update_message>(d.msg);
}

}  // namespace svcbgp::bgp::test
