// SPDX-License-Identifier: EUPL-1.2
#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/iso_time.hpp"

namespace jubes::log {
namespace {
std::atomic<int> g_level{static_cast<int>(level::info)};
std::atomic<int> g_format{static_cast<int>(format::text)};

const char* level_name(level l) {
  switch (l) {
    case level::debug:
      return "DEBUG";
    case level::info:
      return "INFO";
    case level::warn:
      return "WARN";
    case level::error:
      return "ERROR";
  }
  return "INFO";
}

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

void append_hex(std::string& out, const char* prefix, unsigned v, int digits) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, v);
  out.append(buf);
}

// --- text ----------------------------------------------------------------------------------------

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || is_control(c)) return true;
  }
  return false;
}

void append_text_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (is_control(c))
          append_hex(out, "\\x", static_cast<unsigned char>(c), 2);
        else
          out.push_back(c);
    }
  }
  out.push_back('"');
}

// --- JSON ----------------------------------------------------------------------------------------

/// @return the length of the valid UTF-8 sequence at the start of `s` (1-4), or 0 if it is not one.
std::size_t utf8_length(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((b(i) & 0xC0) != 0x80) return 0;
  // Overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8.
  if (n == 2 && c < 0xC2) return 0;
  if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || c > 0xF4 || (c == 0xF4 && b(1) >= 0x90))) return 0;
  return n;
}

void append_json_string(std::string& out, std::string_view v) {
  out.push_back('"');
  while (!v.empty()) {
    char c = v.front();
    std::size_t n = 1;
    if (c == '"') {
      out.append("\\\"");
    } else if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (is_control(c)) {
      append_hex(out, "\\u", static_cast<unsigned char>(c), 4);
    } else if ((n = utf8_length(v)) == 0) {
      out.append("\\uFFFD");  // not UTF-8: replaced, so that every line parses
      n = 1;
    } else {
      out.append(v.substr(0, n));
    }
    v.remove_prefix(n);
  }
  out.push_back('"');
}

/// A number field is written bare only when it is a JSON number (std::to_string gives "inf", "nan").
bool is_json_number(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if ((c < '0' || c > '9') && c != '-' && c != '.' && c != 'e' && c != 'E' && c != '+') return false;
  return true;
}

void append_json_member(std::string& out, std::string_view key, std::string_view value, bool number) {
  out.push_back(',');
  append_json_string(out, key);
  out.push_back(':');
  if (number && is_json_number(value))
    out.append(value);
  else
    append_json_string(out, value);
}

void append_now(std::string& out) {
  using namespace std::chrono;
  out.append(iso8601_utc(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()));
}
}  // namespace

std::string iso8601_utc(std::int64_t ms) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms - secs * 1000));
  return ts;
}

void set_level(level l) {
  g_level.store(static_cast<int>(l), std::memory_order_relaxed);
}
level current_level() {
  return static_cast<level>(g_level.load(std::memory_order_relaxed));
}
bool enabled(level l) noexcept {
  return static_cast<int>(l) >= g_level.load(std::memory_order_relaxed);
}

bool parse_level(std::string_view s, level& out) {
  if (s == "debug")
    out = level::debug;
  else if (s == "info")
    out = level::info;
  else if (s == "warn")
    out = level::warn;
  else if (s == "error")
    out = level::error;
  else
    return false;
  return true;
}

level toggle_debug(level base) {
  level next = current_level() == level::debug ? base : level::debug;
  set_level(next);
  return next;
}

std::string_view to_string(level l) {
  switch (l) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

void set_format(format f) {
  g_format.store(static_cast<int>(f), std::memory_order_relaxed);
}
format current_format() {
  return static_cast<format>(g_format.load(std::memory_order_relaxed));
}
bool parse_format(std::string_view s, format& out) {
  if (s == "text")
    out = format::text;
  else if (s == "json")
    out = format::json;
  else
    return false;
  return true;
}

std::string format_line(format f, level l, std::string_view time, std::string_view component, std::string_view event,
                        std::span<const field> fields) {
  std::string line;
  line.reserve(160);
  if (f == format::json) {
    line.append("{\"time\":");
    append_json_string(line, time);
    append_json_member(line, "level", level_name(l), false);
    append_json_member(line, "component", component, false);
    append_json_member(line, "event", event, false);
    for (const auto& fl : fields) append_json_member(line, fl.key, fl.value, fl.number);
    line.append("}\n");
    return line;
  }
  line.append(time).push_back(' ');
  line.append(level_name(l)).push_back(' ');
  line.append(component).push_back(' ');
  line.append(event);
  for (const auto& fl : fields) {
    line.push_back(' ');
    line.append(fl.key).push_back('=');
    append_text_value(line, fl.value);
  }
  line.push_back('\n');
  return line;
}

void write(level l, std::string_view component, std::string_view event, std::span<const field> fields) {
  if (!enabled(l)) return;
  std::string ts;
  append_now(ts);
  std::string line = format_line(current_format(), l, ts, component, event, fields);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) break;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace jubes::log
