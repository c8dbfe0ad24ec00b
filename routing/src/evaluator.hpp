// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The evaluator of a message against a compiled table, private to the library (evaluator.cpp).
// route() and explain() share it so that the explanation can never disagree with the decision;
// route() passes no sinks and so builds no text unless the message is parked.
#include <cstddef>
#include <string>
#include <vector>

#include "table_impl.hpp"

namespace jubes::routing::eval {

/// Where one evaluation says what it did, in words; text is built only when a sink is set.
struct sinks {
  std::string* trace = nullptr;                 ///< explain(): every step
  std::vector<std::string>* why = nullptr;      ///< why no recipient came of the matched rules (park reasons)
  std::vector<std::string>* missing = nullptr;  ///< the recipients a matched rule's template did not produce
};

/// Evaluates the facts `f` against the table into `d`.
/// @return how many templates of matched rules produced no recipient (a partial delivery when others did)
std::size_t evaluate(const table& t, const table::impl& im, const facts& f, decision& d, const sinks& s = {});

}  // namespace jubes::routing::eval
