// SPDX-License-Identifier: EUPL-1.2
#include "process_stats.hpp"

#include <unistd.h>

#include <boost/system/errc.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace jubes::gateway::detail {

namespace {

jubes::error io_fail(const char* what) {
  return jubes::fail(boost::system::errc::make_error_code(boost::system::errc::io_error),
                     std::string("cannot read ") + what);
}

/// The fields of /proc/self/stat after the command name (which may hold spaces): [0] is field 3.
jubes::result<std::vector<std::string>> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return io_fail("/proc/self/stat");
  auto close = line.rfind(')');
  if (close == std::string::npos) return io_fail("/proc/self/stat");
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> f;
  for (std::string w; rest >> w;) f.push_back(std::move(w));
  if (f.size() < 22) return io_fail("/proc/self/stat");
  return f;
}

/// @return the system boot time (Unix s) from /proc/stat's btime line, 0 if absent.
double boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double b = 0;
      in >> b;
      return b;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

jubes::result<process_stats> read_process_stats() {
  auto f = stat_fields();
  if (!f) return f.error();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  process_stats s;
  // man 5 proc: utime (14), stime (15), starttime (22) in clock ticks, rss (24) in pages.
  s.cpu_seconds = (std::stod((*f)[11]) + std::stod((*f)[12])) / ticks;
  s.start_time_s = boot_time() + std::stod((*f)[19]) / ticks;
  s.rss_bytes = std::stod((*f)[21]) * page;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    s.open_fds += 1;
  if (ec) return io_fail("/proc/self/fd");
  return s;
}

}  // namespace jubes::gateway::detail
