// GET /v1/outbox?after=SEQ&max=N&wait=S: a batch of the caller's outbox (long poll when empty).
#include "codecs/replies.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

namespace {

/// The batch document (codecs/replies.hpp, conf/schemas/jubes/outbox.xsd) over the store's entries.
std::string batch_xml(const std::string& recipient, std::uint64_t after, const std::vector<storage::outbox_entry>& es) {
  std::vector<codecs::outbox_entry_view> views;
  views.reserve(es.size());
  for (const auto& e : es)
    views.push_back({e.seq, e.message_id, e.message_type, e.source_party, e.accepted_at_ms, e.purged, e.body});
  return codecs::encode_outbox_batch(recipient, after, views);
}

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
  auto entries = s.store.read_outbox(me, args->after, args->max);
  if (!entries) co_return fault_response(s, c, jubes::error(entries.error()));
  if (entries->empty() && args->wait > 0 && !s.polls.draining()) {
    auto wait = std::chrono::seconds(args->wait);
    co_await s.polls.wait(s.store, me, args->after, wait);
    if (s.polls.draining())
      entries->clear();
    else
      entries = s.store.read_outbox(me, args->after, args->max);
    if (!entries) co_return fault_response(s, c, jubes::error(entries.error()));
  }
  s.counters.entries_served.inc(entries->size());
  co_return xml_response(c, 200, batch_xml(me, args->after, *entries));
}

}  // namespace jubes::gateway::detail
