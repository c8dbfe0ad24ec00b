// SPDX-License-Identifier: EUPL-1.2
// POST /v1/messages/{id}/forward?to=gemeente:NNNN: a municipality's BIJ box passes a BIJ notice on to the
// BIJ box of the municipality the person moved to, if it takes part in BIJ (audited by the store: who, to whom).
#include "../await_store.hpp"
#include "codecs/replies.hpp"
#include "common/log.hpp"
#include "common/recipient.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

namespace {

/// Checks the caller and the target. @return the target mailbox, or the refusal. Forwarding stays within one
/// kind of mailbox: the target is the same box of the other municipality (`to=gemeente:NNNN` names it;
/// `to=gemeente:NNNN/BOX` must name the caller's box). With mailboxes configured only a BIJ box forwards.
admission<recipient> forward_target(const services& s, const call& c) {
  auto me = recipient::parse(c.who.party->id);
  if (!me || !me->is_municipality()) return refusal(errc::role_not_allowed, "only a municipality may forward");
  if (!s.cfg.municipal_boxes.empty() && me->box() != "bij")
    return refusal(errc::role_not_allowed, "only a municipality's BIJ box may forward");
  auto* to = c.query.get("to");
  auto target = to ? recipient::parse(*to) : std::nullopt;
  if (!target || !target->is_municipality() || !s.pipe.gemeenten().is_current(target->gemeentecode()))
    return refusal(errc::bad_request, "to: must be gemeente:NNNN, a municipality that exists today");
  if (!target->box().empty() && target->box() != me->box())
    return refusal(errc::bad_request, "to: forwarding stays within the " + std::string(me->box()) + " box");
  target = recipient::municipality(target->gemeentecode(), me->box());
  if (*target == *me) return refusal(errc::bad_request, "to: cannot forward to yourself");
  return *target;
}
}  // namespace

net::awaitable<response> handle_forward(services& s, call& c) {
  auto target = forward_target(s, c);
  if (!target) co_return fault_response(s, c, target.error());
  const std::string me = c.who.party->id;
  const std::uint64_t id = c.id;
  auto m = s.store.get(id);
  if (!m) co_return fault_response(s, c, jubes::error(m.error()));
  if (!*m || !storage::may_read(**m, me)) co_return fault_response(s, c, errc::not_found);
  // Which types may be forwarded is the routing table's `forwarding:` (the BIJ kinds by default).
  const auto routes = s.pipe.routes();
  if (!routes->table->may_forward((*m)->message_type))
    co_return fault_response(s, c, refusal(errc::type_not_allowed, "only BIJ notices may be forwarded"));
  // Only to a municipality that takes part (forwarding.participants: the BIJ participants by default).
  if (!routes->table->may_forward_to(target->gemeentecode()))
    co_return fault_response(
        s, c,
        refusal(errc::type_not_allowed, "to: " + std::string(target->gemeentecode()) + " does not take part in BIJ"));
  auto* store = &s.store;
  const std::string to = target->str();
  auto submit = [store, id, me, to](store_done<bool> done) { store->submit_forward(id, me, to, std::move(done)); };
  auto r = co_await await_store<bool>(submit);
  if (!r) co_return fault_response(s, c, r.error());
  const bool added = *r;
  log::info("api", "forwarded", {{"message_id", id}, {"from", me}, {"to", to}, {"new", added ? "true" : "false"}});
  co_return xml_response(c, added ? 201 : 200, codecs::encode_forward(id, to, added));
}

}  // namespace jubes::gateway::detail
