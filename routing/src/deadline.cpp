// SPDX-License-Identifier: EUPL-1.2
// Calendar arithmetic for deadlines; see deadline.hpp.
#include "deadline.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace jubes::routing::detail {
namespace {

// Howard Hinnant's civil-calendar algorithms (public domain description), proleptic Gregorian.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// 0 = Sunday ... 6 = Saturday
int weekday(std::int64_t days) {
  return static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
}

// Day number of the last Sunday of `month` in `year`.
std::int64_t last_sunday(std::int64_t year, unsigned month) {
  const unsigned last = month == 3 || month == 10 ? 31 : 30;
  std::int64_t d = days_from_civil(year, month, last);
  return d - weekday(d);
}

}  // namespace

bool parse_date(std::string_view s, int& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  auto num = [&](std::size_t at, std::size_t n, int& v) {
    auto [ptr, ec] = std::from_chars(s.data() + at, s.data() + at + n, v);
    return ec == std::errc() && ptr == s.data() + at + n;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d) || m < 1 || m > 12 || d < 1 || d > 31) return false;
  out = y * 10000 + m * 100 + d;
  return date_of(day_number(out)) == out;
}

std::int64_t day_number(int yyyymmdd) {
  return days_from_civil(yyyymmdd / 10000, static_cast<unsigned>(yyyymmdd / 100 % 100),
                         static_cast<unsigned>(yyyymmdd % 100));
}

int date_of(std::int64_t days) {
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  return static_cast<int>(y * 10000 + m * 100 + d);
}

std::int64_t local_midnight_ms(int yyyymmdd) {
  const std::int64_t day = day_number(yyyymmdd);
  const std::int64_t year = yyyymmdd / 10000;
  // Midnight local is never inside a switch (01:00 UTC = 02:00/03:00 local), so the offset of the
  // day decides: summer time from the day after the last Sunday of March up to that of October.
  const bool summer = day > last_sunday(year, 3) && day <= last_sunday(year, 10);
  const std::int64_t offset_s = summer ? 7200 : 3600;
  return (day * 86400 - offset_s) * 1000;
}

int add_working_days(int yyyymmdd, int n, const std::vector<int>& holidays) {
  std::int64_t day = day_number(yyyymmdd);
  while (n > 0) {
    ++day;
    const int wd = weekday(day);
    if (wd == 0 || wd == 6) continue;
    if (std::binary_search(holidays.begin(), holidays.end(), date_of(day))) continue;
    --n;
  }
  return date_of(day);
}

std::string iso8601_utc(std::int64_t ms) {
  const std::int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const std::int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  const std::int64_t sod = s - days * 86400;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  return buf;
}

}  // namespace jubes::routing::detail
