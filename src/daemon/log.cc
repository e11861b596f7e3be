#include "src/daemon/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace svcbgp::daemon::log {
namespace {

format g_format = format::text;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum to_spd(level l) {
  switch (l) {
    case level::debug:
      return spdlog::level::debug;
    case level::info:
      return spdlog::level::info;
    case level::warn:
      return spdlog::level::warn;
    case level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// key=value, quoting values with spaces or quotes so the line stays machine-readable.
void append_text_value(std::string& out, std::string_view v) {
  const bool quote = v.empty() || v.find_first_of(" \"=\t") != std::string_view::npos;
  if (quote) {
    append_json_string(out, v);
  } else {
    out.append(v);
  }
}

spdlog::logger& logger() {
  if (!g_logger) {
    setup(level::info, format::text);
  }
  return *g_logger;
}

}  // namespace

void setup(level min, format fmt) {
  g_format = fmt;
  if (!g_logger) {
    g_logger = std::make_shared<spdlog::logger>("svcbgpd",
                                                std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
  g_logger->set_pattern(fmt == format::json
                            ? "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%e%z\",\"level\":\"%l\",%v}"
                            : "ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  g_logger->set_level(to_spd(min));
  g_logger->flush_on(spdlog::level::debug);
}

std::optional<level> parse_level(std::string_view s) {
  if (s == "debug") {
    return level::debug;
  }
  if (s == "info") {
    return level::info;
  }
  if (s == "warn") {
    return level::warn;
  }
  if (s == "error") {
    return level::error;
  }
  return std::nullopt;
}

bool enabled(level l) {
  return logger().should_log(to_spd(l));
}

void write(level l, std::string_view msg, std::initializer_list<field> fields) {
  auto& lg = logger();
  if (!lg.should_log(to_spd(l))) {
    return;
  }
  std::string line;
  if (g_format == format::json) {
    line += "\"msg\":";
    append_json_string(line, msg);
    for (const auto& [k, v] : fields) {
      line += ",";
      append_json_string(line, k);
      line += ":";
      append_json_string(line, v);
    }
  } else {
    line += "msg=";
    append_text_value(line, msg);
    for (const auto& [k, v] : fields) {
      line += " ";
      line.append(k);
      line += "=";
      append_text_value(line, v);
    }
  }
  lg.log(to_spd(l), "{}", line);
}

}  // namespace svcbgp::daemon::log
