// SPDX-License-Identifier: EUPL-1.2
// POST /v1/messages/{id}/forward?to=gemeente:NNNN: a municipality's BIJ box passes a BIJ notice on to the
// BIJ box of the municipality the person moved to, if it takes part in BIJ (audited by the store: who, to whom).
// An operator may override the participation check on a box's behalf:
// POST /v1/messages/{id}/forward?from=gemeente:MMMM/bij&to=gemeente:NNNN&reason=TEXT. The store writes the operator's
// forward_override record (who, on whose behalf, to whom, "not a BIJ participant" where it is, and the reason) in the
// same transaction as the forward and its forwarded record (storage::backend::submit_forward): an override is never
// stored without it.
#include "../await_store.hpp"
#include "codecs/replies.hpp"
#include "common/log.hpp"
#include "common/recipient.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

namespace {

/// Who forwards: the calling municipality's box, or, for an operator, the box named by `from=`.
admission<recipient> forwarder(const services& s, const call& c, bool by_operator) {
  std::optional<recipient> me;
  if (by_operator) {
    auto* from = c.query.get("from");
    me = from ? recipient::parse(*from) : std::nullopt;
    if (!me || !me->is_municipality())
      return refusal(errc::bad_request, "from: an operator forwards on behalf of a box, gemeente:NNNN/bij");
  } else {
    me = recipient::parse(c.who.party->id);
    if (!me || !me->is_municipality()) return refusal(errc::role_not_allowed, "only a municipality may forward");
  }
  if (!s.cfg.municipal_boxes.empty() && me->box() != "bij")
    return refusal(errc::role_not_allowed, "only a municipality's BIJ box may forward");
  return *me;
}

/// Checks the target. @return the target mailbox, or the refusal. Forwarding stays within one kind of mailbox:
/// the target is the same box of the other municipality (`to=gemeente:NNNN` names it; `to=gemeente:NNNN/BOX`
/// must name the forwarder's box).
admission<recipient> forward_target(const services& s, const call& c, const recipient& me) {
  auto* to = c.query.get("to");
  auto target = to ? recipient::parse(*to) : std::nullopt;
  if (!target || !target->is_municipality() || !s.pipe.gemeenten()->is_current(target->gemeentecode()))
    return refusal(errc::bad_request, "to: must be gemeente:NNNN, a municipality that exists today");
  if (!target->box().empty() && target->box() != me.box())
    return refusal(errc::bad_request, "to: forwarding stays within the " + std::string(me.box()) + " box");
  target = recipient::municipality(target->gemeentecode(), me.box());
  if (*target == me) return refusal(errc::bad_request, "to: cannot forward to yourself");
  return *target;
}
}  // namespace

net::awaitable<response> handle_forward(services& s, call& c) {
  const bool by_operator = c.who.party->role == party_role::operator_;
  const auto by = actor_of(c);
  if (by_operator && by.reason.empty())
    co_return fault_response(s, c, refusal(errc::bad_request, "an operator's forward needs reason= (it is audited)"));
  auto from = forwarder(s, c, by_operator);
  if (!from) co_return fault_response(s, c, from.error());
  auto target = forward_target(s, c, *from);
  if (!target) co_return fault_response(s, c, target.error());
  const std::string me = from->str();
  const std::uint64_t id = c.id;
  auto m = s.store.get(id);
  if (!m) co_return fault_response(s, c, jubes::error(m.error()));
  if (!*m || !storage::may_read(**m, me)) co_return fault_response(s, c, errc::not_found);
  // Which types may be forwarded is the routing table's `forwarding:` (the BIJ kinds by default).
  const auto routes = s.pipe.routes();
  if (!routes->table->may_forward((*m)->message_type))
    co_return fault_response(s, c, refusal(errc::type_not_allowed, "only BIJ notices may be forwarded"));
  // Only to a municipality that takes part (forwarding.participants: the BIJ participants by default), unless an
  // operator overrides it with a reason.
  const bool participant = routes->table->may_forward_to(target->gemeentecode());
  if (!participant && !by_operator)
    co_return fault_response(
        s, c,
        refusal(errc::type_not_allowed, "to: " + std::string(target->gemeentecode()) + " does not take part in BIJ"));
  auto* store = &s.store;
  const std::string to = target->str();
  // The new entry's deadline: what the rule gives the message's own dates now (docs/routing.md).
  const auto dl = s.pipe.deadline_of(**m);
  // An operator's forward carries the operator: the store records it with the forward, in one transaction.
  storage::operator_action op;
  if (by_operator) {
    op = by;
    if (!participant) op.note = "not a BIJ participant";
  }
  auto submit = [store, id, me, to, op, dl](store_done<bool> done) {
    store->submit_forward(id, me, to, std::move(done), op, dl);
  };
  auto r = co_await await_store<bool>(submit);
  if (!r) co_return fault_response(s, c, r.error());
  const bool added = *r;
  log::info("api", "forwarded",
            {{"message_id", id}, {"from", me}, {"to", to}, {"new", added ? "true" : "false"}, {"by", c.who.party->id}});
  co_return xml_response(c, added ? 201 : 200, codecs::encode_forward(id, to, added));
}

}  // namespace jubes::gateway::detail
