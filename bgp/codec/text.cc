#include "bgp/codec/text.h"

#include <algorithm>

namespace svcbgp::bgp {

std::string printable(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  auto escape = [&](unsigned char c) {
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f || (quote && (c == '"' || c == '\\'))) {
        escape(c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // The length of a well-formed UTF-8 sequence starting here (RFC 3629 §4), 0 if none.
    std::size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                    : c >= 0xe0 && c <= 0xef ? 3
                    : c >= 0xf0 && c <= 0xf4 ? 4
                                             : 0;
    if (n != 0 && i + n <= s.size()) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      const unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
      const unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
      bool ok = c1 >= lo && c1 <= hi;
      for (std::size_t k = 2; ok && k < n; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      // U+0080..U+009F (C1 controls) are 0xc2 0x80..0x9f.
      if (ok && !(c == 0xc2 && c1 < 0xa0)) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
    }
    escape(c);
    ++i;
  }
  return out;
}

std::string columns(const std::vector<std::vector<std::string>>& rows, std::size_t gap) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(width[i] - row[i].size() + gap, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace svcbgp::bgp
