// SPDX-License-Identifier: EUPL-1.2
// POST /v1/outbox/ack?upto=SEQ: moves the caller's cursor (through the store's writer).
#include "../await_store.hpp"
#include "codecs/replies.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"
#include "storage/errc.hpp"

namespace jubes::gateway::detail {

net::awaitable<response> handle_ack(services& s, call& c) {
  std::uint64_t upto = 0;
  auto* v = c.query.get("upto");
  if (!v || !parse_u64(*v, upto))
    co_return fault_response(s, c, refusal(errc::bad_request, "upto: required, a sequence number"));
  const std::string me = c.who.party->id;
  std::uint64_t before = 0;
  if (auto o = s.store.outbox(me)) before = o->cursor;
  auto* store = &s.store;
  auto submit = [store, me, upto](store_done<std::uint64_t> done) { store->submit_ack(me, upto, std::move(done)); };
  auto r = co_await await_store<std::uint64_t>(submit);
  if (!r) {
    refusal f(r.error());
    if (r.error() == storage::errc::beyond_head) f.error.detail = "upto is beyond the outbox head";
    co_return fault_response(s, c, f);
  }
  if (*r > before) s.counters.entries_acked.inc(*r - before);
  co_return xml_response(c, 200, codecs::encode_ack(me, *r));
}

}  // namespace jubes::gateway::detail
