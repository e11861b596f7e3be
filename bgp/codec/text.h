// Text from tenants and peers (annotation values, RFC 8203 messages), made safe to show, log and
// put into proto3 `string` fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace svcbgp::bgp {

// Valid UTF-8 without control characters: C0/C1 controls, DEL and every byte that does not start
// a well-formed UTF-8 sequence (RFC 3629 §4) become "\xNN"; tab is kept. With `quote`, '"' and
// '\\' are escaped too, for text shown between quotes.
std::string printable(std::string_view s, bool quote = false);

// Rows laid out in columns as wide as their widest cell, `gap` spaces apart: one line per row,
// "\n"-terminated, trailing blanks dropped (svcbgpc's tables, kubectl svcbgp's). Cells are taken
// as they are: make them printable first, so that escapes count in the widths.
std::string columns(const std::vector<std::vector<std::string>>& rows, std::size_t gap);

}  // namespace svcbgp::bgp
