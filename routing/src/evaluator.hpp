// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The evaluator of a message against a compiled table, private to the library. route() and explain()
// share one evaluator so that the explanation can never disagree with the decision; route() passes
// no sinks and so builds no text unless the message is parked. table.cpp holds the run, the rules
// and their conditions and the deadline; table_recipients.cpp the recipients a matched rule names
// (sources, pipeline steps, split municipalities).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "deadline.hpp"
#include "table_impl.hpp"

namespace jubes::routing::eval {

using detail::cmp_op;
using detail::parse_date;  // deadline.hpp: one parser of xs:date for routing and deadlines
using detail::pred_kind;
using detail::predicate;
using detail::recipient_template;
using detail::rule;
using detail::source_kind;
using detail::step_kind;

/// `s` without surrounding blanks, tabs and line ends.
std::string_view trim(std::string_view s);
/// "[a, b, c]"
std::string join(const std::vector<std::string>& v);

// One evaluation of a message against a table. `trace` (explain) and `why` (park reasons) are
// optional sinks; text is built only when one of them is set.
class evaluator {
 public:
  evaluator(const table& t, const table::impl& im, const facts& f, std::string* trace, std::vector<std::string>* why)
      : t_(t), im_(im), f_(f), trace_(trace), why_(why) {}

  void run(decision& d);

  /// Templates of matched rules that produced no recipient (a partial delivery when others did).
  std::size_t unproduced() const noexcept { return unproduced_; }
  void collect_missing(std::vector<std::string>* m) noexcept { missing_ = m; }

 private:
  // ---- the run, rules and conditions, the deadline (table.cpp)
  const std::vector<std::string>& values(int field) const;

  template <class F>
  void trace_line(F&& text) {
    if (trace_) *trace_ += text();
  }
  void note(const std::string& s) {
    if (why_) why_->push_back(s);
  }
  bool wants_text() const { return trace_ || why_ || missing_; }
  const std::string* unrouted(const decision& d) const;
  bool not_parked(const decision& d) const;
  std::string not_parked_reason(const decision& d) const;
  template <class It>
  void trace_fields(It it, It dis);
  void run_rule(const rule& r, decision& d);
  bool holds(const predicate& p, std::string* why);
  int is_minor(std::string* why);
  void deadline(decision& d);

  // ---- the recipients of a matched rule (table_recipients.cpp)

  // The address a template's gemeentecode came from, for split municipalities (`splits:`).
  struct address {
    bool known = false;  // one address decided the value
    std::string postcode, place;
    std::string note;  // why postcode or place are not known, for the reason
  };

  std::string at_address(int field, std::size_t index, std::size_t count, std::string_view what, std::string& note);
  std::string decide_split(const detail::split& sp, const address& a, std::string& how, std::string* why);
  const detail::split* split_of(std::string_view code) const;
  void brp_gemeente(std::vector<std::string>& out, std::string* why, address* addr = nullptr);
  void source_values(const recipient_template& t, std::vector<std::string>& vals, std::string* w, std::string& why,
                     std::string& steps, address& addr);
  void current_of(const std::string& v, const address& addr, std::vector<std::string>& next, std::string* w,
                  std::string& why, std::string& split_note);
  void apply_step(const detail::step& st, std::vector<std::string>& vals, const address& addr, std::string* w,
                  std::string& why, std::string& steps);
  void expand(const rule& r, const recipient_template& t, std::vector<std::string>& out);

  std::size_t unproduced_ = 0;
  std::vector<std::string>* missing_ = nullptr;

  const table& t_;
  const table::impl& im_;
  const facts& f_;
  std::string* trace_;
  std::vector<std::string>* why_;
};

}  // namespace jubes::routing::eval
