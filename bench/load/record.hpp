#pragma once
// The record file of jubes-bench (--record FILE, --replay FILE, --verify --record FILE).
//
// Text, one outcome per line, written as each reply (or transport failure) arrives and flushed
// every line, so that a gateway crash — or a killed load tool — leaves every outcome seen so far:
//   # jubes-bench record v2 seed=<u64> plan_fraction=<f> size=<n> templates=<n>
//   <party> <slot> <referentienummer> <status> <message id or -> <receipt fingerprint hex or -> <body fingerprint hex>
// status 0 means no reply (connection lost, timeout); the message may or may not have been stored.
// (party, slot) and the header's generator options are what is needed to build the same bytes again;
// the body fingerprint lets --replay prove that it did. (v1, before the template pool and the
// word-wide fingerprint, is refused with a message.)
//
// Threading: record_writer::write is thread-safe (one mutex); reading is single-threaded.
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "generator.hpp"

namespace jubes::bench {

struct outcome {
  std::string party;
  std::uint64_t slot = 0;
  std::string referentienummer;
  int status = 0;             ///< HTTP status, 0 = no reply
  std::string message_id;     ///< from the receipt (201/200), else empty
  std::uint64_t receipt = 0;  ///< fingerprint() of the receipt body (201/200), else 0
  std::uint64_t body = 0;     ///< fingerprint() of the message body sent
};

class record_writer {
 public:
  record_writer() = default;
  record_writer(const record_writer&) = delete;
  record_writer& operator=(const record_writer&) = delete;
  ~record_writer();
  /// Opens (truncates) `path` and writes the header. @return false with `error` set on failure.
  bool open(const std::string& path, const generator_options& o, std::string& error);
  bool is_open() const { return f_ != nullptr; }
  void write(const outcome& o);

 private:
  std::mutex mu_;
  std::FILE* f_ = nullptr;
};

struct record_file {
  generator_options options;
  std::vector<outcome> outcomes;
};

/// Reads a record file. A truncated last line (the writer was killed mid-line) is ignored.
/// @return false with `error` naming file:line and the cause on any other malformed line.
bool read_record(const std::string& path, record_file& out, std::string& error);

}  // namespace jubes::bench
