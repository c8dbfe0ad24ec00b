#pragma once
// Structured one-line log events to stderr:
//   2026-11-29T10:28:00.123Z INFO storage open path=/var/lib/jubes map_size=1073741824
// Thread-safe: each event is formatted into one buffer and written with a single write(2).
// Values containing spaces, quotes or '=' are quoted. Never log message bodies or BSNs.
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace jubes::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

/// One key=value field of an event.
struct field {
  std::string_view key;
  std::string value;
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class N>
  requires std::is_arithmetic_v<N> field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

/// Sets the lowest level that is written (default info). Thread-safe.
void set_level(level l);
/// @return the current minimum level.
level current_level();
/// Parses "debug", "info", "warn", "error". @return false if unknown.
bool parse_level(std::string_view s, level& out);

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
