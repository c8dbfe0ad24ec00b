// SPDX-License-Identifier: EUPL-1.2
#pragma once
// One implementation of the error-category boilerplate for every library's `enum class errc`: a
// category named "jubes.<library>" whose messages come from a table of {value, name, message}, so a
// library lists each code once (its short stable name for logs and metric labels, and its message)
// instead of writing the same switch twice. Model: beast's http/impl/error.ipp, with the switch
// replaced by data.
//
// Lifecycle: a library defines one table_category as a function-local static (see codecs/src/errc.cpp)
// and returns it from its <lib>_category(). Threading: immutable; all members are const and safe from
// any thread.
#include <boost/system/error_category.hpp>
#include <span>
#include <string>

namespace jubes {

/// One code of an errc: its value, short stable name ("schema_invalid") and human message.
struct errc_info {
  int value;
  const char* name;
  const char* message;

  template <class E>
  static constexpr errc_info of(E e, const char* name, const char* message) {
    return {static_cast<int>(e), name, message};
  }
};

class table_category final : public boost::system::error_category {
 public:
  /// @param name the category's name, e.g. "jubes.codecs"; `codes` must outlive the category
  /// @param unknown the message of a value not in `codes` (the value is appended: "unknown storage error 42")
  table_category(const char* name, std::span<const errc_info> codes, const char* unknown) noexcept
      : name_(name), codes_(codes), unknown_(unknown) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int ev) const override {
    const errc_info* c = find(ev);
    return c ? std::string(c->message) : std::string(unknown_) + " " + std::to_string(ev);
  }
  /// @return the short stable name of `ev`, or "unknown".
  const char* short_name(int ev) const noexcept {
    const errc_info* c = find(ev);
    return c ? c->name : "unknown";
  }

 private:
  const errc_info* find(int ev) const noexcept {
    for (const errc_info& c : codes_)
      if (c.value == ev) return &c;
    return nullptr;
  }
  const char* name_;
  std::span<const errc_info> codes_;
  const char* unknown_;
};

}  // namespace jubes
