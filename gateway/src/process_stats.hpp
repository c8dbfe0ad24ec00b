// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: what the process costs, read from /proc/self (Linux), for the standard process_* metrics.
// The load tool reads process_cpu_seconds_total before and after a run to report the gateway's CPU
// per accepted message (docs/BENCHMARKS.md): the figure that stays stable when rates swing on a
// shared machine.
//
// Threading: a free function, no state; safe from any thread.
#include "common/result.hpp"

namespace jubes::gateway::detail {

struct process_stats {
  double cpu_seconds = 0;   ///< user + system CPU time of all threads
  double rss_bytes = 0;     ///< resident set size
  double open_fds = 0;      ///< entries in /proc/self/fd
  double start_time_s = 0;  ///< Unix time the process started
};

/// @return the figures, or errc::io_error-like failure (boost::system::errc) naming the file that failed
jubes::result<process_stats> read_process_stats();

}  // namespace jubes::gateway::detail
