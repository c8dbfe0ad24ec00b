// SPDX-License-Identifier: EUPL-1.2
#pragma once
// One batch of requests in one PostgreSQL transaction, in three round trips:
//  1. BEGIN; create the head rows of outboxes the batch appends to; lock every head row it uses
//     (SELECT ... ORDER BY recipient FOR UPDATE: one fixed order, so writers on several nodes
//     cannot deadlock on heads); read the dedup rows of its keys; lock the messages that
//     forwards and re-routes change.
//  2. nextval() for the new messages.
//  3. (pipelined) the messages with their bodies (binary bytea), the dedup rows (sorted by key),
//     the outbox entries (seq = head + 1, ... : gapless), message updates, audit, each changed
//     head once, one pg_notify per changed recipient, COMMIT.
// Everything is decided in memory between 1 and 3, request by request in queue order, exactly as
// if the requests ran one after the other (a key repeated inside the batch is a duplicate of the
// first). Nothing outside the transaction changes before the COMMIT returned.
//
// Threading: the writer thread only.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "at_rest.hpp"
#include "ops.hpp"
#include "pq.hpp"

namespace jubes::pgstore::detail {

/// Prepares the writer's statements on a new connection.
jubes::result<void> prepare_writer(PGconn* c);

struct batch_result {
  enum class status {
    committed,  ///< the COMMIT returned: run `fire`
    retry,      ///< a concurrent writer won a race (unique violation, deadlock, serialization): run again
    failed,     ///< rolled back (or never begun): `error` for every request
    unknown,    ///< the connection broke after COMMIT was sent: it may or may not have committed
  };
  status st = status::failed;
  jubes::error error;
  bool connection_lost = false;                          ///< the connection must be replaced
  std::vector<std::function<void()>> fire;               ///< completions in request order
  std::unordered_map<std::string, std::uint64_t> heads;  ///< outbox heads the batch moved
  std::uint64_t accepted = 0, duplicate = 0, conflict = 0, acks = 0, forwards = 0, reroutes = 0, last_id = 0;
  std::int64_t parked_delta = 0;
};

/// Runs `ops` (no purge_op among them) as one transaction at time `now` (ms). A batch with
/// messages reads the active data key after the audit chain's lock and stores every body sealed
/// with it (`keys` re-seals one sealed with another).
batch_result run_batch(PGconn* c, std::vector<op>& ops, std::int64_t now, at_rest& keys);

/// One retention pass (bodies, dedup, audit: at most `limit` of each) in one transaction.
/// @return what it purged (acc is added to), or the error
jubes::result<void> purge_pass(PGconn* c, std::int64_t now, std::int64_t body_cut, std::int64_t dedup_cut,
                               std::int64_t audit_cut, std::size_t limit, storage::purge_result& acc);

}  // namespace jubes::pgstore::detail
