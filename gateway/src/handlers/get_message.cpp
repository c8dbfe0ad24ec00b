// SPDX-License-Identifier: EUPL-1.2
// GET /v1/messages/{id}: the message to a party that may see it; 404 to any other.
#include "codecs/projection.hpp"
#include "codecs/replies.hpp"
#include "codecs/xml_text.hpp"
#include "gateway/errc.hpp"
#include "handler.hpp"

namespace jubes::gateway::detail {

net::awaitable<response> handle_get_message(services& s, call& c) {
  auto m = s.store.get(c.id);
  if (!m) co_return fault_response(s, c, jubes::error(m.error()));
  // 404 for a party that may not see it: never reveal that the id exists.
  if (!*m || !storage::may_read(**m, c.who.party->id)) co_return fault_response(s, c, errc::not_found);
  auto& msg = **m;
  if (msg.purged) co_return fault_response(s, c, errc::gone);
  if (!s.read_audits || s.read_audits->admit(c.id, c.who.party->id, s.now_ms()))
    s.store.audit_read(c.id, c.who.party->id);
  auto res = make_response(200, {}, "application/xml", c.req.version(), true);
  res.set("X-Jubes-Message-Type", msg.message_type);
  res.set("X-Jubes-Source", msg.source_party);
  res.set("X-Jubes-Accepted", codecs::iso_timestamp(msg.accepted_at_ms));
  // Need-to-know: a recipient gets its mailbox's projection, the source what it sent.
  const auto routes = s.pipe.routes();
  if (const codecs::projection* view =
          routes ? routes->view_for(c.who.party->id, msg.message_type, msg.source_party) : nullptr) {
    auto element = codecs::embeddable_body(msg.body);
    std::string projected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    if (!element || !codecs::append_projected(projected, *element, *view))
      co_return fault_response(s, c, jubes::fail(codecs::errc::internal, "stored message cannot be projected"));
    msg.body = std::move(projected);
  }
  // The body is moved, never copied: the server writes it in pieces (one body in memory per request).
  c.stream = std::make_unique<string_source>(std::move(msg.body));
  co_return res;
}

}  // namespace jubes::gateway::detail
