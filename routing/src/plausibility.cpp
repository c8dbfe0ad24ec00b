// SPDX-License-Identifier: EUPL-1.2
#include "routing/plausibility.hpp"

#include <cstdio>

#include "deadline.hpp"

namespace jubes::routing {
namespace {

enum field : std::size_t { event, birth, det_begin, det_planned_end, det_actual_end, leave_begin, leave_end, count };

std::string shown(int yyyymmdd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
  return buf;
}

}  // namespace

const std::vector<std::string>& plausibility::field_paths() {
  static const std::vector<std::string> paths{
      "gebeurtenisdatum",          "persoon/geboortedatum",        "detentie/begindatum",
      "detentie/geplandEinddatum", "detentie/feitelijkeEinddatum", "verlof/begindatum",
      "verlof/einddatum"};
  return paths;
}

int plausibility::date_in_amsterdam(std::int64_t ms) {
  constexpr std::int64_t day_ms = 86'400'000;
  std::int64_t day = ms >= 0 ? ms / day_ms : -((-ms + day_ms - 1) / day_ms);
  // Amsterdam is ahead of UTC: its date is the UTC date or, after its midnight, the next day.
  const int next = detail::date_of(day + 1);
  return detail::local_midnight_ms(next) <= ms ? next : detail::date_of(day);
}

std::optional<implausibility> plausibility::check(const std::vector<const std::vector<std::string>*>& values,
                                                  int today) const {
  const auto& paths = field_paths();
  int d[field::count] = {};  // 0: absent or not one date
  for (std::size_t i = 0; i < field::count && i < values.size(); ++i)
    if (values[i] && values[i]->size() == 1 && !detail::parse_date(values[i]->front(), d[i])) d[i] = 0;
  auto name = [&](std::size_t f) { return paths[f]; };
  auto at = [&](std::size_t f) { return name(f) + " " + shown(d[f]); };
  auto fail = [&](std::size_t f, std::string why) { return implausibility{name(f), at(f) + " " + why}; };

  if (d[birth] && d[birth] > today) return fail(birth, "is in the future (today is " + shown(today) + ")");
  if (d[birth] && d[event] && d[birth] > d[event]) return fail(birth, "is after " + at(event));
  if (d[event]) {
    const std::int64_t days = detail::day_number(d[event]) - detail::day_number(today);
    if (days < -static_cast<std::int64_t>(limits_.event_max_past_days))
      return fail(event, "is more than " + std::to_string(limits_.event_max_past_days) + " days before today (" +
                             shown(today) + "; plausibility.event_max_past_days)");
    if (days > limits_.event_max_future_days)
      return fail(event, "is more than " + std::to_string(limits_.event_max_future_days) + " days after today (" +
                             shown(today) + "; plausibility.event_max_future_days)");
  }
  if (d[det_begin] && d[birth] && d[det_begin] < d[birth]) return fail(det_begin, "is before " + at(birth));
  for (std::size_t f : {det_planned_end, det_actual_end, leave_begin, leave_end})
    if (d[f] && d[det_begin] && d[f] < d[det_begin]) return fail(f, "is before " + at(det_begin));
  if (d[leave_end] && d[leave_begin] && d[leave_end] < d[leave_begin])
    return fail(leave_end, "is before " + at(leave_begin));
  return std::nullopt;
}

}  // namespace jubes::routing
