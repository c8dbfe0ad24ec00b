#pragma once
// Private: the gateway's only calls to the store's asynchronous submit_* functions, each normalised
// to one completion shape, std::function<void(jubes::result<T>)>. Everything else in the gateway
// (the handlers through await_store(), jubesctl's offline reroute) uses these, so a change of the
// store's completion types is absorbed here. A store that refuses at once (queue full, closed)
// completes with storage::errc::overloaded, on the calling thread, before the call returns.
//
// Threading: as the store's submit_*: callable from any thread; `done` runs on the store's writer
// thread (or on the caller's, when refused), must be short and must not throw.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/store.hpp"

namespace jubes::gateway::detail {

template <class T>
using store_done = std::function<void(jubes::result<T>)>;

/// Ingest: accepted, duplicate, conflict, ... are the outcome of the value, not errors.
void submit_ingest(storage::store& s, storage::ingest_request req, store_done<storage::ingest_result> done);
/// @return in `done` the recipient's cursor after the ack.
void submit_ack(storage::store& s, std::string recipient, std::uint64_t upto, store_done<std::uint64_t> done);
/// @return in `done` true if `to` newly received the message, false if it had it already.
void submit_forward(storage::store& s, std::uint64_t id, std::string from, std::string to, store_done<bool> done);
void submit_reroute(storage::store& s, std::uint64_t id, std::vector<std::string> recipients, std::string version,
                    store_done<void> done);
void submit_purge(storage::store& s, store_done<storage::purge_result> done);

}  // namespace jubes::gateway::detail
