// SPDX-License-Identifier: EUPL-1.2
// Corrections and withdrawals inside a batch (docs/MESSAGES.md, "Corrections and withdrawals"): the
// earlier message a request names, and what superseding it changes. Round trip 1 locked what these
// read (batch.cpp, read_phase).
#include <algorithm>

#include "batch_plan.hpp"

namespace jubes::pgstore::detail {

jubes::result<earlier_message> find_earlier(plan& p, const storage::ingest_request& r) {
  earlier_message e;
  if (r.mutation_kind == storage::mutation::none) return e;
  auto d = p.dedup.find({r.party, r.cross_ref});
  if (d == p.dedup.end())
    return fail(errc::unknown_reference, "crossRefnummer '" + r.cross_ref + "' names no message of " + r.party +
                                             " (unknown, another sender's, or purged)");
  e.id = d->second.id;
  std::string type;
  std::uint64_t by = 0;
  std::uint8_t kind = 0;
  if (auto m = p.msgs.find(e.id); m != p.msgs.end()) {
    type = m->second.message_type, e.recipients = m->second.recipients;
    by = m->second.superseded_by, kind = m->second.superseded_kind;
  } else if (auto f = p.fresh.find(e.id); f != p.fresh.end()) {
    type = f->second.message_type, e.recipients = f->second.recipients;
    by = f->second.superseded_by, kind = f->second.superseded_kind;
  } else {
    // Its dedup row committed after the message lock ran: nothing of it is locked.
    p.race = true;
    return e;
  }
  for (const auto& rc : e.recipients)
    if (auto h = p.heads.find(rc); h == p.heads.end() || !h->second.found) p.race = true;
  if (p.race) return e;
  if (type != r.message_type)
    return fail(errc::unknown_reference,
                "crossRefnummer '" + r.cross_ref + "' names a " + type + ", not a " + r.message_type);
  if (by)
    return fail(errc::already_superseded,
                "'" + r.cross_ref + "' (message " + std::to_string(e.id) + ") was already " +
                    (kind == static_cast<std::uint8_t>(storage::mutation::withdrawal) ? "withdrawn" : "corrected") +
                    " by message " + std::to_string(by) + ": refer to that one");
  return e;
}

void supersede(plan& p, const storage::ingest_request& r, const earlier_message& e, std::uint64_t id,
               std::vector<std::string>& to) {
  const auto mark = r.mutation_kind == storage::mutation::withdrawal ? storage::entry_link::withdrawn_by
                                                                     : storage::entry_link::superseded_by;
  const auto eid = static_cast<std::int64_t>(e.id);
  for (const auto& rc : e.recipients) {
    if (std::find(to.begin(), to.end(), rc) == to.end()) to.push_back(rc);
    const std::uint64_t acked = p.heads[rc].acked;  // as an ack earlier in this batch left it
    // Its stored entries there that the recipient has not acknowledged ...
    for (auto it = p.earlier_entries.lower_bound({rc, acked + 1});
         it != p.earlier_entries.end() && it->first.first == rc; ++it)
      if (it->second == e.id) {
        p.lk_rcpt.push_back(rc), p.lk_seq.push_back(static_cast<std::int64_t>(it->first.second));
        p.lk_kind.push_back(static_cast<std::int64_t>(mark)), p.lk_id.push_back(static_cast<std::int64_t>(id));
      }
    // ... and those this batch appends (the message itself, or a forward of it).
    for (std::size_t i = 0; i < p.ob_rcpt.size(); ++i)
      if (p.ob_id[i] == eid && p.ob_rcpt[i] == rc && p.ob_seq[i] > static_cast<std::int64_t>(acked) &&
          p.ob_link[i] != static_cast<std::int64_t>(storage::entry_link::superseded_by) &&
          p.ob_link[i] != static_cast<std::int64_t>(storage::entry_link::withdrawn_by)) {
        p.ob_link[i] = static_cast<std::int64_t>(mark), p.ob_link_id[i] = static_cast<std::int64_t>(id);
        p.ob_deadline[i] = 0, p.ob_risk[i] = 0;
      }
  }
  const auto kind = static_cast<std::uint8_t>(r.mutation_kind);
  if (auto m = p.msgs.find(e.id); m != p.msgs.end()) m->second.superseded_by = id, m->second.superseded_kind = kind;
  if (auto f = p.fresh.find(e.id); f != p.fresh.end()) f->second.superseded_by = id, f->second.superseded_kind = kind;
  p.sup_id.push_back(eid), p.sup_by.push_back(static_cast<std::int64_t>(id)), p.sup_kind.push_back(kind);
}

}  // namespace jubes::pgstore::detail
