// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Calendar arithmetic for deadlines (docs/routing.md, "Deadlines"): dates as YYYYMMDD integers,
// working days (Monday to Friday less the configured holidays) and the moment a Dutch calendar day
// begins (midnight Europe/Amsterdam: CET, CEST from the last Sunday of March to the last Sunday
// of October, switching at 01:00 UTC). No clock and no time-zone database: deterministic.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jubes::routing::detail {

/// xs:date "YYYY-MM-DD" with an optional time zone suffix -> YYYYMMDD; false if malformed
/// (also a day that does not exist, e.g. 2026-02-30).
bool parse_date(std::string_view s, int& out);
/// Days since 1970-01-01 of a YYYYMMDD date.
std::int64_t day_number(int yyyymmdd);
/// YYYYMMDD of a day number.
int date_of(std::int64_t days);
/// Milliseconds since the Unix epoch of 00:00 Europe/Amsterdam on that date.
std::int64_t local_midnight_ms(int yyyymmdd);
/// The date `n` working days after `yyyymmdd` (weekends and `holidays`, sorted YYYYMMDD, skipped).
int add_working_days(int yyyymmdd, int n, const std::vector<int>& holidays);
/// "2026-12-19T23:00:00Z"
std::string iso8601_utc(std::int64_t ms);

}  // namespace jubes::routing::detail
