// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The judgement of jubes-bench --verify, apart from reading the outboxes (verify.cpp): given what the
// senders were told (outcomes) and every known recipient's whole outbox, is each acknowledged message
// exactly once where routing sends it, and nothing else there? With --corrections, a correction or
// withdrawal N of a notice O allows, per outbox of O, exactly one of two outcomes (docs/api.md):
//   - N came before the recipient acknowledged O: O's entry is an empty marker supersededBy=N
//     (correction) or withdrawnBy=N (withdrawal), and N is there once with relatesTo=O;
//   - it came after: O is there once as delivered, and N once with relatesTo=O.
// Thread-safe (pure function).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "batch.hpp"
#include "generator.hpp"
#include "record.hpp"

namespace jubes::bench {

/// What --verify found. The counts by kind are printed as one line (scripts/soak reads it).
struct verify_report {
  bool ok = true;
  std::vector<std::string> problems;
  std::uint64_t checked_entries = 0, expected_entries = 0;
  std::uint64_t acked = 0;       ///< distinct referentienummers with a receipt
  std::uint64_t lost = 0;        ///< (recipient, acknowledged message) pairs missing from the outbox
  std::uint64_t duplicated = 0;  ///< (recipient, message) pairs present more than once
  std::uint64_t seq_gaps = 0;    ///< places where an outbox's seqs are not 1, 2, 3, ...
  std::uint64_t unexpected = 0;  ///< entries not sent by the run, or in an outbox routing does not send to
  std::uint64_t not_atomic = 0;  ///< unacknowledged messages in some but not all of their outboxes
  std::uint64_t two_ids = 0;     ///< referentienummers acknowledged with two different message ids
  std::uint64_t errors = 0;      ///< outboxes that could not be read
  std::uint64_t replaced = 0;    ///< (outbox, amended notice): a marker (amended before it was acknowledged)
  std::uint64_t related = 0;     ///< (outbox, amended notice): delivered, the amendment after it as related
  std::uint64_t bad_links = 0;   ///< (outbox, amended notice) pairs in neither allowed shape, wrong links
  void fail(std::string s) {
    ok = false;
    if (problems.size() < 20) problems.push_back(std::move(s));
  }
};

/// Every known recipient's whole outbox, read from seq 1, by recipient.
using outbox_map = std::map<std::string, std::vector<batch_entry>>;

/// Checks `seen` against `outcomes`, whose outcome::gen indexes `gens`; adds to `rep`.
void check_outboxes(const std::vector<generator>& gens, const std::vector<outcome>& outcomes, const outbox_map& seen,
                    verify_report& rep);

}  // namespace jubes::bench
