// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The one result shape of every jubes library boundary (model: redpanda src/v/base/outcome.h).
//
//   jubes::result<T>  = boost::system::result<T, jubes::error>
//   jubes::error      = an error_code (which library's errc, and which value) plus a detail line
//
// The code decides behaviour (the gateway maps it to an HTTP status and a StUF fault in one
// place, error_map.cpp); the detail is the precise, human cause for the operator or the client
// ("routes.yaml:12:5: unknown field 'x'"). Expected outcomes (a duplicate, a missing key) are
// values of T, never errors. No exceptions cross a library boundary.
#include <boost/assert/source_location.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <string>
#include <type_traits>
#include <utility>

namespace jubes {

/// An error: what went wrong (code) and, optionally, exactly where and why (detail).
struct error {
  boost::system::error_code code;
  std::string detail;  ///< one line; empty means "code.message() says it all"

  error() = default;
  error(boost::system::error_code c) : code(c) {}  // NOLINT: implicit, so `return errc::x;` works
  error(boost::system::error_code c, std::string d) : code(c), detail(std::move(d)) {}
  template <class E>
  requires boost::system::is_error_code_enum<E>::value error(E e)
      : code(make_error_code(e)) {}  // NOLINT: implicit, so `return errc::x;` works
  template <class E>
  requires boost::system::is_error_code_enum<E>::value error(E e, std::string d)
      : code(make_error_code(e)), detail(std::move(d)) {}

  /// @return the detail if there is one, else the code's message.
  std::string message() const { return detail.empty() ? code.message() : detail; }
  explicit operator bool() const noexcept { return static_cast<bool>(code); }
  friend bool operator==(const error& e, const boost::system::error_code& c) noexcept { return e.code == c; }
  template <class E>
  requires boost::system::is_error_code_enum<E>::value friend bool operator==(const error& e, E x) noexcept {
    return e.code == make_error_code(x);
  }
};

/// Lets result<T>::value() throw (only tests and start-up code call it on an error).
[[noreturn]] inline void throw_exception_from_error(const error& e, const boost::source_location& loc) {
  boost::throw_exception(boost::system::system_error(e.code, e.detail), loc);
}

template <class T>
using result = boost::system::result<T, error>;

/// @return a failed result<T> from a code and detail, for `return fail(errc::x, "why");`.
inline error fail(boost::system::error_code c, std::string detail = {}) {
  return error{c, std::move(detail)};
}
/// @return `e`'s code with a new detail, e.g. to name the file or key at fault around a lower error.
inline error fail(const error& e, std::string detail) {
  return error{e.code, std::move(detail)};
}
template <class E>
requires boost::system::is_error_code_enum<E>::value inline error fail(E e, std::string detail = {}) {
  return error{make_error_code(e), std::move(detail)};
}

}  // namespace jubes
