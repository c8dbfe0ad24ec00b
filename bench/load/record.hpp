// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The record file of jubes-bench (--record FILE, --replay FILE, --verify --record FILE).
//
// Text, one outcome per line, written as each reply (or transport failure) arrives and flushed
// every line, so that a gateway crash — or a killed load tool — leaves every outcome seen so far:
//   # jubes-bench record v2 seed=<u64> plan_fraction=<f> size=<n> templates=<n>
//   <party> <slot> <referentienummer> <status> <message id or -> <receipt fingerprint hex or -> <body fingerprint hex>
//   [<node>] [corrects=<slot> | withdraws=<slot>]
// <node> (HOST:PORT, since several --target nodes) is the node that gave the reply (or, status 0, the
// last one tried); a reader ignores it where absent. corrects=/withdraws= (--corrections) say that
// the message is a correction or withdrawal of the party's notice in that slot (its body and what
// --verify expects depend on it).
// Records concatenate: each outcome belongs to the header above it, so `cat a.rec b.rec` of runs with
// different seeds is one record (the union; scripts/soak verifies and replays it). A writer whose
// outcomes come from several headers (a replay of such a union) writes a header where that changes.
// status 0 means no reply (connection lost, timeout); the message may or may not have been stored.
// (party, slot) and the header's generator options are what is needed to build the same bytes again;
// the body fingerprint lets --replay prove that it did. (v1, before the template pool and the
// word-wide fingerprint, is refused with a message.)
//
// Threading: record_writer::write is thread-safe (one mutex); reading is single-threaded.
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "generator.hpp"

namespace jubes::bench {

struct outcome {
  std::string party;
  std::uint64_t slot = 0;
  std::string referentienummer;
  int status = 0;                   ///< HTTP status, 0 = no reply
  std::string message_id;           ///< from the receipt (201/200), else empty
  std::uint64_t receipt = 0;        ///< fingerprint() of the receipt body (201/200), else 0
  std::uint64_t body = 0;           ///< fingerprint() of the message body sent
  std::size_t gen = 0;              ///< which generator built it: index into record_file::generators / app::gens
  std::string target;               ///< HOST:PORT of the node that replied (or was tried last); may be empty
  std::optional<amendment> amends;  ///< a correction or withdrawal of the party's notice amends->of
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
  /// Writes one outcome built with generator options `g`, after a header for `g` if the last
  /// header written was another one.
  void write(const outcome& o, const generator_options& g);

 private:
  std::mutex mu_;
  std::FILE* f_ = nullptr;
  generator_options last_;
};

struct record_file {
  std::vector<generator_options> generators;  ///< one per header, in file order
  std::vector<outcome> outcomes;              ///< outcome::gen indexes `generators`
};

/// Reads a record file (one or more concatenated records). A truncated last line (the writer was
/// killed mid-line) is ignored (concatenate only complete lines: scripts/soak cuts a torn end).
/// @return false with `error` naming file:line and the cause on any other malformed line.
bool read_record(const std::string& path, record_file& out, std::string& error);

}  // namespace jubes::bench
