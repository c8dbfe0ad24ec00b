// SPDX-License-Identifier: EUPL-1.2
// GET /v1/outbox?after=SEQ&max=N&wait=S: a batch of the caller's outbox (long poll when empty).
#include "codecs/replies.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

namespace {

/// The batch document (codecs/replies.hpp, conf/schemas/jubes/outbox.xsd) written entry by entry:
/// the entries were read under the byte cap, and each body is released once it is encoded, so a
/// poll holds at most its batch plus one encoded entry.
class batch_source final : public body_source {
 public:
  batch_source(std::string recipient, std::uint64_t after, std::vector<storage::outbox_entry> es,
               std::shared_ptr<const route_snapshot> routes)
      : recipient_(std::move(recipient)), after_(after), es_(std::move(es)), routes_(std::move(routes)) {}

  bool next(std::string& out) override {
    if (!opened_) {
      opened_ = true;
      out += codecs::encode_outbox_open(recipient_, after_, es_.size(), es_.empty() ? 0 : es_.back().seq);
      return true;
    }
    if (i_ < es_.size()) {
      auto& e = es_[i_++];
      // Need-to-know: the entry carries what this mailbox may see of the message (its projection).
      const codecs::projection* view =
          routes_ ? routes_->view_for(recipient_, e.message_type, e.source_party) : nullptr;
      codecs::append_outbox_entry(
          out, {e.seq, e.message_id, e.message_type, e.source_party, e.accepted_at_ms, e.purged, e.body, e.deadline_ms,
                static_cast<codecs::delivery_link>(e.link), e.link_id, view});
      std::string().swap(e.body);
      return true;
    }
    if (closed_) return false;
    closed_ = true;
    out += codecs::outbox_close();
    return true;
  }

 private:
  std::string recipient_;
  std::uint64_t after_;
  std::vector<storage::outbox_entry> es_;
  std::shared_ptr<const route_snapshot> routes_;  // the projections in service when the poll was answered
  std::size_t i_ = 0;
  bool opened_ = false, closed_ = false;
};

struct poll_args {
  std::uint64_t after = 0, max = 0, wait = 0;
};

/// Reads after, max and wait (after defaults to the recipient's cursor), capped by the limits.
jubes::result<poll_args> parse_args(services& s, const call& c) {
  poll_args a;
  a.max = s.cfg.limits.max_batch;
  if (auto* v = c.query.get("after")) {
    if (!parse_u64(*v, a.after)) return jubes::fail(errc::bad_request, "after: not a number");
  } else {
    auto o = s.store.outbox(c.who.party->id);
    if (!o) return jubes::error(o.error());
    a.after = o->cursor;
  }
  if (auto* v = c.query.get("max"); v && (!parse_u64(*v, a.max) || a.max == 0))
    return jubes::fail(errc::bad_request, "max: not a positive number");
  if (auto* v = c.query.get("wait"); v && !parse_u64(*v, a.wait))
    return jubes::fail(errc::bad_request, "wait: not a number of seconds");
  a.max = std::min<std::uint64_t>(a.max, s.cfg.limits.max_batch);
  a.wait = std::min<std::uint64_t>(a.wait, s.cfg.limits.long_poll_max_wait_s);
  return a;
}

}  // namespace

net::awaitable<response> handle_poll(services& s, call& c) {
  const std::string& me = c.who.party->id;
  auto args = parse_args(s, c);
  if (!args) co_return fault_response(s, c, args.error());
  const std::size_t max_bytes = s.cfg.limits.max_batch_bytes;
  auto batch = s.store.read_batch(me, args->after, args->max, max_bytes);
  if (!batch) co_return fault_response(s, c, jubes::error(batch.error()));
  if (batch->entries.empty() && args->wait > 0 && !s.polls.draining()) {
    auto wait = std::chrono::seconds(args->wait);
    co_await s.polls.wait(s.store, me, args->after, wait);
    if (s.polls.draining())
      batch->entries.clear();
    else
      batch = s.store.read_batch(me, args->after, args->max, max_bytes);
    if (!batch) co_return fault_response(s, c, jubes::error(batch.error()));
  }
  s.counters.entries_served.inc(batch->entries.size());
  auto res = xml_response(c, 200, {});
  res.set("X-Jubes-More", batch->more ? "true" : "false");
  c.stream = std::make_unique<batch_source>(me, args->after, std::move(batch->entries), s.pipe.routes());
  co_return res;
}

}  // namespace jubes::gateway::detail
