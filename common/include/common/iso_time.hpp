// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The one time format of log lines and of jubesctl's output (implemented in log.cpp).
#include <cstdint>
#include <string>

namespace jubes::log {

/// @return `ms` (Unix milliseconds) as ISO-8601 UTC with milliseconds, e.g. "2026-11-30T16:40:01.245Z".
std::string iso8601_utc(std::int64_t ms);

}  // namespace jubes::log
