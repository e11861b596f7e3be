// Structured logs (shared/spec/interfaces.md "Logs"): one line per event, key=value or JSON, with
// the peer or service it concerns. spdlog does the sinks, levels and timestamps; this header keeps
// spdlog out of every file that logs.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace svcbgp::daemon::log {

enum class level { debug, info, warn, error };
enum class format { text, json };

// Configures the process-wide logger (stderr). Safe to call again on reload.
void setup(level min, format fmt);
std::optional<level> parse_level(std::string_view s);
bool enabled(level l);

using field = std::pair<std::string_view, std::string>;
// "msg=session state changed peer=tor1 from=OpenConfirm to=Established" or the same as JSON.
void write(level l, std::string_view msg, std::initializer_list<field> fields = {});

inline void debug(std::string_view m, std::initializer_list<field> f = {}) {
  write(level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<field> f = {}) {
  write(level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<field> f = {}) {
  write(level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<field> f = {}) {
  write(level::error, m, f);
}

}  // namespace svcbgp::daemon::log
