// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Private: who a client certificate is (the party directory of the API listener) and how many
// connections each party holds.
//
// A certificate names a configured party by its OIN (the subject's serialNumber) or its CN; with
// `municipalities_by_cn` a CN `gemeente:NNNN/BOX` names that municipality's recipient box without a
// configuration entry, if NNNN is a current municipality in the municipality table in service (a
// dissolved or unknown code is no party: 403). The table is asked at each find(): at a connection's
// handshake, and again before its next request after a route reload swapped it (with the routes;
// reidentify.hpp). Each known party may hold limits.max_connections_per_party connections; the
// connection_slot counts one while it lives.
//
// Lifecycle: built by the server at start from its configuration (which must outlive it).
// Threading: find(), identify() and connection_slot are thread-safe (IO threads).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "gateway/config.hpp"
#include "handlers/handler.hpp"
#include "tls.hpp"

namespace jubes::gateway::detail {

class party_directory {
 public:
  /// @param is_current_municipality whether a four-digit gemeentecode is a municipality today, in the
  ///        table in service (the server binds it to the pipeline's route snapshot); thread-safe
  party_directory(const config& cfg, std::function<bool(std::string_view)> is_current_municipality);

  /// @return the party `id` names, or nullptr (the request is then refused with 403)
  const party_config* find(const peer_identity& id);
  /// @return the caller of a connection with this certificate: its party, and the certificate's
  ///         CN and subject escaped for logs (they are the peer's own text)
  caller identify(const peer_identity& id);

  /// One connection of a caller, counted for its party while the slot lives (unknown callers are
  /// not counted: they get 403 anyway).
  class connection_slot {
   public:
    connection_slot(party_directory& d, const caller& who);
    ~connection_slot();
    connection_slot(const connection_slot&) = delete;
    connection_slot& operator=(const connection_slot&) = delete;
    /// Whether this connection is over the party's limit (its requests get 503).
    bool over() const noexcept { return over_; }

   private:
    party_directory& d_;
    std::string id_;  ///< empty: not counted
    bool over_ = false;
  };

 private:
  const config& cfg_;
  std::function<bool(std::string_view)> is_current_;
  std::map<std::string, const party_config*> by_cn_, by_oin_;  // read-only after construction
  std::mutex mu_;                                              // guards the two maps below
  std::map<std::string, std::unique_ptr<party_config>> municipalities_;
  std::map<std::string, int> connections_;
};

}  // namespace jubes::gateway::detail
