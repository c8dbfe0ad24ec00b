// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Plausibility of a notice's dates (issue 13), checked at ingest after validation and before
// routing: a notice whose dates cannot be true is refused (400, the field named), never stored.
//
// The XSD and the codec's semantic checks see one document; these rules compare its dates with
// each other and with today: the birth date is not in the future and not after the event, the
// event date lies in a configured window around today, the detention does not begin before the
// birth, end dates and leave dates are not before the detention began, a leave does not end before
// it begins. A date that is absent (or not one xs:date) is not checked: the schema decides what is
// required. Rules and reasons: docs/MESSAGES.md, "Plausibility".
//
// Data flow: the gateway adds field_paths() to the codec's extraction set of the route snapshot
// and passes the values in that order, with today's date (Europe/Amsterdam) from its clock, so
// that tests choose "today".
// Threading: immutable after construction; check() is const and safe from any number of threads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jubes::routing {

/// The window of the event date (gebeurtenisdatum) around today, in days (configuration
/// `plausibility.event_max_past_days` / `event_max_future_days`).
struct plausibility_limits {
  int event_max_past_days = 1826;   ///< five years: a late notice or a correction of an old one
  int event_max_future_days = 366;  ///< a planned release or leave within a year
};

/// Why a notice is implausible: the field at fault (a path from field_paths()) and the reason in words.
struct implausibility {
  std::string field;   ///< e.g. "persoon/geboortedatum"
  std::string reason;  ///< e.g. "persoon/geboortedatum 2031-01-01 is after gebeurtenisdatum 2026-11-29"
};

class plausibility {
 public:
  explicit plausibility(plausibility_limits limits = {}) : limits_(limits) {}

  /// @return the field paths check() reads, in the order of its `values` argument.
  static const std::vector<std::string>& field_paths();

  /// @param values values[i]: the values of field_paths()[i] (null or empty: absent)
  /// @param today YYYYMMDD
  /// @return the first rule that fails (in the order of the class comment), or nullopt
  std::optional<implausibility> check(const std::vector<const std::vector<std::string>*>& values, int today) const;

  /// @return the calendar date (YYYYMMDD) in Europe/Amsterdam at `ms` since the Unix epoch.
  static int date_in_amsterdam(std::int64_t ms);

  const plausibility_limits& limits() const noexcept { return limits_; }

 private:
  plausibility_limits limits_;
};

}  // namespace jubes::routing
