// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Bodies at rest on PostgreSQL (docs/storage.md, "Bodies at rest"): storage's body_codec over the
// data keys in the data_keys table. One node's key ring: loaded and unwrapped with the node's KEK
// at open (a KEK that does not unwrap every key is refused), refreshed from the table when a
// batch finds another active key or a read meets a key id it does not hold (another node rotated).
//
// What a body is bound to: the GCM additional data is the message's (party, referentienummer),
// known before the message id, so that bodies are sealed on the submitting threads, not on the
// writer. A value without the codec's header (magic 1B 'J') is a plain body written before
// schema 4 and is read as it is.
//
// Rotation and the writers: rotate() locks the audit_chain row (the last lock of every write
// transaction, batch.hpp) while it switches the active key, and every batch that stores bodies
// reads the active key after that lock: a batch that commits after a rotation seals with the new
// key (re-sealing on the writer what was sealed with an older one).
//
// Threading: every member may run on any thread; a PGconn is the caller's, used by it alone.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "pq.hpp"
#include "storage/body_codec.hpp"

namespace jubes::pgstore::detail {

class at_rest {
 public:
  explicit at_rest(storage::at_rest_options o);

  /// Reads and unwraps the data keys (open). With a KEK and no key yet, creates data key 1.
  /// @return errc::bad_key naming the KEK's file (wrong KEK, or keys but no KEK); errc::io_error
  jubes::result<void> load(PGconn* c);
  /// Re-reads data_keys: unwraps the keys this node does not hold, takes the table's active key.
  jubes::result<void> refresh(PGconn* c);
  /// Makes `active` (read from the table in the caller's transaction) the ring's active key.
  jubes::result<void> ensure_active(PGconn* c, std::uint32_t active);

  /// The active key id of the ring (0: bodies are not encrypted).
  std::uint32_t active() const;
  /// Seals `plain` for the message (party, referentienummer) with the active key into `out`;
  /// without compression and encryption `out` is `plain` (stored as before schema 4).
  /// @param key_id the key it was sealed with (0: none)
  jubes::result<void> seal(std::string_view plain, std::string_view party, std::string_view ref, std::string& out,
                           std::uint32_t& key_id) const;
  /// The plain body of a stored value. A key id this node does not hold is looked up in the table
  /// on `c` once. @return errc::corrupt naming the message id (damaged, wrong key, moved)
  jubes::result<std::string> open(PGconn* c, std::uint64_t id, std::string_view stored, std::string_view party,
                                  std::string_view ref);

  /// `jubesctl keys rotate`: a new data key wrapped under `kek` (which must unwrap the existing
  /// ones) becomes the active one, in one transaction on `c`. @return the new key's id
  jubes::result<std::uint32_t> rotate(PGconn* c, const storage::key_bytes& kek, std::int64_t now_ms);
  /// `--reencrypt`: one transaction re-sealing the bodies after message `from` (up to `max` rows
  /// read) that are not under the active key. `from` advances; @return how many were re-sealed,
  /// and `done` becomes true at the end of the table.
  jubes::result<std::size_t> reseal_some(PGconn* c, std::uint64_t& from, std::size_t max, bool& done);

  static std::string context(std::string_view party, std::string_view ref);

 private:
  jubes::result<void> refresh_locked(PGconn* c, const storage::key_bytes* kek);

  storage::at_rest_options opt_;
  std::shared_ptr<storage::body_codec> codec_;
  std::mutex refresh_mu_;  // one refresh (or rotation) at a time
};

}  // namespace jubes::pgstore::detail
