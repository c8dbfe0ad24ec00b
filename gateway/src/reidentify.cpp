// SPDX-License-Identifier: EUPL-1.2
#include "reidentify.hpp"

#include "api.hpp"
#include "common/log.hpp"
#include "tls_rotation.hpp"

namespace jubes::gateway::detail {

connection_identity::connection_identity(party_directory& d, peer_identity cert, std::uint64_t generation)
    : d_(d), cert_(std::move(cert)), generation_(generation), who_(d.identify(cert_)) {
  slot_.emplace(d_, who_);
}

connection_identity::verdict connection_identity::renew(std::uint64_t now, const trust_check& trust) {
  if (auto d = trust()) {
    distrust_ = std::move(*d);
    return verdict::untrusted;
  }
  caller who = d_.identify(cert_);
  generation_ = now;
  if (who.party != who_.party) {
    auto party = [](const caller& c) { return c.party ? c.party->id : std::string("(none)"); };
    log::info("gateway", "connection_reidentified",
              {{"party_before", party(who_)}, {"party", party(who)}, {"subject", who.subject}});
    // The slot follows the party: the old party's count is given back before the new one's is taken.
    slot_.reset();
    who_ = std::move(who);
    slot_.emplace(d_, who_);
  }
  lost_ = who_.party == nullptr;
  return verdict::renewed;
}

std::optional<distrust> trust_in_service(ssl_st* ssl, const tls_contexts& tls,
                                         std::shared_ptr<boost::asio::ssl::context>& checked) {
  auto now = tls.current();
  if (!now || now == checked) return std::nullopt;
  auto d = verify_peer_chain(ssl, now->native_handle());
  if (!d) checked = std::move(now);
  return d;
}

response refuse_untrusted(api& apis, const caller& who, const distrust& d, const http::request_header<>& head,
                          const std::string& peer) {
  apis.requests().handshake_refused({peer, d.reason, d.cert.subject, d.cert.issuer, d.cert.verify_error});
  apis.count_refused(who, head.method(), head.target(), 403);
  return make_response(403, "the client certificate is no longer trusted: " + d.cert.verify_error + "\n", "text/plain",
                       head.version(), false);
}

}  // namespace jubes::gateway::detail
