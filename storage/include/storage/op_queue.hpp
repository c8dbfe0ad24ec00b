// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The bounded request queue in front of every backend's writer thread (storage/src/writer.*,
// pgstore/src/writer.*): operations in arrival order, bounded by their count and by the body bytes
// of the queued ingests; a purge pass is taken alone, everything else in groups.
//
// Threading: not synchronised. The owning writer guards it with its mutex; the writer thread takes
// from it, submitters push into it.
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "storage/errc.hpp"

namespace jubes::storage {

/// Whether a queue of `depth` requests holding `queued_bytes` of bodies takes one more request of
/// `bytes`. An empty queue takes any one request, so a single large body is never refused for size.
constexpr bool queue_admits(std::size_t depth, std::size_t queued_bytes, std::size_t bytes, std::size_t capacity,
                            std::size_t max_bytes) noexcept {
  return depth < capacity && (depth == 0 || queued_bytes + bytes <= max_bytes);
}

/// @tparam Op a std::variant of the backend's operations, with `Ingest` (whose `req.body` counts
/// against the byte bound) and `Purge` (taken alone) among its alternatives
/// @tparam Unrefused the alternatives a full queue never refuses, besides `Purge`: the audit
/// records (reads are coalesced by the gateway and operator actions are few, so they cannot flood
/// it; docs/storage.md, "Audit trail")
template <class Op, class Ingest, class Purge, class... Unrefused>
class op_queue {
 public:
  std::size_t size() const noexcept { return q_.size(); }
  bool empty() const noexcept { return q_.empty(); }
  /// Whether the next group is a purge pass (taken alone).
  bool purge_next() const noexcept { return !q_.empty() && std::holds_alternative<Purge>(q_.front()); }

  /// Appends `o` if the bounds admit it (a purge pass or an `Unrefused` always).
  /// @return false, leaving `o` as it was, when the queue is full.
  bool push(Op& o, std::size_t capacity, std::size_t max_bytes) {
    const std::size_t b = bytes(o);
    const bool always = std::holds_alternative<Purge>(o) || (std::holds_alternative<Unrefused>(o) || ...);
    if (!always && !queue_admits(q_.size(), bytes_, b, capacity, max_bytes)) return false;
    bytes_ += b;
    q_.push_back(std::move(o));
    return true;
  }

  /// push() for a submitter: counts a refusal in `rejected` (the writer's atomic counter).
  /// @return errc::overloaded when the queue is full
  template <class Counter>
  std::optional<jubes::error> admit(Op& o, std::size_t capacity, std::size_t max_bytes, Counter& rejected) {
    if (push(o, capacity, max_bytes)) return std::nullopt;
    ++rejected;
    return jubes::error(errc::overloaded);
  }

  /// Appends `o` behind whatever arrived meanwhile, without a bound (a purge pass that has more to do).
  void requeue(Op&& o) {
    bytes_ += bytes(o);
    q_.push_back(std::move(o));
  }

  /// Moves the next group into `batch`: a purge alone, or up to `max` other operations in order.
  void take(std::vector<Op>& batch, std::size_t max) {
    if (q_.empty()) return;
    if (purge_next()) {
      batch.push_back(pop());
      return;
    }
    while (!q_.empty() && batch.size() < max && !std::holds_alternative<Purge>(q_.front())) batch.push_back(pop());
  }

  /// Empties the queue (a writer that failed or stops), handing back what it held.
  std::deque<Op> take_all() {
    bytes_ = 0;
    return std::exchange(q_, {});
  }

 private:
  static std::size_t bytes(const Op& o) {
    auto* i = std::get_if<Ingest>(&o);
    return i ? i->req.body.size() : 0;
  }
  Op pop() {
    bytes_ -= bytes(q_.front());
    Op o = std::move(q_.front());
    q_.pop_front();
    return o;
  }

  std::deque<Op> q_;
  std::size_t bytes_ = 0;  // body bytes of the queued ingests
};

}  // namespace jubes::storage
