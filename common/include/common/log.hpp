// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Structured one-line log events to stderr, in one of two formats (set_format):
//   text: 2026-11-29T10:28:00.123Z INFO storage open path=/var/lib/jubes map_size=1073741824
//   json: {"time":"2026-11-29T10:28:00.123Z","level":"INFO","component":"storage","event":"open",
//          "path":"/var/lib/jubes","map_size":1073741824}
// Thread-safe: each event is formatted into one buffer and written with a single write(2).
// Text: values containing spaces, quotes, '=' or control characters are quoted and escaped (control
// characters as \xNN). JSON: one object per line, strings escaped per RFC 8259, invalid UTF-8 as
// U+FFFD; numeric fields are JSON numbers. Never log message bodies or BSNs.
// Cost when a level is off: write() returns before formatting, but the fields of the call are built
// first; on a hot path, test enabled() before building them.
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace jubes::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };
enum class format { text = 0, json = 1 };

/// One key=value field of an event.
struct field {
  std::string_view key;
  std::string value;
  bool number = false;  ///< built from an arithmetic value: a JSON number (when finite)
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class N>
  requires std::is_arithmetic_v<N> field(std::string_view k, N v) : key(k), value(std::to_string(v)), number(true) {}
};

/// Sets the lowest level that is written (default info). Thread-safe.
void set_level(level l);
/// @return the current minimum level.
level current_level();
/// @return whether an event of level `l` would be written (one relaxed atomic load).
bool enabled(level l) noexcept;
/// Parses "debug", "info", "warn", "error". @return false if unknown.
bool parse_level(std::string_view s, level& out);
/// Sets debug, or `base` when the level is debug already (jubesd's SIGUSR2). @return the new level
level toggle_debug(level base);
/// @return "debug", "info", "warn" or "error".
std::string_view to_string(level l);

/// Sets the format of every later line (default text). Thread-safe.
void set_format(format f);
format current_format();
/// Parses "text", "json". @return false if unknown.
bool parse_format(std::string_view s, format& out);

/// Formats one event line, '\n' included, without writing it (what write() sends; for tests).
/// @param time the timestamp text, e.g. "2026-11-29T10:28:00.123Z"
std::string format_line(format f, level l, std::string_view time, std::string_view component, std::string_view event,
                        std::initializer_list<field> fields);

/// Writes one event line to stderr if `l` is at or above the current level.
/// @param component the library or subsystem, e.g. "storage"
/// @param event a short snake_case name, e.g. "group_commit"
void write(level l, std::string_view component, std::string_view event, std::initializer_list<field> fields = {});

inline void debug(std::string_view c, std::string_view e, std::initializer_list<field> f = {}) {
  write(level::debug, c, e, f);
}
inline void info(std::string_view c, std::string_view e, std::initializer_list<field> f = {}) {
  write(level::info, c, e, f);
}
inline void warn(std::string_view c, std::string_view e, std::initializer_list<field> f = {}) {
  write(level::warn, c, e, f);
}
inline void error(std::string_view c, std::string_view e, std::initializer_list<field> f = {}) {
  write(level::error, c, e, f);
}

}  // namespace jubes::log
