// SPDX-License-Identifier: EUPL-1.2
#pragma once
// jubes::testing: what every test binary needs and nothing else: temporary directories that remove
// themselves, reading and writing files, the repository's and the shared corpus's paths, and a
// settable clock. One implementation instead of one per test directory.
//
// Threading: temp_dir and manual_clock are safe to use from several threads once constructed.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace jubes::testing {
namespace fs = std::filesystem;

/// A fresh directory under $TMPDIR (mkdtemp), removed with everything in it by the destructor.
class temp_dir {
 public:
  /// @param tag a word in the directory name, for whoever finds one left behind after a crash
  explicit temp_dir(std::string_view tag = "test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const noexcept { return path_; }
  /// @return path() / name
  fs::path operator/(std::string_view name) const { return path_ / name; }

 private:
  fs::path path_;
};

/// @return the whole file; throws std::runtime_error naming the path if it cannot be read.
std::string read_file(const fs::path& p);
/// Writes `text` to dir/name (creating dir). @return the path. Throws on failure.
fs::path write_file(const fs::path& dir, std::string_view name, std::string_view text);

/// The repository root (JUBES_SOURCE_DIR of the build).
fs::path source_dir();
/// ../shared next to the repository: the public StUF corpus and RvIG's municipality table.
/// These tests never skip: a missing directory fails the test that asks for it, loudly, because
/// a green run without the corpus would prove nothing (see DEVELOPERS.md, shared material).
fs::path shared_dir();
/// shared_dir()/rel, failing the current test (ADD_FAILURE) if it does not exist.
fs::path shared_path(std::string_view rel);

/// A clock whose time a test sets: milliseconds since the Unix epoch, steady or wall as the user
/// of the clock interprets it. Copies share the same time.
class manual_clock {
 public:
  explicit manual_clock(std::int64_t start_ms = 1'700'000'000'000)
      : now_(std::make_shared<std::atomic<std::int64_t>>(start_ms)) {}
  std::int64_t now_ms() const noexcept { return now_->load(); }
  void set(std::int64_t ms) noexcept { now_->store(ms); }
  void advance(std::chrono::milliseconds d) noexcept { now_->fetch_add(d.count()); }
  /// @return a function returning now_ms(), sharing this clock's time.
  std::function<std::int64_t()> fn() const {
    auto n = now_;
    return [n] { return n->load(); };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_;
};

}  // namespace jubes::testing
