// SPDX-License-Identifier: EUPL-1.2
// The compiled table's functions: routing a message and explaining the decision (both by the one
// evaluator, evaluator.cpp), and what the gateway asks of the table (forwarding, deadlines).
#include <algorithm>

#include "evaluator.hpp"

namespace jubes::routing {

table::table() : impl_(std::make_unique<impl>()) {}
table::~table() = default;

std::size_t table::rule_count() const noexcept {
  return impl_->rules.size();
}

int table::field_index(std::string_view path) const noexcept {
  for (std::size_t i = 0; i < field_paths_.size(); ++i)
    if (field_paths_[i] == path) return static_cast<int>(i);
  return -1;
}

decision table::route(const facts& f) const {
  decision d;
  const std::size_t unproduced = eval::evaluate(*this, *impl_, f, d);
  if (!d.recipients.empty() && unproduced > 0) {
    // A partial delivery (rare): evaluate again to say which recipient is missing and why.
    std::vector<std::string> missing;
    decision again;
    eval::evaluate(*this, *impl_, f, again, {.missing = &missing});
    std::string reason = "partial delivery";
    for (std::size_t i = 0; i < missing.size(); ++i) reason += (i ? "; " : ": ") + missing[i];
    d.partial_reason = std::move(reason);
  }
  if (d.recipients.empty()) {
    // Parking is rare; only now evaluate again to collect the reasons in words.
    std::vector<std::string> why;
    decision again;
    eval::evaluate(*this, *impl_, f, again, {.why = &why});
    std::string reason = again.matched_rules.empty() ? "no rule matched" : "matched rules named no recipient";
    for (std::size_t i = 0; i < why.size(); ++i) reason += (i ? "; " : ": ") + why[i];
    d.park_reason = std::move(reason);
    if (d.matched_rules.empty())
      if (auto u = impl_->unrouted.find(f.message_type); u != impl_->unrouted.end()) d.unrouted_reason = u->second;
  }
  return d;
}

std::string table::explain(const facts& f) const {
  decision d;
  std::string out;
  std::vector<std::string> why;
  std::vector<std::string> missing;
  eval::evaluate(*this, *impl_, f, d, {.trace = &out, .why = &why, .missing = &missing});
  if (!d.recipients.empty() && !missing.empty()) {
    out += "partial delivery, also parked for the missing recipient: ";
    for (std::size_t i = 0; i < missing.size(); ++i) out += (i ? "; " : "") + missing[i];
    out += "\n";
  }
  if (d.recipients.empty()) {
    out += "park reason: ";
    for (std::size_t i = 0; i < why.size(); ++i) out += (i ? "; " : "") + why[i];
    out += "\n";
  }
  return out;
}

bool table::may_forward(std::string_view message_type) const noexcept {
  return std::binary_search(impl_->forwardable.begin(), impl_->forwardable.end(), message_type);
}

bool table::may_forward_to(std::string_view gemeentecode) const noexcept {
  if (!impl_->gemeenten->is_current(gemeentecode)) return false;
  const auto* l = impl_->forward_participants;
  return !l || std::binary_search(l->begin(), l->end(), gemeentecode, std::less<>{});
}

const std::vector<std::string>& table::forwardable_types() const noexcept {
  return impl_->forwardable;
}

std::vector<std::string> table::deadline_types() const {
  std::vector<std::string> out;
  for (const auto& [type, index] : impl_->deadline_by_type) out.push_back(type);
  std::sort(out.begin(), out.end());
  return out;
}

std::int64_t table::deadline_lead_ms(std::string_view message_type) const noexcept {
  auto it = impl_->deadline_by_type.find(message_type);
  return it == impl_->deadline_by_type.end() ? 0 : impl_->deadlines[it->second].lead_ms;
}

}  // namespace jubes::routing
